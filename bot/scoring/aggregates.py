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

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, case, cast, func, literal_column, select, union_all
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
    """The totals of consecutive `periods` (oldest first) from one query grouped by period and stage."""
    bucket: ColumnElement[int] = case(
        *((col(Deal.closed_at) <= period.last, index) for index, period in enumerate(periods[:-1])),
        else_=len(periods) - 1,
    )
    money = _money(org)
    won = col(Deal.stage) == Stage.WON.value
    home = case((won, money.home))
    currency = case((won, money.currency))
    amount = case((and_(won, money.countable), money.amount))
    rows = session.connection().execute(
        select(bucket, col(Deal.stage), currency, amount, func.count(), func.sum(home))
        .where(*closed_within(periods[0].first, periods[-1].last))
        .group_by(bucket, col(Deal.stage), currency, amount)
    )
    totals = [ClosedTotals() for _ in periods]
    for index, stage, deal_currency, deal_amount, count, home_sum in rows:
        total = totals[index]
        total.closed += count
        if stage == Stage.WON.value:
            total.won += count
            total.won_cents += _cents(org, home_sum, deal_currency, deal_amount, count)
    return totals


@dataclass(frozen=True)
class UncountedDeal:
    external_id: str
    name: str
    amount_cents: int | None
    currency: str


def uncounted_deals(session: Session, org: Organisation, period: Period) -> list[UncountedDeal]:
    """Won deals of the period whose money cannot be counted, oldest first."""
    rows = session.connection().execute(
        select(col(Deal.external_id), col(Deal.name), col(Deal.amount_cents), col(Deal.currency))
        .where(*_won_within(period.first, period.last), ~_money(org).countable)
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
    """(deal, team, text) of the quotable answers, strongest first, then newest."""
    order = (impact_rank().desc(), col(Answer.answered_at).desc(), col(Answer.id).desc())
    chosen = (
        select(col(Answer.id))
        .where(col(Answer.deal_id).in_(_closed_ids(period.first, period.last)), col(Answer.quotable).is_(True))
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
    unattributed: int = 0
    collaborative: int = 0
    """Won cents of deals that a team other than the owner's helped (with no owner team, any team)."""


def attribution(session: Session, org: Organisation, period: Period, names: Mapping[int, str]) -> Attribution:
    """Answers per team over every closed deal; influenced and attributed cents over the won deals that count."""
    closed_ids = _closed_ids(period.first, period.last)
    credit = (
        select(
            col(Answer.deal_id).label("deal_id"),
            col(Answer.helping_team_id).label("team_id"),
            func.max(impact_rank()).label("rank"),
            func.count().label("answers"),
        )
        .where(col(Answer.deal_id).in_(closed_ids))
        .group_by(col(Answer.deal_id), col(Answer.helping_team_id))
        .cte("credit")
    )
    result = Attribution()
    answers = select(credit.c.team_id, func.sum(credit.c.answers)).group_by(credit.c.team_id)
    for team_id, count in session.connection().execute(answers):
        result.answers[names[team_id]] += int(count)
    for row in session.connection().execute(_won_groups(org, period, credit)):
        _add_group(result, org, names, _WonGroup(*row))
    return result


def _won_groups(org: Organisation, period: Period, credit: CTE) -> Select[Any]:
    """Won deals that count, grouped by (pattern, weights' total, collaborative, residue, foreign amount).

    The pattern is "team_id:weight,…" over the helping teams (in whatever order the database
    concatenates them: the parse does not care), NULL for a deal nobody can be credited with.
    """
    money = _money(org)
    won = (
        select(
            col(Deal.id).label("id"),
            money.home.label("home"),
            money.currency.label("currency"),
            money.amount.label("amount"),
            col(Member.team_id).label("owner_team"),
        )
        .outerjoin(Member, col(Member.id) == col(Deal.owner_id))
        .where(*_won_within(period.first, period.last), money.countable)
        .cte("won")
    )
    credits = credit.c
    weight = credits.rank if org.attribution == "impact_weighted" else literal_column("1")
    owner_weight = OWNER_TEAM_RANK if org.attribution == "impact_weighted" else 1
    helping = union_all(
        select(credits.deal_id, credits.team_id, weight.label("weight"), literal_column("1").label("credited"))
        .join(won, won.c.id == credits.deal_id)
        .where(credits.rank > 0, credits.team_id.is_distinct_from(won.c.owner_team)),
        select(won.c.id, won.c.owner_team, literal_column(str(owner_weight)), literal_column("0")).where(
            won.c.owner_team.is_not(None)
        ),
    ).cte("helping")
    term = cast(helping.c.team_id, String) + ":" + cast(helping.c.weight, String)
    per_deal = (
        select(
            won.c.home,
            won.c.currency,
            won.c.amount,
            func.aggregate_strings(term, ",").label("pattern"),
            func.sum(helping.c.weight).label("whole"),
            func.max(helping.c.credited).label("collaborative"),
        )
        .select_from(won.outerjoin(helping, helping.c.deal_id == won.c.id))
        .group_by(won.c.id, won.c.home, won.c.currency, won.c.amount)
        .subquery("per_deal")
    )
    residue = per_deal.c.home % per_deal.c.whole
    keys = (
        per_deal.c.pattern,
        per_deal.c.whole,
        per_deal.c.collaborative,
        residue,
        per_deal.c.currency,
        per_deal.c.amount,
    )
    return select(*keys, func.count(), func.sum(per_deal.c.home)).group_by(*keys)


@dataclass(frozen=True)
class _WonGroup:
    pattern: str | None
    whole: int | None
    collaborative: int | None
    residue: int | None
    currency: str | None
    amount: int | None
    count: int
    home_sum: int | Decimal | None


def _add_group(result: Attribution, org: Organisation, names: Mapping[int, str], group: _WonGroup) -> None:
    cents = _cents(org, group.home_sum, group.currency, group.amount, group.count)
    if group.pattern is None or group.whole is None:
        result.unattributed += cents
        return
    if group.collaborative:
        result.collaborative += cents
    weights = _weights(group.pattern, names)
    whole = int(group.whole)
    residue = int(group.residue or 0) if group.currency is None else (cents // group.count) % whole
    spare = split_cents(residue, weights)
    multiples = (cents - group.count * residue) // whole
    for name, weight in weights.items():
        result.influenced[name] += cents
        result.attributed[name] += group.count * spare[name] + weight * multiples


def _weights(pattern: str, names: Mapping[int, str]) -> dict[str, int]:
    weights: dict[str, int] = {}
    for term in pattern.split(","):
        team_id, weight = term.split(":")
        weights[names[int(team_id)]] = int(weight)
    return weights
