""" "Which team are you in?": a member OneScore knows without a team answers it on their first ask.

People found through a platform (a deal names them by email, they used `/onescore`) have no home
team until someone says. Their pending asks show the team choice before the question; the choice
is remembered on the member (`team_source = self`, which later directory syncs keep), the
questions are worded again for the team now known, and every delivered message is refreshed so
the question follows. A second click (or a second message's choice) changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from bot.errors import InputError
from bot.organisation import Organisation
from bot.people.directory import MemberSource, team_by_name
from bot.people.profile import member_profile
from bot.rounds.answers import ask_for_member
from bot.rounds.planning import question_for
from bot.rounds.release import request_update
from storage.models import Ask, AskStatus, Deal, Member, Team


def choose_team(
    session: Session, org: Organisation, ask_id: int, member_id: int | None, team_text: str, now: datetime
) -> bool:
    """Set the member's team from their answer on ask `ask_id`; False when they already have one.

    Raises NotFound or NotYourAsk for an ask that is not theirs, InputError for an unknown team."""
    ask_for_member(session, ask_id, member_id)
    member = session.get(Member, member_id)
    assert member is not None
    if member.team_id is not None:
        return False
    entry = org.find_team(team_text)
    team = team_by_name(session, entry.name) if entry else None
    if team is None:
        raise InputError("team", f"unknown team {team_text!r}")
    member.team_id, member.team_source = team.id, MemberSource.SELF.value
    session.add(member)
    language = member_profile(session, member, org).language
    pending = session.exec(select(Ask).where(Ask.member_id == member.id, Ask.status == AskStatus.PENDING.value)).all()
    for ask in pending:
        deal = session.get(Deal, ask.deal_id)
        helping = session.get(Team, ask.helping_team_id) if ask.helping_team_id else None
        if deal is not None and helping is not None and deal.stage in ("won", "lost"):
            ask.question_key, ask.question = question_for(session, deal, deal.stage, member, helping, org, language)
        ask.updated_at = now
        session.add(ask)
        if ask.message_ref is not None:
            request_update(session, ask, now)
    session.flush()
    return True
