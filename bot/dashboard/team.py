"""One team over the last twelve periods: what it helped win, its attributed share, its answers, and its
part in the revenue won together.

The figures are the scorecard's (the same conversion, split and privacy rule; a test holds each
period against `compute_scorecard`), but read for one team across all twelve periods at once: one
lean query for the won deals of the whole window, one for their credits grouped per deal and team,
one counting the team's answers per day. Splitting a deal's cents exactly among its helping teams
(`split_cents`) is done per deal, and only for the deals this team helped. (A correlated EXISTS per
deal was tried first: PostgreSQL answered it by hashing every answer of the team, 3x slower.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import cast

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from bot.organisation import Organisation
from bot.periods import Period
from bot.scoring.attribution import IMPACT_RANK, helping_weights, split_cents
from bot.scoring.scorecard import team_names, team_sizes, visible_teams
from storage.models import Answer, Deal, Impact, Member, Stage

HISTORY_LENGTH = 12
_CENT = Decimal(1)


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


@dataclass
class _Sums:
    won: int = 0
    influenced: int = 0
    attributed: int = 0
    answers: int = 0
    together: int = 0
    together_helped: int = 0


def team_history(
    session: Session, org: Organisation, team: str, through: Period, length: int = HISTORY_LENGTH
) -> TeamHistory:
    """`team` (a configured team's name) over the `length` periods ending with `through`, oldest first."""
    periods = [*through.preceding(length - 1), through]
    names = team_names(session)
    configured = [entry.name for entry in org.teams]
    if team not in visible_teams(team_sizes(session, names), configured, org.min_group_size):
        return TeamHistory(team=team, hidden=True, periods=[])
    sums: defaultdict[Period, _Sums] = defaultdict(_Sums)
    team_id = next((tid for tid, name in names.items() if name == team), None)
    window = _Window(org, periods[0].first, periods[-1].last, through)
    window.add_won(session, team, team_id, names, sums)
    if team_id is not None:
        window.add_answers(session, team_id, sums)
    return TeamHistory(team=team, hidden=False, periods=[_period(period, sums[period]) for period in periods])


def _period(period: Period, sums: _Sums) -> TeamPeriod:
    return TeamPeriod(
        period=period,
        won_cents=sums.won,
        influenced_cents=sums.influenced,
        attributed_cents=sums.attributed,
        answers=sums.answers,
        collaboration_share=sums.together_helped / sums.together if sums.together else None,
    )


@dataclass(frozen=True)
class _Window:
    org: Organisation
    first: date
    last: date
    through: Period

    def bucket(self, day: date) -> Period:
        return Period.containing(day, self.through.kind)

    def convert(self, cents: int, currency: str) -> int | None:
        """The scorecard's conversion: per deal, rounded half to even; None without a rate."""
        if currency == self.org.currency:
            return cents
        rate = self.org.fx_rates.get(currency)
        return None if rate is None else int((cents * rate).quantize(_CENT, rounding=ROUND_HALF_EVEN))

    def won_that_count(self) -> tuple[ColumnElement[bool], ...]:
        """Won in the window, with an amount in a currency that converts: the deals money figures count."""
        return (
            col(Deal.stage) == Stage.WON.value,
            col(Deal.closed_at) >= self.first,
            col(Deal.closed_at) <= self.last,
            col(Deal.amount_cents).is_not(None),
            col(Deal.currency).in_([self.org.currency, *self.org.fx_rates]),
        )

    def add_won(
        self, session: Session, team: str, team_id: int | None, names: Mapping[int, str], sums: Mapping[Period, _Sums]
    ) -> None:
        """Every won deal of the window that counts, with its credits, one by one: its cents in the
        totals, and where the team helped (its owner's team, or credited with some impact), its share
        split exactly as the scorecard splits it."""
        owner = aliased(Member)
        won = (
            select(col(Deal.id), col(Deal.closed_at), col(Deal.amount_cents), col(Deal.currency), col(owner.team_id))
            .select_from(Deal)
            .outerjoin(owner, col(owner.id) == col(Deal.owner_id))
            .where(*self.won_that_count())
        )
        deals = cast(list[tuple[int, date, int, str, int | None]], session.connection().execute(won).all())
        impacts = self._impacts(session, names)
        for deal_id, closed_at, amount, currency, owner_team_id in deals:
            cents = self.convert(amount, currency) or 0
            owner_team = names.get(owner_team_id) if owner_team_id is not None else None
            credit = impacts.get(deal_id, {})
            together = any(name != owner_team for name in credit)
            period = sums[self.bucket(closed_at)]
            period.won += cents
            period.together += cents if together else 0
            if team_id is None or (owner_team != team and team not in credit):
                continue
            weights = helping_weights(owner_team, credit, self.org.attribution)
            period.influenced += cents
            period.attributed += split_cents(cents, weights).get(team, 0)
            period.together_helped += cents if together else 0

    def add_answers(self, session: Session, team_id: int, sums: Mapping[Period, _Sums]) -> None:
        """Answers crediting the team about deals closed (won or lost) in the window, as the scorecard counts them."""
        rows = session.connection().execute(
            select(col(Deal.closed_at), func.count())
            .select_from(Answer)
            .join(Deal, col(Deal.id) == col(Answer.deal_id))
            .where(
                col(Answer.helping_team_id) == team_id,
                col(Deal.stage).in_((Stage.WON.value, Stage.LOST.value)),
                col(Deal.closed_at) >= self.first,
                col(Deal.closed_at) <= self.last,
            )
            .group_by(col(Deal.closed_at))
        )
        for closed_at, count in cast(list[tuple[date, int]], rows.all()):
            sums[self.bucket(closed_at)].answers += int(count)

    def _impacts(self, session: Session, names: Mapping[int, str]) -> dict[int, dict[str, int]]:
        """Per won deal of the window, each team credited with some impact and its highest impact rank."""
        rank = case(IMPACT_RANK, value=col(Answer.impact), else_=0)
        window = select(col(Deal.id)).where(*self.won_that_count())
        rows = session.connection().execute(
            select(col(Answer.deal_id), col(Answer.helping_team_id), func.max(rank))
            .where(col(Answer.deal_id).in_(window), col(Answer.impact) != Impact.NONE.value)
            .group_by(col(Answer.deal_id), col(Answer.helping_team_id))
        )
        found: defaultdict[int, dict[str, int]] = defaultdict(dict)
        for deal_id, helping_team_id, highest in rows:
            found[deal_id][names[helping_team_id]] = int(highest)
        return found
