"""Several weeks of the scorecard's money figures at once, for the weekly post's chart.

Twelve separate scorecards would read the same deals twelve times and compute much that a chart
does not show; here one query reads the deals of all the weeks and one their answers, and each
week gets exactly the figures its own scorecard has (the same conversion, split and privacy rule).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlmodel import Session

from bot.organisation import Organisation
from bot.periods import Period
from bot.scoring.scorecard import (
    ClosedDeal,
    attribute,
    closed_deals,
    collaborative_cents,
    credits_by_deal,
    team_names,
    team_sizes,
    visible_teams,
)

CHART_WEEKS = 12


@dataclass(frozen=True)
class WeekFigures:
    period: Period
    won_cents: int
    attributed_cents: dict[str, int]
    """Per team shown apart; teams hidden by the privacy rule are summed in `hidden_cents`."""
    hidden_cents: int
    unattributed_cents: int
    coverage: float | None


@dataclass(frozen=True)
class History:
    weeks: list[WeekFigures]
    teams: list[str] = field(default_factory=list)
    """The teams shown apart, in the organisation file's order."""


def weekly_history(session: Session, org: Organisation, through: Period, weeks: int = CHART_WEEKS) -> History:
    """The `weeks` weeks ending with `through`, oldest first."""
    periods = [*through.preceding(weeks - 1), through]
    names = team_names(session)
    deals, _not_counted = closed_deals(session, org, periods[0].first, periods[-1].last, names)
    credits = credits_by_deal(session, periods[0].first, periods[-1].last, names)
    won_by_week: defaultdict[Period, list[ClosedDeal]] = defaultdict(list)
    for deal in deals:
        if deal.won and deal.cents is not None:
            won_by_week[Period.containing(deal.closed_at)].append(deal)

    tallies = {period: attribute(won_by_week[period], credits, org.attribution) for period in periods}
    configured = [entry.name for entry in org.teams]
    credited = {name for tally in tallies.values() for name in tally.attributed}
    listed = configured + sorted(credited - set(configured))
    visible = visible_teams(team_sizes(session, names), listed, org.min_group_size)
    shown = [name for name in listed if name in visible]

    figures = []
    for period in periods:
        won = won_by_week[period]
        won_cents = sum(deal.cents or 0 for deal in won)
        tally = tallies[period]
        figures.append(
            WeekFigures(
                period=period,
                won_cents=won_cents,
                attributed_cents={name: tally.attributed.get(name, 0) for name in shown},
                hidden_cents=sum(cents for name, cents in tally.attributed.items() if name not in visible),
                unattributed_cents=tally.unattributed,
                coverage=collaborative_cents(won, credits) / won_cents if won_cents else None,
            )
        )
    return History(weeks=figures, teams=shown)
