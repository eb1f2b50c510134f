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

Asks, answer counts and the won deals' groups are read from the per-deal rollups
(`storage.rollups`: `deal_figures`, `deal_team_credit`), about one index entry per closed deal and
per (deal, helping team), instead of the period's answers and asks themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    select,
    true,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import SQLCoreOperations
from sqlmodel import Session, col

from bot.organisation import Organisation
from bot.periods import Period
from bot.scoring.attribution import IMPACT_RANK, OWNER_TEAM_RANK, split_cents
from storage.expressions import days_between
from storage.models import Answer, Deal, DealFigures, DealTeamCredit, Member, Stage, Team

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
    """The totals of consecutive `periods` (oldest first), each summed by the database.

    The deals are grouped per stage and day first, in the order of `ix_deals_closed_figures`
    (stage, closed_at, currency, amount), so the database streams those groups instead of sorting
    tens of thousands of deals; the days are then summed into their periods. Won deals in another
    currency come back per period and exact amount, each converted once.
    """
    first, last = periods[0].first, periods[-1].last
    money = _money(org)
    by_day = (
        select(
            col(Deal.stage).label("stage"),
            col(Deal.closed_at).label("day"),
            func.count().label("deals"),
            func.sum(money.home).label("home"),
        )
        .where(*closed_within(first, last))
        .group_by(col(Deal.stage), col(Deal.closed_at))
        .subquery("by_day")
    )
    day_period = _period_index(by_day.c.day, periods)
    by_period = select(day_period, by_day.c.stage, func.sum(by_day.c.deals), func.sum(by_day.c.home)).group_by(
        day_period, by_day.c.stage
    )
    deal_period = _period_index(col(Deal.closed_at), periods)
    abroad = (
        select(deal_period, col(Deal.currency), col(Deal.amount_cents), func.count())
        .where(*_won_within(first, last), col(Deal.currency) != org.currency, col(Deal.amount_cents).is_not(None))
        .group_by(deal_period, col(Deal.currency), col(Deal.amount_cents))
    )
    totals = [ClosedTotals() for _ in periods]
    connection = session.connection()
    for index, stage, count, home_sum in connection.execute(by_period):
        total = totals[index]
        total.closed += int(count)
        if stage == Stage.WON.value:
            total.won += int(count)
            total.won_cents += _cents(org, home_sum, None, None, int(count))
    for index, currency, amount, count in connection.execute(abroad):
        totals[index].won_cents += _cents(org, None, currency, amount, int(count))
    return totals


def _period_index(day: SQLCoreOperations[Any], periods: Sequence[Period]) -> ColumnElement[int]:
    """Which of the consecutive `periods` a closing day falls in (days outside them are not selected)."""
    return case(*((day <= period.last, index) for index, period in enumerate(periods[:-1])), else_=len(periods) - 1)


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
    """(asks sent, of which answered) about the period's deals; an ask never sent is not asked.

    Summed from the deals' rollups (`deal_figures`), one index entry per closed deal.
    """
    sent_count, answered_count = (
        session.connection()
        .execute(
            select(
                func.coalesce(func.sum(col(DealFigures.asks_sent)), 0),
                func.coalesce(func.sum(col(DealFigures.asks_answered)), 0),
            ).where(*_figures_closed_within(period.first, period.last))
        )
        .one()
    )
    return int(sent_count), int(answered_count)


def _figures_closed_within(first: date, last: date) -> tuple[ColumnElement[bool], ...]:
    return (
        col(DealFigures.stage).in_(_CLOSED),
        col(DealFigures.closed_at) >= first,
        col(DealFigures.closed_at) <= last,
    )


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

    Read from the rollups: answers per team from `deal_team_credit` (one index range per team),
    the won deals' groups from `deal_figures` (see `_won_groups`).
    """
    result = Attribution()
    connection = session.connection()
    answers = (
        select(col(DealTeamCredit.team_id), func.sum(col(DealTeamCredit.answers)))
        .where(
            col(DealTeamCredit.team_id).in_(list(names)),
            col(DealTeamCredit.stage).in_(_CLOSED),
            col(DealTeamCredit.closed_at) >= period.first,
            col(DealTeamCredit.closed_at) <= period.last,
        )
        .group_by(col(DealTeamCredit.team_id))
    )
    for team_id, count in connection.execute(answers):
        result.answers[names[team_id]] += int(count)
    patterns = _Patterns(names, org.attribution == "impact_weighted")
    for row in connection.execute(_won_groups(org, period)):
        _add_group(result, org, patterns, _WonGroup(*row))
    return result


def _won_groups(org: Organisation, period: Period) -> Select[Any]:
    """Won deals that count and that some team helped, grouped by what decides their split.

    The key is the deal's credit pattern with its owner's team (read through the member now, so a
    team change needs no refresh), the weights' total, whether a team other than the owner's
    helped, and the cents modulo that total, or for another currency the exact amount. The owner's
    team weighs `OWNER_TEAM_RANK` whatever its answers say, so its own credit, found in
    `deal_team_credit`, is taken out of the pattern's totals.
    """
    figures = DealFigures
    own = aliased(DealTeamCredit)
    owner_team = col(Member.team_id)
    own_rank = func.coalesce(col(own.rank), 0)
    own_credited = case((own_rank > 0, 1), else_=0)
    has_owner_team = case((owner_team.is_not(None), 1), else_=0)
    if org.attribution == "impact_weighted":
        whole = col(figures.credit_weight) - case((own_rank > 0, own_rank), else_=0) + has_owner_team * OWNER_TEAM_RANK
    else:
        whole = col(figures.credit_teams) - own_credited + has_owner_team
    others = col(figures.credit_teams) - own_credited
    collaborative = case((others > 0, 1), else_=0)
    at_home = col(figures.currency) == org.currency
    abroad = col(figures.currency) != org.currency
    home = case((at_home, col(figures.amount_cents)))
    countable = and_(col(figures.amount_cents).is_not(None), col(figures.currency).in_([org.currency, *org.fx_rates]))
    keys = (
        col(figures.credit_pattern),
        owner_team,
        whole,
        collaborative,
        home % whole,
        case((abroad, col(figures.currency))),
        case((abroad, col(figures.amount_cents))),
    )
    return (
        select(*keys, func.count(), func.sum(home))
        .select_from(figures)
        .outerjoin(Member, col(Member.id) == col(figures.owner_id))
        .outerjoin(own, and_(col(own.deal_id) == col(figures.deal_id), col(own.team_id) == owner_team))
        .where(
            col(figures.stage) == Stage.WON.value,
            col(figures.closed_at) >= period.first,
            col(figures.closed_at) <= period.last,
            countable,
            whole > 0,
        )
        .group_by(*keys)
    )


@dataclass(frozen=True)
class _WonGroup:
    pattern: str
    owner_team: int | None
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
    weights = patterns.weights(group.pattern, group.owner_team)
    whole = int(group.whole)
    residue = int(group.residue or 0) if group.currency is None else (cents // group.count) % whole
    spare = split_cents(residue, weights) if residue else {}
    multiples = (cents - group.count * residue) // whole
    for name, weight in weights.items():
        result.influenced[name] += cents
        result.attributed[name] += group.count * spare.get(name, 0) + weight * multiples


class _Patterns:
    """Credit patterns with an owner's team read into {team name: weight}, each once."""

    def __init__(self, names: Mapping[int, str], weighted: bool) -> None:
        self._names = names
        self._weighted = weighted
        self._read: dict[tuple[str, int | None], dict[str, int]] = {}

    def weights(self, pattern: str, owner_team: int | None) -> dict[str, int]:
        weights = self._read.get((pattern, owner_team))
        if weights is None:
            ranks: dict[int, int] = {}
            for term in filter(None, pattern.split(",")):
                team_id, rank = term.split(":")
                ranks[int(team_id)] = int(rank)
            if owner_team is not None:
                ranks[owner_team] = OWNER_TEAM_RANK
            weights = {self._names[team_id]: rank if self._weighted else 1 for team_id, rank in ranks.items()}
            self._read[(pattern, owner_team)] = weights
        return weights
