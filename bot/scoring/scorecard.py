"""The scorecard: one set of outcome figures for a period, the same for every team and channel.

`compute_scorecard` assembles figures that the database aggregates (`bot.scoring.aggregates`:
grouped queries, never a period's deals one by one); the privacy rule and the JSON and CSV shapes
live here. The per-deal readers below serve the weekly chart (`bot.scoring.history`).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, PlainSerializer
from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.organisation import Organisation
from bot.periods import Period
from bot.scoring.aggregates import (
    Attribution,
    UncountedDeal,
    ask_counts,
    closed_within,
    convert,
    highlight_rows,
    impact_rank,
    median_cycle_days,
    uncounted_deals,
)
from bot.scoring.attribution import AttributionModel, helping_weights, split_cents
from bot.scoring.period_cache import PeriodFigures
from storage.models import Answer, Deal, Member, Stage, Team

TREND_LENGTH = 4
BYTE_ORDER_MARK = "\ufeff"
HIGHLIGHT_COUNT = 3
_RATIO_PLACES = Decimal("0.0001")


def _json_number(value: Decimal) -> float:
    """JSON has one number type: a float carries any 15 significant digits back exactly (< 10**13)."""
    return float(value)


Money = Annotated[Decimal, PlainSerializer(_json_number, return_type=float, when_used="json")]
"""An amount with exactly two decimals: a Decimal in Python, a number in JSON."""


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TeamScore(_Out):
    """A team's share of the outcome. `hidden`: the numbers are null, because the team is too small to
    show apart or covers for one that is (see `visible_teams`)."""

    team: str
    influenced_revenue: Money | None
    attributed_revenue: Money | None
    answers: int | None
    hidden: bool


class TrendPoint(_Out):
    period: str
    won_revenue: Money
    win_rate: float | None


class Highlight(_Out):
    deal: str
    team: str
    text: str


class NotCounted(_Out):
    """A won deal whose money could not be counted; it still counts as won (it was)."""

    external_id: str
    name: str
    amount: Money | None
    currency: str
    reason: Literal["no_fx_rate", "no_amount"]


class Scorecard(_Out):
    """The scorecard keys fixed by the interface contract in docs/reference.md, plus three additive ones.

    `attribution` names the model behind `attributed_revenue`; `unattributed_revenue` is won revenue
    of deals no team can be credited with (the owner has no team and no answer credits one), so
    the teams' attributed revenue plus it is won revenue to the cent; `not_counted` lists won deals
    left out of every money figure because their currency has no rate or they have no amount.
    """

    period: str
    currency: str
    won_revenue: Money
    deals_won: int
    deals_lost: int
    win_rate: float | None
    median_cycle_days: float | None
    collaboration_coverage: float | None
    answer_rate: float | None
    attribution: AttributionModel
    teams: list[TeamScore]
    unattributed_revenue: Money
    trend: list[TrendPoint]
    highlights: list[Highlight]
    not_counted: list[NotCounted]


@dataclass(frozen=True)
class ClosedDeal:
    id: int
    won: bool
    closed_at: date
    cents: int | None
    """In the organisation's currency; None when the deal's money cannot be counted."""
    cycle_days: int | None
    owner_team: str | None


@dataclass
class Tally:
    influenced: defaultdict[str, int]
    attributed: defaultdict[str, int]
    unattributed: int = 0


def compute_scorecard(session: Session, org: Organisation, period: Period, *, team: str | None = None) -> Scorecard:
    """The scorecard of deals closed within `period`.

    `teams` lists every configured team in the file's order, then any team that is no longer
    configured but still holds a share of this period (so the shares keep adding up); with `team`
    it lists only that configured team (another name is a ValueError). Counts (deals won and lost,
    win rate, cycle, answers) include every closed deal; money figures leave out `not_counted`.
    The figures are aggregated by the database (see `bot.scoring.aggregates`).
    """
    only = _configured_team(org, team)
    names = team_names(session)
    trend_periods = period.preceding(TREND_LENGTH)
    figures = PeriodFigures(session, org, names)
    *trend_totals, totals = figures.totals([*trend_periods, period])
    [shares] = figures.attributions([period])
    sent, answered = ask_counts(session, period)
    configured = [entry.name for entry in org.teams]
    listed = configured + sorted({*shares.influenced, *shares.answers} - set(configured))
    visible = visible_teams(team_sizes(session, names), listed, org.min_group_size)
    shown = [only] if only is not None else listed

    return Scorecard(
        period=period.label,
        currency=org.currency,
        won_revenue=_money(totals.won_cents),
        deals_won=totals.won,
        deals_lost=totals.closed - totals.won,
        win_rate=_ratio(totals.won, totals.closed),
        median_cycle_days=median_cycle_days(session, period),
        collaboration_coverage=_ratio(shares.collaborative, totals.won_cents),
        answer_rate=_ratio(answered, sent),
        attribution=org.attribution,
        teams=[_team_score(name, shares, name in visible) for name in shown],
        unattributed_revenue=_money(totals.won_cents - shares.helped),
        trend=[
            TrendPoint(period=p.label, won_revenue=_money(t.won_cents), win_rate=_ratio(t.won, t.closed))
            for p, t in zip(trend_periods, trend_totals, strict=True)
        ],
        highlights=[
            Highlight(deal=deal, team=name, text=text)
            for deal, name, text in highlight_rows(session, period, HIGHLIGHT_COUNT)
        ],
        not_counted=[_not_counted(deal) for deal in uncounted_deals(session, org, period)],
    )


def _not_counted(deal: UncountedDeal) -> NotCounted:
    return NotCounted(
        external_id=deal.external_id,
        name=deal.name,
        amount=None if deal.amount_cents is None else _money(deal.amount_cents),
        currency=deal.currency,
        reason="no_amount" if deal.amount_cents is None else "no_fx_rate",
    )


def _configured_team(org: Organisation, team: str | None) -> str | None:
    if team is None:
        return None
    name = team.strip().lower()
    names = [entry.name for entry in org.teams]
    if name not in names:
        raise ValueError(f"unknown team {team!r} (teams: {', '.join(names)})")
    return name


def team_names(session: Session) -> dict[int, str]:
    return {tid: name for tid, name in session.exec(select(Team.id, Team.name)).all() if tid is not None}


def closed_deals(
    session: Session, org: Organisation, first: date, last: date, names: Mapping[int, str]
) -> tuple[list[ClosedDeal], list[NotCounted]]:
    """Deals won or lost from `first` to `last`, oldest first, with won deals that cannot be counted."""
    rows = session.exec(
        select(  # type: ignore[call-overload, misc]  # SQLModel types select() for at most four columns
            Deal.id,
            Deal.external_id,
            Deal.name,
            Deal.stage,
            Deal.amount_cents,
            Deal.currency,
            Deal.created_at,
            Deal.closed_at,
            Member.team_id,
        )
        .outerjoin(Member, col(Member.id) == col(Deal.owner_id))
        .where(*closed_within(first, last))
        .order_by(col(Deal.closed_at), col(Deal.id))
    ).all()
    deals: list[ClosedDeal] = []
    not_counted: list[NotCounted] = []
    for deal_id, external_id, name, stage, amount, currency, created_at, closed_at, owner_team_id in rows:
        won = stage == Stage.WON.value
        cents = None if amount is None else convert(org, amount, currency)
        if won and cents is None:
            not_counted.append(
                NotCounted(
                    external_id=external_id,
                    name=name,
                    amount=None if amount is None else _money(amount),
                    currency=currency,
                    reason="no_amount" if amount is None else "no_fx_rate",
                )
            )
        deals.append(
            ClosedDeal(
                id=deal_id,
                won=won,
                closed_at=closed_at,
                cents=cents,
                cycle_days=(closed_at - created_at).days if created_at is not None else None,
                owner_team=names.get(owner_team_id) if owner_team_id is not None else None,
            )
        )
    return deals, not_counted


Credits = Mapping[int, Mapping[str, tuple[int, int]]]
"""Per deal, per credited team: (highest impact rank, number of answers)."""


def credits_by_deal(session: Session, first: date, last: date, names: Mapping[int, str]) -> Credits:
    """The answers about deals closed from `first` to `last`, grouped per deal and team in SQL."""
    rows = session.exec(
        select(Answer.deal_id, Answer.helping_team_id, func.max(impact_rank()), func.count())
        .join(Deal, col(Deal.id) == col(Answer.deal_id))
        .where(*closed_within(first, last))
        .group_by(col(Answer.deal_id), col(Answer.helping_team_id))
    ).all()
    credits: defaultdict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for deal_id, team_id, rank, count in rows:
        credits[deal_id][names[team_id]] = (int(rank), int(count))
    return credits


def attribute(won: Iterable[ClosedDeal], credits: Credits, model: AttributionModel) -> Tally:
    """Each team's influenced and attributed cents over `won` (deals whose money can be counted)."""
    tally = Tally(defaultdict(int), defaultdict(int))
    for deal in won:
        cents = deal.cents or 0
        impacts = {name: rank for name, (rank, _count) in credits.get(deal.id, {}).items()}
        weights = helping_weights(deal.owner_team, impacts, model)
        if not weights:
            tally.unattributed += cents
        for name, share in split_cents(cents, weights).items():
            tally.influenced[name] += cents
            tally.attributed[name] += share
    return tally


def collaborative_cents(won: Iterable[ClosedDeal], credits: Credits) -> int:
    """Won cents of deals that a team other than the owner's helped (with no owner team, any team)."""
    return sum(
        deal.cents or 0
        for deal in won
        if any(rank > 0 and name != deal.owner_team for name, (rank, _count) in credits.get(deal.id, {}).items())
    )


def team_sizes(session: Session, names: Mapping[int, str]) -> dict[str, int]:
    rows = session.exec(
        select(Member.team_id, func.count()).where(col(Member.team_id).is_not(None)).group_by(col(Member.team_id))
    ).all()
    return {names[team_id]: int(count) for team_id, count in rows if team_id is not None}


def shown_teams(session: Session, org: Organisation) -> set[str]:
    """The teams the dashboard may show apart beyond one period's scorecard (a team's page, the deal
    list's filter, the team beside a deal's asks and answers): those the scorecard's rule shows over
    every team there is, configured ones first, as the scorecard lists them. A small team's answers,
    listed deal by deal, would add up to the figures it hides."""
    names = team_names(session)
    configured = [entry.name for entry in org.teams]
    listed = configured + sorted(set(names.values()) - set(configured))
    return visible_teams(team_sizes(session, names), listed, org.min_group_size)


def visible_teams(sizes: Mapping[str, int], teams: Iterable[str], min_group_size: int) -> set[str]:
    """The teams whose figures may be shown apart; the others' figures are hidden.

    A team of fewer than `min_group_size` people is hidden. That alone would not protect it: the
    teams' attributed revenue adds up to won revenue, so won revenue minus every figure shown (and
    minus unattributed revenue) is the hidden teams' total — one small team's figure, exactly, when
    it is the only one hidden. So while the hidden teams together hold some people but fewer than
    `min_group_size`, the smallest team still shown is hidden as well (complementary suppression,
    as statistics offices do it): what subtraction can reveal is then a group large enough. Teams
    with no members expose no one and need no cover.
    """
    teams = list(teams)
    hidden = {name for name in teams if sizes.get(name, 0) < min_group_size}
    cover = sorted((name for name in teams if name not in hidden), key=lambda name: (sizes.get(name, 0), name))
    while cover and 0 < sum(sizes.get(name, 0) for name in hidden) < min_group_size:
        hidden.add(cover.pop(0))
    return set(teams) - hidden


def _team_score(name: str, shares: Attribution, visible: bool) -> TeamScore:
    if not visible:
        return TeamScore(team=name, influenced_revenue=None, attributed_revenue=None, answers=None, hidden=True)
    return TeamScore(
        team=name,
        influenced_revenue=_money(shares.influenced.get(name, 0)),
        attributed_revenue=_money(shares.attributed.get(name, 0)),
        answers=shares.answers.get(name, 0),
        hidden=False,
    )


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _ratio(part: int, whole: int) -> float | None:
    if whole == 0:
        return None
    return float((Decimal(part) / Decimal(whole)).quantize(_RATIO_PLACES, rounding=ROUND_HALF_EVEN))


def scorecard_csv(scorecard: Scorecard) -> str:
    """The scorecard for spreadsheets: sections separated by an empty row, each with its header row.

    1. `figure,value` — period, currency, attribution, won_revenue, deals_won, deals_lost, win_rate,
       median_cycle_days, collaboration_coverage, answer_rate, unattributed_revenue;
    2. `team,influenced_revenue,attributed_revenue,answers,hidden` — one row per team;
    3. `trend_period,won_revenue,win_rate` — oldest first;
    4. `highlight_deal,team,text`;
    5. `not_counted_external_id,name,amount,currency,reason`.
    Every section is present even when empty, so a sheet that reads it by position keeps working.
    Money has two decimals, ratios are fractions (0.75), null is an empty cell. Text that a
    spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading apostrophe.
    The text starts with a byte order mark: without one, Excel reads the file in the local ANSI code
    page and shows "PÃ¤Ã¤" for "Pää".
    """
    out = io.StringIO()
    out.write(BYTE_ORDER_MARK)
    writer = csv.writer(out, lineterminator="\r\n")
    headline = (
        "period",
        "currency",
        "attribution",
        "won_revenue",
        "deals_won",
        "deals_lost",
        "win_rate",
        "median_cycle_days",
        "collaboration_coverage",
        "answer_rate",
        "unattributed_revenue",
    )
    sections: list[tuple[tuple[str, ...], list[tuple[Any, ...]]]] = [
        (("figure", "value"), [(key, getattr(scorecard, key)) for key in headline]),
        (
            ("team", "influenced_revenue", "attributed_revenue", "answers", "hidden"),
            [(t.team, t.influenced_revenue, t.attributed_revenue, t.answers, t.hidden) for t in scorecard.teams],
        ),
        (
            ("trend_period", "won_revenue", "win_rate"),
            [(t.period, t.won_revenue, t.win_rate) for t in scorecard.trend],
        ),
        (("highlight_deal", "team", "text"), [(h.deal, h.team, h.text) for h in scorecard.highlights]),
        (
            ("not_counted_external_id", "name", "amount", "currency", "reason"),
            [(n.external_id, n.name, n.amount, n.currency, n.reason) for n in scorecard.not_counted],
        ),
    ]
    for index, (header, rows) in enumerate(sections):
        if index:
            writer.writerow(())
        writer.writerow(header)
        writer.writerows(tuple(_cell(value) for value in row) for row in rows)
    return out.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value
    return str(value)
