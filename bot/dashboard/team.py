"""One team over the last twelve periods: what it helped win, its share of the won revenue, its answers,
and its part in the deals won together.

Built from the scorecard's own pieces (the same deals, conversion, split and privacy rule), read with
one query for the deals and one for their answers over all twelve periods, not twelve scorecards.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import Session

from bot.organisation import Organisation
from bot.periods import Period
from bot.scoring.scorecard import (
    ClosedDeal,
    Credits,
    attribute,
    closed_deals,
    credits_by_deal,
    team_names,
    team_sizes,
    visible_teams,
)

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
    names = team_names(session)
    configured = [entry.name for entry in org.teams]
    visible = visible_teams(team_sizes(session, names), configured, org.min_group_size)
    if team not in visible:
        return TeamHistory(team=team, hidden=True, periods=[])
    deals, _not_counted = closed_deals(session, org, periods[0].first, periods[-1].last, names)
    credits = credits_by_deal(session, periods[0].first, periods[-1].last, names)
    by_period: defaultdict[Period, list[ClosedDeal]] = defaultdict(list)
    for deal in deals:
        by_period[Period.containing(deal.closed_at, through.kind)].append(deal)
    return TeamHistory(
        team=team,
        hidden=False,
        periods=[_figures(period, by_period[period], credits, team, org) for period in periods],
    )


def _figures(period: Period, deals: list[ClosedDeal], credits: Credits, team: str, org: Organisation) -> TeamPeriod:
    counted = [deal for deal in deals if deal.won and deal.cents is not None]
    tally = attribute(counted, credits, org.attribution)
    together = [deal for deal in counted if _collaborative(deal, credits)]
    together_cents = sum(deal.cents or 0 for deal in together)
    helped_cents = sum(deal.cents or 0 for deal in together if _helped(deal, credits, team))
    return TeamPeriod(
        period=period,
        won_cents=sum(deal.cents or 0 for deal in counted),
        influenced_cents=tally.influenced.get(team, 0),
        attributed_cents=tally.attributed.get(team, 0),
        answers=sum(credits.get(deal.id, {}).get(team, (0, 0))[1] for deal in deals),
        collaboration_share=helped_cents / together_cents if together_cents else None,
    )


def _collaborative(deal: ClosedDeal, credits: Credits) -> bool:
    """The scorecard's collaboration rule: a team other than the owner's helped."""
    return any(rank > 0 and name != deal.owner_team for name, (rank, _count) in credits.get(deal.id, {}).items())


def _helped(deal: ClosedDeal, credits: Credits, team: str) -> bool:
    rank = credits.get(deal.id, {}).get(team, (0, 0))[0]
    return deal.owner_team == team or rank > 0
