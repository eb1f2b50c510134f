"""One team over the last twelve periods: what it helped win, its attributed share, its answers, and its
part in the revenue won together.

The figures are the scorecard's (the same conversion, split and privacy rule; a test holds each
period against `compute_scorecard`), but read for one team across all twelve periods at once: the
database groups the totals and counts, and only the won deals this team helped come back one by one,
because splitting a deal's cents exactly among its helping teams (`split_cents`) is done per deal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import cast

from sqlalchemy import ColumnElement, case, exists, func, or_, select
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
    window.add_totals(session, sums)
    if team_id is not None:
        window.add_answers(session, team_id, sums)
        window.add_helped(session, team, team_id, names, sums)
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

    def add_totals(self, session: Session, sums: Mapping[Period, _Sums]) -> None:
        """Won cents and the cents won together (a team other than the owner's helped), grouped by day;
        deals in another currency by their exact amount, so each converts as the scorecard converts it."""
        owner = aliased(Member)
        other_team_helped = exists().where(
            col(Answer.deal_id) == col(Deal.id),
            col(Answer.impact) != Impact.NONE.value,
            or_(col(owner.team_id).is_(None), col(Answer.helping_team_id) != col(owner.team_id)),
        )
        together = case((other_team_helped, 1), else_=0)
        home = col(Deal.currency) == self.org.currency
        foreign_amount = case((~home, col(Deal.amount_cents)))
        rows = session.connection().execute(
            select(
                col(Deal.closed_at),
                col(Deal.currency),
                foreign_amount,
                together,
                func.count(),
                func.sum(case((home, col(Deal.amount_cents)))),
            )
            .select_from(Deal)
            .outerjoin(owner, col(owner.id) == col(Deal.owner_id))
            .where(*self.won_that_count())
            .group_by(col(Deal.closed_at), col(Deal.currency), foreign_amount, together)
        )
        for closed_at, currency, amount, collaborative, count, home_sum in rows:
            cents = int(home_sum or 0) if amount is None else count * (self.convert(amount, currency) or 0)
            period = sums[self.bucket(closed_at)]
            period.won += cents
            if collaborative:
                period.together += cents

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

    def add_helped(
        self, session: Session, team: str, team_id: int, names: Mapping[int, str], sums: Mapping[Period, _Sums]
    ) -> None:
        """The won deals the team helped (its owner's team, or credited with some impact), one by one:
        each is split among its helping teams exactly as the scorecard splits it."""
        owner = aliased(Member)
        credited = exists().where(
            col(Answer.deal_id) == col(Deal.id),
            col(Answer.helping_team_id) == team_id,
            col(Answer.impact) != Impact.NONE.value,
        )
        helped = (
            select(col(Deal.id), col(Deal.closed_at), col(Deal.amount_cents), col(Deal.currency), col(owner.team_id))
            .select_from(Deal)
            .outerjoin(owner, col(owner.id) == col(Deal.owner_id))
            .where(*self.won_that_count(), or_(col(owner.team_id) == team_id, credited))
        )
        deals = cast(list[tuple[int, date, int, str, int | None]], session.connection().execute(helped).all())
        impacts = self._impacts(session, [deal[0] for deal in deals], names)
        for deal_id, closed_at, amount, currency, owner_team_id in deals:
            cents = self.convert(amount, currency) or 0
            owner_team = names.get(owner_team_id) if owner_team_id is not None else None
            credit = impacts.get(deal_id, {})
            weights = helping_weights(owner_team, credit, self.org.attribution)
            period = sums[self.bucket(closed_at)]
            period.influenced += cents
            period.attributed += split_cents(cents, weights).get(team, 0)
            if any(name != owner_team for name in credit):
                period.together_helped += cents

    def _impacts(self, session: Session, deal_ids: list[int], names: Mapping[int, str]) -> dict[int, dict[str, int]]:
        """Per deal, each team credited with some impact and its highest impact rank."""
        rank = case(IMPACT_RANK, value=col(Answer.impact), else_=0)
        found: defaultdict[int, dict[str, int]] = defaultdict(dict)
        for chunk in range(0, len(deal_ids), _IN_CHUNK):
            rows = session.connection().execute(
                select(col(Answer.deal_id), col(Answer.helping_team_id), func.max(rank))
                .where(
                    col(Answer.deal_id).in_(deal_ids[chunk : chunk + _IN_CHUNK]),
                    col(Answer.impact) != Impact.NONE.value,
                )
                .group_by(col(Answer.deal_id), col(Answer.helping_team_id))
            )
            for deal_id, helping_team_id, highest in rows:
                found[deal_id][names[helping_team_id]] = int(highest)
        return found


_IN_CHUNK = 5_000
"""Deal ids per IN list: well under SQLite's limit on bound parameters."""
