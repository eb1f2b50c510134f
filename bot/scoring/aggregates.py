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

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    literal,
    select,
    true,
)
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
    tens of thousands of deals; the days are then summed into their periods in the same statement.
    Won deals in another currency come back per day and exact amount in that same index order,
    each converted once, and Python files them into their periods.
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
    abroad = (
        select(col(Deal.closed_at), col(Deal.currency), col(Deal.amount_cents), func.count())
        .where(*_won_within(first, last), col(Deal.currency) != org.currency, col(Deal.amount_cents).is_not(None))
        .group_by(col(Deal.closed_at), col(Deal.currency), col(Deal.amount_cents))
    )
    totals = [ClosedTotals() for _ in periods]
    connection = session.connection()
    for index, stage, count, home_sum in connection.execute(by_period):
        total = totals[index]
        total.closed += int(count)
        if stage == Stage.WON.value:
            total.won += int(count)
            total.won_cents += _cents(org, home_sum, None, None, int(count))
    ends = [period.last for period in periods]
    for closed_at, currency, amount, count in connection.execute(abroad):
        totals[_period_of(ends, closed_at)].won_cents += _cents(org, None, currency, amount, int(count))
    return totals


def _period_of(ends: Sequence[date], day: date | None) -> int:
    """The index of the period (given by its last days, in order) that contains a closed deal's day."""
    if day is None:
        raise ValueError("a closed deal has a closing day")
    return bisect_left(ends, day)


def _period_index(day: SQLCoreOperations[Any], periods: Sequence[Period]) -> ColumnElement[int]:
    """Which of the consecutive `periods` a closing day falls in (days outside them are not selected).

    With one period there is nothing to choose (the calendar's first week has no trend before it),
    and a CASE without a WHEN is not SQL."""
    if len(periods) == 1:
        return literal(0)
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

    The `limit` strongest answers belong to the `limit` deals whose own strongest quotable answer
    (kept in `deal_figures`) is strongest: a deal ranked below them has `limit` stronger answers
    above its best. So those few deals are found from one index entry per deal, and only their
    quotable answers are read.
    """
    strongest_deals = (
        select(col(DealFigures.deal_id))
        .where(*_figures_closed_within(period.first, period.last), col(DealFigures.quote_id).is_not(None))
        .order_by(
            col(DealFigures.quote_rank).desc(), col(DealFigures.quote_at).desc(), col(DealFigures.quote_id).desc()
        )
        .limit(limit)
    )
    deal_ids = list(session.connection().execute(strongest_deals).scalars())
    order = (impact_rank().desc(), col(Answer.answered_at).desc(), col(Answer.id).desc())
    rows = session.connection().execute(
        select(col(Deal.name), col(Team.name), col(Answer.text))
        .join(Deal, col(Deal.id) == col(Answer.deal_id))
        .join(Team, col(Team.id) == col(Answer.helping_team_id))
        .where(col(Answer.deal_id).in_(deal_ids), col(Answer.quotable) == true())
        .order_by(*order)
        .limit(limit)
    )
    return [(deal, team, text) for deal, team, text in rows]


@dataclass
class Attribution:
    """Each team's influenced and attributed cents and answers, over the period's deals."""

    influenced: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    attributed: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    answers: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    collaborated: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    """Per team, the won cents of the collaborative deals it helped (its part in winning together)."""
    helped: int = 0
    """Won cents of deals some team can be credited with; the rest of won revenue is unattributed."""
    collaborative: int = 0
    """Won cents of deals that a team other than the owner's helped (with no owner team, any team)."""


def attributions(
    session: Session,
    org: Organisation,
    periods: Sequence[Period],
    names: Mapping[int, str],
) -> list[Attribution]:
    """Answers per team over every closed deal; influenced and attributed cents over the won deals that
    count; for each of consecutive `periods` (oldest first), read in one pass over all of them.

    Read from the rollups: answers per team and day from `deal_team_credit`, grouped in the order of
    its index (one range per team and stage) and filed into their periods here; the won deals from
    `deal_figures` (one index entry each, see `_add_won_deals`), each tagged by the database with
    the index of its period.
    """
    results = [Attribution() for _ in periods]
    first, last = periods[0].first, periods[-1].last
    connection = session.connection()
    answers = (
        select(col(DealTeamCredit.team_id), col(DealTeamCredit.closed_at), func.sum(col(DealTeamCredit.answers)))
        .where(
            col(DealTeamCredit.team_id).in_(list(names)),
            col(DealTeamCredit.stage).in_(_CLOSED),
            col(DealTeamCredit.closed_at) >= first,
            col(DealTeamCredit.closed_at) <= last,
        )
        .group_by(col(DealTeamCredit.team_id), col(DealTeamCredit.stage), col(DealTeamCredit.closed_at))
    )
    ends = [period.last for period in periods]
    for team_id, closed_at, count in connection.execute(answers):
        results[_period_of(ends, closed_at)].answers[names[team_id]] += int(count)
    won = (
        select(
            _period_index(col(DealFigures.closed_at), periods),
            col(DealFigures.credit_pattern),
            col(Member.team_id),
            col(DealFigures.currency),
            col(DealFigures.amount_cents),
        )
        .select_from(DealFigures)
        .outerjoin(Member, col(Member.id) == col(DealFigures.owner_id))
        .where(
            col(DealFigures.stage) == Stage.WON.value,
            col(DealFigures.closed_at) >= first,
            col(DealFigures.closed_at) <= last,
            col(DealFigures.amount_cents).is_not(None),
            col(DealFigures.currency).in_([org.currency, *org.fx_rates]),
        )
    )
    patterns = _patterns_for(names, org.attribution == "impact_weighted")
    deals = cast(list[tuple[int, str, int | None, str, int]], connection.execute(won).all())  # amounts: not NULL
    _add_won_deals(results, org, patterns, deals)
    return results


def _add_won_deals(
    results: Sequence[Attribution],
    org: Organisation,
    patterns: _Patterns,
    deals: Iterable[tuple[int, str, int | None, str, int]],
) -> None:
    """Split every won deal that counts, exactly, with one `split_cents` per distinct residue.

    A deal's weights come from its credit pattern and its owner's team (read through the member at
    query time, so a team change needs no refresh). Of cents = multiple × whole + residue, the
    multiple splits exactly by the weights, and only the residue's split needs the largest
    remainders; the deals are summed per period and weights, and per (period, weights, residue)
    first, and split after.
    """
    cents_of: dict[tuple[str, int], int] = {}
    per_weights: defaultdict[tuple[int, _Weights], list[int]] = defaultdict(lambda: [0, 0])
    residues: defaultdict[tuple[int, _Weights, int], int] = defaultdict(int)
    for index, pattern, owner_team, currency, amount in deals:
        weights = patterns.weights(pattern, owner_team)
        if not weights.whole:
            continue
        cents = amount if currency == org.currency else _converted(org, cents_of, currency, amount)
        multiple, residue = divmod(cents, weights.whole)
        sums = per_weights[(index, weights)]
        sums[0] += cents
        sums[1] += multiple
        if residue:
            residues[(index, weights, residue)] += 1
    for (index, weights), (cents, multiples) in per_weights.items():
        result = results[index]
        result.helped += cents
        if weights.collaborative:
            result.collaborative += cents
        for name, weight in weights.by_team.items():
            result.influenced[name] += cents
            result.attributed[name] += weight * multiples
            if weights.collaborative:
                result.collaborated[name] += cents
    for (index, weights, residue), count in residues.items():
        result = results[index]
        for name, share in weights.split(residue).items():
            result.attributed[name] += count * share


def _converted(org: Organisation, known: dict[tuple[str, int], int], currency: str, amount: int) -> int:
    """A foreign amount in home cents, converted once per distinct amount (the query keeps only
    currencies with a rate)."""
    cents = known.get((currency, amount))
    if cents is None:
        cents = known[(currency, amount)] = convert(org, amount, currency) or 0
    return cents


@dataclass(frozen=True, eq=False)
class _Weights:
    """One deal's helping teams and weights; shared by every deal with the same pattern and owner's team."""

    by_team: dict[str, int]
    whole: int
    collaborative: bool
    """A team other than the owner's (with no owner team, any team) is credited."""
    splits: dict[int, dict[str, int]] = field(default_factory=dict)
    """`split_cents` of each residue met so far: the same few residues recur in every request."""

    def split(self, residue: int) -> dict[str, int]:
        shares = self.splits.get(residue)
        if shares is None:
            shares = self.splits[residue] = split_cents(residue, self.by_team)
        return shares


_KNOWN_PATTERNS = 200_000
"""Patterns (with an owner's team) one `_Patterns` remembers before it starts afresh: a bound on
memory, far above the few thousand a large organisation's deals show."""


_KNOWN_TEAM_SETS = 8
"""Sets of team names (with a model) kept at once: one in a running service, a few in the tests."""


def _patterns_for(names: Mapping[int, str], weighted: bool) -> _Patterns:
    """The process's `_Patterns` for these teams and this model, kept between requests: the patterns
    of a company's deals are few and recur, so most requests parse none and split no residue anew."""
    key = (tuple(sorted(names.items())), weighted)
    patterns = _PATTERNS.get(key)
    if patterns is None:
        if len(_PATTERNS) >= _KNOWN_TEAM_SETS:
            _PATTERNS.clear()
        patterns = _PATTERNS[key] = _Patterns(names, weighted)
    return patterns


class _Patterns:
    """Credit patterns with an owner's team read into weights, each once, and equal weights shared:
    the owner's own credit does not matter (its team weighs `OWNER_TEAM_RANK`), so many patterns
    give one set of weights, whose residues are then split once."""

    def __init__(self, names: Mapping[int, str], weighted: bool) -> None:
        self._names = names
        self._weighted = weighted
        self._read: dict[tuple[str, int | None], _Weights] = {}
        self._ranks: dict[str, dict[int, int]] = {}
        self._distinct: dict[tuple[frozenset[tuple[int, int]], bool], _Weights] = {}

    def weights(self, pattern: str, owner_team: int | None) -> _Weights:
        weights = self._read.get((pattern, owner_team))
        if weights is None:
            if len(self._read) >= _KNOWN_PATTERNS:
                self._read.clear()
                self._ranks.clear()
                self._distinct.clear()
            weights = self._combine(pattern, owner_team)
            self._read[(pattern, owner_team)] = weights
        return weights

    def _combine(self, pattern: str, owner_team: int | None) -> _Weights:
        ranks = self._ranks.get(pattern)
        if ranks is None:
            ranks = {}
            for term in filter(None, pattern.split(",")):
                team_id, rank = term.split(":")
                ranks[int(team_id)] = int(rank)
            self._ranks[pattern] = ranks
        collaborative = any(team_id != owner_team for team_id in ranks)
        if owner_team is not None:
            ranks = {**ranks, owner_team: OWNER_TEAM_RANK}
        key = (frozenset(ranks.items()), collaborative)
        known = self._distinct.get(key)
        if known is None:
            by_team = {self._names[team_id]: rank if self._weighted else 1 for team_id, rank in ranks.items()}
            known = _Weights(by_team=by_team, whole=sum(by_team.values()), collaborative=collaborative)
            self._distinct[key] = known
        return known


_PATTERNS: dict[tuple[tuple[tuple[int, str], ...], bool], _Patterns] = {}
