"""One team over the last twelve periods: what it helped win, its attributed share, its answers, and its
part in the revenue won together.

The figures are the scorecard's own: the same totals (`closed_totals`) and the same attribution
(`attributions`, the scorecard's split over the per-deal rollups), read for all twelve periods in
one pass each and kept per period while the ledger is unchanged (`bot.scoring.period_cache`), so
the page can never disagree with the scorecards of its periods and shares their cached figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.organisation import Organisation
from bot.periods import Period
from bot.scoring.aggregates import Attribution, ClosedTotals
from bot.scoring.period_cache import PeriodFigures
from bot.scoring.scorecard import shown_teams, team_names

HISTORY_LENGTH = 12


@dataclass(frozen=True)
class TeamPeriod:
    period: Period
    won_cents: int
    influenced_cents: int
    attributed_cents: int
    answers: int
    collaboration_share: float | None
    """Of the won revenue several teams won together, the part whose deals this team helped."""


@dataclass(frozen=True)
class TeamHistory:
    team: str
    hidden: bool
    """Too small a group to show apart (the scorecard's rule): `periods` is empty then."""
    periods: list[TeamPeriod]


def team_history(
    session: Session, org: Organisation, team: str, through: Period, length: int = HISTORY_LENGTH
) -> TeamHistory:
    """`team` (a configured team's name) over the `length` periods ending with `through`, oldest first."""
    periods = [*through.preceding(length - 1), through]
    if team not in shown_teams(session, org):
        return TeamHistory(team=team, hidden=True, periods=[])
    figures = PeriodFigures(session, org, team_names(session))
    totals, shares = figures.totals(periods), figures.attributions(periods)
    rows = [_period(period, team, total, share) for period, total, share in zip(periods, totals, shares, strict=True)]
    return TeamHistory(team=team, hidden=False, periods=rows)


def _period(period: Period, team: str, totals: ClosedTotals, shares: Attribution) -> TeamPeriod:
    return TeamPeriod(
        period=period,
        won_cents=totals.won_cents,
        influenced_cents=shares.influenced.get(team, 0),
        attributed_cents=shares.attributed.get(team, 0),
        answers=shares.answers.get(team, 0),
        collaboration_share=shares.collaborated.get(team, 0) / shares.collaborative if shares.collaborative else None,
    )
