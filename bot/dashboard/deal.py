"""One deal as the dashboard shows it: the deal, its asks (status only) and its answers.

An answer's free text is shown when its author agreed to be quoted, to the author themself, and to
admins; anyone else sees which team helped and how much, never the words. A team too small to be
shown apart on the scorecard is not named beside an ask or an answer (except to the answer's
author): counted deal by deal, those lines would give away the figures the scorecard hides.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.access.viewer import Viewer
from bot.organisation import Organisation
from bot.scoring.scorecard import shown_teams
from storage.models import Answer, Ask, Deal, DealParticipant, Member, Team


@dataclass(frozen=True)
class AskLine:
    team: str | None
    """None for an ask about no team in particular, or about a hidden one."""
    status: str
    team_hidden: bool = False


@dataclass(frozen=True)
class AnswerLine:
    team: str | None
    """None when the team is hidden from the viewer."""
    impact: str
    answered_at: datetime
    text: str | None
    """None when the viewer may not read it."""
    quotable: bool
    yours: bool
    team_hidden: bool = False


@dataclass(frozen=True)
class DealDetail:
    external_id: str
    name: str
    account: str | None
    stage: str
    amount: Decimal | None
    currency: str
    owner: str | None
    owner_team: str | None
    participant_teams: list[str]
    created_at: date | None
    closed_at: date | None
    asks: list[AskLine]
    answers: list[AnswerLine]


def deal_detail(session: Session, org: Organisation, external_id: str, viewer: Viewer) -> DealDetail | None:
    deal = session.exec(select(Deal).where(col(Deal.external_id) == external_id)).first()
    if deal is None or deal.id is None:
        return None
    owner = session.get(Member, deal.owner_id) if deal.owner_id is not None else None
    owner_team = session.get(Team, owner.team_id) if owner is not None and owner.team_id is not None else None
    shown = shown_teams(session, org)
    return DealDetail(
        external_id=deal.external_id,
        name=deal.name,
        account=deal.account,
        stage=deal.stage,
        amount=None if deal.amount_cents is None else Decimal(deal.amount_cents).scaleb(-2),
        currency=deal.currency,
        owner=(owner.name or owner.email) if owner is not None else deal.owner_email,
        owner_team=owner_team.name if owner_team is not None else None,
        participant_teams=_participant_teams(session, deal.id),
        created_at=deal.created_at,
        closed_at=deal.closed_at,
        asks=_asks(session, deal.id, shown),
        answers=_answers(session, deal.id, viewer, shown),
    )


def _participant_teams(session: Session, deal_id: int) -> list[str]:
    rows = session.exec(
        select(Team.name)
        .join(DealParticipant, col(DealParticipant.team_id) == col(Team.id))
        .where(col(DealParticipant.deal_id) == deal_id)
        .distinct()
        .order_by(col(Team.name))
    ).all()
    return list(rows)


def _asks(session: Session, deal_id: int, shown: Collection[str]) -> list[AskLine]:
    """Who was asked is left out: the page says which teams were asked about and where that stands."""
    rows = session.exec(
        select(Team.name, Ask.status)
        .select_from(Ask)
        .outerjoin(Team, col(Team.id) == col(Ask.helping_team_id))
        .where(col(Ask.deal_id) == deal_id)
        .order_by(col(Ask.id))
    ).all()
    lines = []
    for team, status in rows:
        hidden = team is not None and team not in shown
        lines.append(AskLine(team=None if hidden else team, status=status, team_hidden=hidden))
    return lines


def _answers(session: Session, deal_id: int, viewer: Viewer, shown: Collection[str]) -> list[AnswerLine]:
    helping = aliased(Team)
    rows = session.exec(
        select(Answer, helping.name)
        .join(helping, col(helping.id) == col(Answer.helping_team_id))
        .where(col(Answer.deal_id) == deal_id)
        .order_by(col(Answer.answered_at), col(Answer.id))
    ).all()
    lines = []
    for answer, team in rows:
        yours = answer.member_id == viewer.member_id
        readable = answer.quotable or yours or viewer.is_admin
        hidden = team not in shown and not yours
        lines.append(
            AnswerLine(
                team=None if hidden else team,
                impact=answer.impact,
                answered_at=answer.answered_at,
                text=answer.text if readable and answer.text else None,
                quotable=answer.quotable,
                yours=yours,
                team_hidden=hidden,
            )
        )
    return lines
