"""Question rounds: a closed deal becomes asks, once, to the people who can say how teams helped.

Who is asked: the deal's owner, about each other team that worked on the deal (or, when nobody
else is known, about the organisation's usual helpers — every other team when none is marked);
and each participant from a team other than the owner's, about their own team's part. Observers
are never asked. The words come from the `prompts` catalogue in the member's language.

A round opens exactly once per close: the close row is claimed with a conditional update before
any ask is written, and asks are unique per (close, member, team), so two replicas racing on the
same close produce one set of asks.

Deals that closed long ago are not asked about: a CSV import of last year's wins must not flood
people with questions about deals they barely remember. A close dated more than `HISTORY_CUTOFF`
before today has its round marked opened with no asks. Nor is a deal asked about when it was
reopened (or closed again) before its round opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.organisation import Organisation, Role
from bot.people.profile import member_profile
from prompts import select_question
from storage.db import run_transaction, session_scope
from storage.models import Ask, Deal, DealClose, DealParticipant, Member, Team

HISTORY_CUTOFF = timedelta(days=14)
BATCH = 100


@dataclass(frozen=True)
class PlannedAsk:
    member: Member
    helping_team: Team


def open_pending_rounds(engine: Engine, org: Organisation, now: datetime, today: date) -> int:
    """Open every round not opened yet; returns how many asks were created."""
    created = 0
    while True:
        with session_scope(engine) as session:
            ids = session.exec(
                select(DealClose.id)
                .where(col(DealClose.round_opened_at).is_(None))
                .order_by(col(DealClose.id))
                .limit(BATCH)
            ).all()
        if not ids:
            return created
        for close_id in ids:
            assert close_id is not None  # one short transaction each, so a burst never holds up a request for long
            created += len(
                run_transaction(engine, partial(open_round, close_id=close_id, org=org, now=now, today=today))
            )


def open_round(session: Session, close_id: int, org: Organisation, *, now: datetime, today: date) -> list[Ask]:
    """Create the asks of one close, unless another process already opened its round."""
    claimed = session.execute(
        update(DealClose)
        .where(col(DealClose.id) == close_id, col(DealClose.round_opened_at).is_(None))
        .values(round_opened_at=now)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return []
    close = session.get(DealClose, close_id)
    deal = session.get(Deal, close.deal_id) if close else None
    if close is None or deal is None or not _is_current(deal, close) or _is_history(close, today):
        return []
    asks = [_ask(session, deal, close, planned, org, now) for planned in plan_round(session, deal, org)]
    session.add_all(asks)
    session.flush()
    return asks


def _is_current(deal: Deal, close: DealClose) -> bool:
    return deal.close_seq == close.seq and deal.stage == close.outcome


def _is_history(close: DealClose, today: date) -> bool:
    return close.closed_at is not None and close.closed_at < today - HISTORY_CUTOFF


def plan_round(session: Session, deal: Deal, org: Organisation) -> list[PlannedAsk]:
    """Who is asked about which team, for one closed deal."""
    teams = {t.id: t for t in session.exec(select(Team)).all()}
    owner = session.get(Member, deal.owner_id) if deal.owner_id else None
    owner_team_id = owner.team_id if owner else None
    rows = session.exec(
        select(DealParticipant, Member)
        .join(Member, col(Member.id) == col(DealParticipant.member_id))
        .where(DealParticipant.deal_id == deal.id)
        .order_by(col(DealParticipant.id))
    ).all()
    participants = [(member, part.team_id or member.team_id) for part, member in rows if member.id != deal.owner_id]

    helped = {team_id for _, team_id in participants if team_id is not None and team_id != owner_team_id}
    if not rows:
        helped = _usual_helpers(teams, org, owner_team_id)

    planned: list[PlannedAsk] = []
    if owner is not None and _askable(owner):
        planned += [PlannedAsk(owner, teams[t]) for t in sorted(helped)]
    for member, team_id in participants:
        if team_id is not None and team_id != owner_team_id and _askable(member):
            planned.append(PlannedAsk(member, teams[team_id]))
    return planned


def _usual_helpers(teams: dict[int | None, Team], org: Organisation, owner_team_id: int | None) -> set[int]:
    configured = {t.name for t in org.teams}
    candidates = {i for i, t in teams.items() if i is not None and i != owner_team_id and t.name in configured}
    marked = {i for i in candidates if teams[i].usual_helper}
    return marked or candidates


def _askable(member: Member) -> bool:
    """Observers are never asked, nor people a platform deleted (or who are bots): `members.active`."""
    return member.role != Role.OBSERVER.value and member.active


def _ask(session: Session, deal: Deal, close: DealClose, planned: PlannedAsk, org: Organisation, now: datetime) -> Ask:
    member = planned.member
    assert deal.id is not None and member.id is not None, "stored rows have ids"
    profile = member_profile(session, member, org)
    key, text = question_for(session, deal, close.outcome, member, planned.helping_team, org, profile.language)
    return Ask(
        deal_id=deal.id,
        close_id=close.id,
        member_id=member.id,
        helping_team_id=planned.helping_team.id,
        question_key=key,
        question=text,
        deliver_after=profile.calendar.next_open(now),
        created_at=now,
        updated_at=now,
    )


def question_for(
    session: Session,
    deal: Deal,
    outcome: str,
    member: Member,
    helping_team: Team,
    org: Organisation,
    language: str,
) -> tuple[str, str]:
    """(catalogue key, text) of the question `member` is asked about `helping_team`, in `language`.

    The owner speaks for their own team and asks about the others; a participant speaks for the
    team they worked on the deal for.
    """
    owner = session.get(Member, deal.owner_id) if deal.owner_id else None
    owner_team = session.get(Team, owner.team_id) if owner and owner.team_id else None
    owner_team_name = owner_team.name if owner_team else _default_owner_team(org)
    asked_is_owner = owner is not None and member.id == owner.id
    question = select_question(
        language,
        outcome,
        asked_is_owner=asked_is_owner,
        asked_team=owner_team_name if asked_is_owner else helping_team.name,
        helping_team=helping_team.name,
        owner_team=owner_team_name,
        deal=deal.name,
        labels={t.name: t.label for t in org.teams if t.label},
    )
    return question.key, question.text


def _default_owner_team(org: Organisation) -> str:
    """A deal's owner is in sales unless the organisation says otherwise."""
    names = [t.name for t in org.teams]
    return "sales" if "sales" in names or not names else names[0]
