"""Teams users as OneScore members: by Teams user id, else AAD object id, else email.

Activities carry the user id (`29:…`) and usually the AAD object id, but not the email; that
comes from the conversation's member info, fetched only when the ids find nobody. Whatever finds
the member is remembered (ids on the member, the conversation in `conversation_refs`), so the
next activity from the same person needs no look-up at all.
"""

from __future__ import annotations

from sqlmodel import Session, select

from bot.organisation import Organisation
from bot.people.contacts import Hints, hints, language_of
from bot.people.directory import member_by_email
from handlers.teams.conversations import TeamsUser
from storage.models import Member


def member_by_ids(session: Session, user: TeamsUser) -> Member | None:
    found = session.exec(select(Member).where(Member.teams_id == user.user_id)).first()
    if found is None and user.aad_object_id:
        found = session.exec(select(Member).where(Member.aad_object_id == user.aad_object_id)).first()
    return found


def find_member(session: Session, user: TeamsUser) -> Member | None:
    """The member behind a Teams user, or None when OneScore does not know them."""
    found = member_by_ids(session, user)
    if found is None and user.email:
        found = member_by_email(session, user.email)
    return found


def language_for(session: Session, member: Member | None, user: TeamsUser, org: Organisation) -> str:
    """The member's language (the file, else what Teams said before), else this activity's locale."""
    if member is None:
        return language_of(Member(), Hints(language=user.locale), org)
    hint = hints(session, [member.id]).get(member.id)  # type: ignore[list-item, arg-type]
    return language_of(member, hint or Hints(language=user.locale), org)
