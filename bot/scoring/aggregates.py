"""The scorecard's figures as the database aggregates them: a few grouped queries per period, none per deal.

A quarter is some 8,000 closed deals and 40,000 answers among hundreds of thousands; carrying those
rows into Python one by one cost a third of a second. Each query here returns groups instead, and
Python only finishes what SQL cannot do exactly on both SQLite and PostgreSQL:

- Currency conversion. A rate is a Decimal and every deal is rounded on its own (half to even); in
  SQL, cents × rate overflows SQLite's 64-bit integers for a finely written rate. So won deals in
  another currency are grouped by their exact amount, and each distinct amount is converted once:
  identical amounts convert identically, so the sum is the sum of per-deal conversions.
- The cent-exact split. Won deals are grouped by their helping teams and weights (the "pattern")
  and by their cents modulo the weights' total. Within such a group each deal's split is the split
  of that residue plus a whole multiple of the weights (the remainders that decide who gets a spare
  cent depend on the residue alone), so one `split_cents` per group gives every deal's exact shares.

Every query reaches the answers and asks through the period's deal ids (`deal_id IN (…)`), which
lets both databases walk the per-deal indexes in order and group without sorting.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.sql.selectable import CTE
from sqlmodel import Session, col

from bot.organisation import Organisation
from bot.periods import Period
from bot.scoring.attribution import IMPACT_RANK, OWNER_TEAM_RANK, split_cents
from storage.expressions import days_between
from storage.models import Answer, Ask, AskStatus, Deal, Member, Stage, Team

_CLOSED = (Stage.WON.value, Stage.LOST.value)
_CENT = Decimal(1)


def closed_within(first: date, last: date) -> tuple[ColumnElement[bool], ...]:
    """Written as stage IN (…) AND closed_at BETWEEN so an index on (stage, closed_at, …) serves it."""
    return (col(Deal.stage).in_(_CLOSED), col(Deal.closed_at) >= first, col(Deal.closed_at) <= last)


def _won_within(first: date, last: date) -> tuple[ColumnElement[bool], ...]:
    return (col(Deal.stage) == Stage.WON.value, col(Deal.closed_at) >= first, col(Deal.closed_at) <= last)


def _closed_ids(first: date, last: date) -> Select[Any]:
    return select(col(Deal.id)).where(*closed_within(first, last))


def convert(org: Organisation, cents: int, currency: str) -> int | None:
    """Cents in the organisation's currency, rounded per deal (half to even); None without a rate."""
    if currency == org.currency:
        return cents
    rate = org.fx_rates.get(currency)
    if rate is None:
        return None
    return int((cents * rate).quantize(_CENT, rounding=ROUND_HALF_EVEN))


@dataclass(frozen=True)
class _Money:
    """A won deal's amount as SQL can carry it: summed when in the organisation's currency, kept exact
    (currency and amount, for Python to convert) when not."""

    home: ColumnElement[int | None]
    currency: ColumnElement[str | None]
    amount: ColumnElement[int | None]
    countable: ColumnElement[bool]
    """The deal's money can be counted: it has an amount, in a currency with a rate (or the home one)."""


def _money(org: Organisation) -> _Money:
    at_home = col(Deal.currency) == org.currency
    abroad = col(Deal.currency) != org.currency
    return _Money(
        home=case((at_home, col(Deal.amount_cents))),
        currency=case((abroad, col(Deal.currency))),
        amount=case((abroad, col(Deal.amount_cents))),
        countable=and_(col(Deal.amount_cents).is_not(None), col(Deal.currency).in_([org.currency, *org.fx_rates])),
    )


def _cents(org: Organisation, home: int | Decimal | None, currency: str | None, amount: int | None, count: int) -> int:
    """The cents of `count` won deals that SQL grouped: their home sum (an int on SQLite, a Decimal on
    PostgreSQL), or `count` × one conversion."""
    if currency is None:
        return int(home or 0)
    if amount is None:
        return 0
    return count * (convert(org, amount, currency) or 0)


@dataclass
class ClosedTotals:
    """Deals won and closed in a period, and the won cents that can be counted."""

    won: int = 0
    closed: int = 0
    won_cents: int = 0


def closed_totals(session: Session, org: Organisation, periods: Sequence[Period]) -> list[ClosedTotals]:
    """The totals of consecutive `periods` (oldest first).

    Two queries grouped in the order of `ix_deals_closed_figures` (stage, closed_at, currency,
    amount), so the database streams its groups instead of sorting tens of thousands of deals: one
    counts deals and sums home-currency cents per stage and day, the other lists the won deals'
    foreign amounts per day; Python files the days into periods.
    """
    first, last = periods[0].first, periods[-1].last
    money = _money(org)
    by_day = select(col(Deal.stage), col(Deal.closed_at), func.count(), func.sum(money.home)).where(
        *closed_within(first, last)
    )
    abroad = select(col(Deal.closed_at), col(Deal.currency), col(Deal.amount_cents), func.count()).where(
        *_won_within(first, last), col(Deal.currency) != org.currency, col(Deal.amount_cents).is_not(None)
    )
    ends = [period.last for period in periods]
    totals = [ClosedTotals() for _ in periods]
    connection = session.connection()
    for stage, closed_at, count, home_sum in connection.execute(by_day.group_by(col(Deal.stage), col(Deal.closed_at))):
        total = totals[_period_of(ends, closed_at)]
        total.closed += count
        if stage == Stage.WON.value:
            total.won += count
            total.won_cents += _cents(org, home_sum, None, None, count)
    for closed_at, currency, amount, count in connection.execute(
        abroad.group_by(col(Deal.closed_at), col(Deal.currency), col(Deal.amount_cents))
    ):
        totals[_period_of(ends, closed_at)].won_cents += _cents(org, None, currency, amount, count)
    return totals


def _period_of(ends: Sequence[date], day: date | None) -> int:
    """The index of the period (given by its last days, in order) that contains a closed deal's day."""
    if day is None:
        raise ValueError("a closed deal has a closing day")
    return bisect_left(ends, day)


@dataclass(frozen=True)
class UncountedDeal:
    external_id: str
    name: str
    amount_cents: int | None
    currency: str


def uncounted_deals(session: Session, org: Organisation, period: Period) -> list[UncountedDeal]:
    """Won deals of the period whose money cannot be counted, oldest first.

    Found in `ix_deals_closed_figures` first, so only those few deals are read from the table.
    """
    uncounted = select(col(Deal.id)).where(*_won_within(period.first, period.last), ~_money(org).countable)
    rows = session.connection().execute(
        select(col(Deal.external_id), col(Deal.name), col(Deal.amount_cents), col(Deal.currency))
        .where(col(Deal.id).in_(uncounted))
        .order_by(col(Deal.closed_at), col(Deal.id))
    )
    return [UncountedDeal(*row) for row in rows]


def median_cycle_days(session: Session, period: Period) -> float | None:
    """The median of closed_at − created_at over the period's won deals, from a histogram of whole days."""
    days = days_between(col(Deal.created_at), col(Deal.closed_at))
    histogram = sorted(
        session.connection().execute(
            select(days, func.count())
            .where(*_won_within(period.first, period.last), col(Deal.created_at).is_not(None))
            .group_by(days)
        )
    )
    total = sum(count for _days, count in histogram)
    if not total:
        return None
    middle = [(total - 1) // 2, total // 2]
    found: list[int] = []
    seen = 0
    for value, count in histogram:
        while middle and middle[0] < seen + count:
            found.append(int(value))
            middle.pop(0)
        seen += count
    return (found[0] + found[1]) / 2


def ask_counts(session: Session, period: Period) -> tuple[int, int]:
    """(asks sent, of which answered) about the period's deals; an ask never sent is not asked."""
    answered = case((col(Ask.status) == AskStatus.ANSWERED.value, col(Ask.sent_at)))
    sent_count, answered_count = (
        session.connection()
        .execute(
            select(func.count(col(Ask.sent_at)), func.count(answered)).where(
                col(Ask.deal_id).in_(_closed_ids(period.first, period.last))
            )
        )
        .one()
    )
    return int(sent_count), int(answered_count)


def impact_rank() -> ColumnElement[int]:
    return case(IMPACT_RANK, value=col(Answer.impact), else_=0)


def highlight_rows(session: Session, period: Period, limit: int) -> list[tuple[str, str, str]]:
    """(deal, team, text) of the quotable answers, strongest first, then newest.

    `quotable = true` rather than `IS TRUE`: PostgreSQL searches an index only by an operator.
    """
    order = (impact_rank().desc(), col(Answer.answered_at).desc(), col(Answer.id).desc())
    chosen = (
        select(col(Answer.id))
        .where(col(Answer.deal_id).in_(_closed_ids(period.first, period.last)), col(Answer.quotable) == true())
        .order_by(*order)
        .limit(limit)
    )
    rows = session.connection().execute(
        select(col(Deal.name), col(Team.name), col(Answer.text))
        .join(Deal, col(Deal.id) == col(Answer.deal_id))
        .join(Team, col(Team.id) == col(Answer.helping_team_id))
        .where(col(Answer.id).in_(chosen))
        .order_by(*order)
    )
    return [(deal, team, text) for deal, team, text in rows]


@dataclass
class Attribution:
    """Each team's influenced and attributed cents and answers, over the period's deals."""

    influenced: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    attributed: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    answers: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    helped: int = 0
    """Won cents of deals some team can be credited with; the rest of won revenue is unattributed."""
    collaborative: int = 0
    """Won cents of deals that a team other than the owner's helped (with no owner team, any team)."""


def attribution(session: Session, org: Organisation, period: Period, names: Mapping[int, str]) -> Attribution:
    """Answers per team over every closed deal; influenced and attributed cents over the won deals that count.

    One statement, so the period's answers are read and grouped once: its rows are either a team's
    answer count (`team_id` set) or a group of won deals (see `_won_groups`).
    """
    credit = (
        select(
            col(Answer.deal_id).label("deal_id"),
            col(Answer.helping_team_id).label("team_id"),
            func.max(impact_rank()).label("rank"),
            func.count().label("answers"),
        )
        .where(col(Answer.deal_id).in_(_closed_ids(period.first, period.last)))
        .group_by(col(Answer.deal_id), col(Answer.helping_team_id))
        .cte("credit")
    )
    group_columns = (String, Integer, Integer, BigInteger, String, BigInteger, Integer, BigInteger)
    answers = select(
        credit.c.team_id, func.sum(credit.c.answers), *(cast(null(), kind) for kind in group_columns)
    ).group_by(credit.c.team_id)
    groups = _won_groups(org, period, credit)
    result = Attribution()
    patterns = _Patterns(names)
    for row in session.connection().execute(union_all(answers, groups)):
        team_id, count, *group = row
        if team_id is not None:
            result.answers[names[team_id]] += int(count)
        else:
            _add_group(result, org, patterns, _WonGroup(*group))
    return result


def _won_groups(org: Organisation, period: Period, credit: CTE) -> Select[Any]:
    """Won deals that count and that some team helped, grouped by what decides their split.

    The key is the pattern "team_id:weight,…" of the helping teams (concatenated in whatever order
    the database likes: the parse does not care), the weights' total, whether a team other than the
    owner's helped, and the cents modulo that total, or for another currency the exact amount.
    """
    money = _money(org)
    credits = credit.c
    won = (
        select(
            col(Deal.id).label("id"),
            col(Member.team_id).label("owner_team"),
            money.home.label("home"),
            money.currency.label("currency"),
            money.amount.label("amount"),
        )
        .outerjoin(Member, col(Member.id) == col(Deal.owner_id))
        .where(*_won_within(period.first, period.last), money.countable)
        .cte("won")
    )
    weight = credits.rank if org.attribution == "impact_weighted" else literal_column("1")
    owner_weight: ColumnElement[int] = literal_column(
        str(OWNER_TEAM_RANK if org.attribution == "impact_weighted" else 1)
    )
    deal_money = (won.c.home, won.c.currency, won.c.amount)
    helping = union_all(
        select(
            credits.deal_id, credits.team_id, weight.label("weight"), literal_column("1").label("credited"), *deal_money
        )
        .join(won, won.c.id == credits.deal_id)
        .where(credits.rank > 0, credits.team_id.is_distinct_from(won.c.owner_team)),
        select(
            won.c.id, won.c.owner_team, owner_weight.label("weight"), literal_column("0").label("credited"), *deal_money
        ).where(won.c.owner_team.is_not(None)),
    ).subquery("helping")
    deal_id, team_id, team_weight, credited, home, currency, amount = helping.c
    term = cast(team_id, String) + ":" + cast(team_weight, String)
    per_deal = (
        select(
            func.aggregate_strings(term, ",").label("pattern"),
            func.sum(team_weight).label("whole"),
            func.max(credited).label("collaborative"),
            home,
            currency,
            amount,
        )
        .group_by(deal_id, home, currency, amount)
        .subquery("per_deal")
    )
    shape = per_deal.c
    keys = (shape.pattern, shape.whole, shape.collaborative, shape.home % shape.whole, shape.currency, shape.amount)
    return select(literal_column("NULL"), literal_column("NULL"), *keys, func.count(), func.sum(shape.home)).group_by(
        *keys
    )


@dataclass(frozen=True)
class _WonGroup:
    pattern: str
    whole: int
    collaborative: int
    residue: int | None
    currency: str | None
    amount: int | None
    count: int
    home_sum: int | Decimal | None


def _add_group(result: Attribution, org: Organisation, patterns: _Patterns, group: _WonGroup) -> None:
    cents = _cents(org, group.home_sum, group.currency, group.amount, group.count)
    result.helped += cents
    if group.collaborative:
        result.collaborative += cents
    weights = patterns.weights(group.pattern)
    whole = int(group.whole)
    residue = int(group.residue or 0) if group.currency is None else (cents // group.count) % whole
    spare = split_cents(residue, weights) if residue else {}
    multiples = (cents - group.count * residue) // whole
    for name, weight in weights.items():
        result.influenced[name] += cents
        result.attributed[name] += group.count * spare.get(name, 0) + weight * multiples


class _Patterns:
    """Patterns read into {team name: weight}, each once: groups of one split share their pattern."""

    def __init__(self, names: Mapping[int, str]) -> None:
        self._names = names
        self._read: dict[str, dict[str, int]] = {}

    def weights(self, pattern: str) -> dict[str, int]:
        weights = self._read.get(pattern)
        if weights is None:
            weights = {}
            for term in pattern.split(","):
                team_id, weight = term.split(":")
                weights[self._names[int(team_id)]] = int(weight)
            self._read[pattern] = weights
        return weights
