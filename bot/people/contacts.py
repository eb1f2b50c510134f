"""How members are reached on each chat platform, and what the platforms told us about them.

A platform finds a person once (Slack by id or by email) and tells us their language and time
zone; that is remembered in `conversation_refs` so later asks skip the look-up, and the platform's
user id is stored on the member so the next start-up (and the other adapters) know it too.
The organisation file still wins: its language and time zone come before a platform's hints.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, select

from bot.organisation import Organisation
from bot.ports import Contact, Recipient
from bot.rounds.calendar import AskCalendar, calendar
from prompts import resolve_language
from storage.models import ConversationRef, Member

PLATFORM_ID_FIELDS = {"slack": "slack_id", "teams": "teams_id"}


@dataclass(frozen=True)
class Hints:
    language: str | None = None
    timezone: str | None = None


def contact(member: Member, platform: str) -> Contact:
    field = PLATFORM_ID_FIELDS.get(platform)
    return Contact(
        member_id=member.id,  # type: ignore[arg-type]
        email=member.email,
        name=member.name,
        platform_user_id=getattr(member, field) if field else None,
    )


def stored_recipient(session: Session, platform: str, member_id: int) -> Recipient | None:
    ref = session.exec(
        select(ConversationRef).where(ConversationRef.platform == platform, ConversationRef.member_id == member_id)
    ).first()
    if ref is None or "user_id" not in ref.reference:
        return None
    data = ref.reference
    return Recipient(user_id=data["user_id"], language=data.get("language"), timezone=data.get("timezone"))


def remember_recipient(session: Session, platform: str, member: Member, recipient: Recipient, now: datetime) -> None:
    """Store where the member is found; their platform id goes on the member unless another has it."""
    ref = session.exec(
        select(ConversationRef).where(ConversationRef.platform == platform, ConversationRef.key == recipient.user_id)
    ).first() or ConversationRef(platform=platform, key=recipient.user_id)
    ref.member_id = member.id
    ref.reference = {
        **(ref.reference or {}),
        "user_id": recipient.user_id,
        "language": recipient.language,
        "timezone": recipient.timezone,
    }
    ref.updated_at = now
    session.add(ref)
    field = PLATFORM_ID_FIELDS.get(platform)
    if field and getattr(member, field) is None:
        column = getattr(Member, field)
        taken = session.exec(select(Member.id).where(column == recipient.user_id)).first()
        if taken is None:
            setattr(member, field, recipient.user_id)
            session.add(member)
    session.flush()


def hints(session: Session, member_ids: Iterable[int]) -> dict[int, Hints]:
    """Each member's most recent platform hints (language, time zone)."""
    wanted = set(member_ids)
    if not wanted:
        return {}
    found: dict[int, Hints] = {}
    rows = session.exec(
        select(ConversationRef)
        .where(col(ConversationRef.member_id).in_(wanted))
        .order_by(col(ConversationRef.updated_at))
    ).all()
    for ref in rows:
        data = ref.reference or {}
        found[ref.member_id] = Hints(language=data.get("language"), timezone=data.get("timezone"))  # type: ignore[index]
    return found


def language_of(member: Member, hint: Hints | None, org: Organisation) -> str:
    """The organisation file's language for the member, else the platform's, else the organisation's."""
    return resolve_language(member.language or (hint.language if hint else None) or org.language)


def zone_of(member: Member, hint: Hints | None, org: Organisation) -> ZoneInfo:
    for name in (member.timezone, hint.timezone if hint else None):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return org.zone


def calendar_of(member: Member, hint: Hints | None, org: Organisation) -> AskCalendar:
    entry = org.member(member.email) if member.email else None
    return calendar(
        zone_of(member, hint, org),
        org.ask_window,
        holidays=org.holidays,
        time_off=entry.time_off if entry else (),
    )
