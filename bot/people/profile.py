"""A member's language, time zone and ask calendar, worked out in one place.

Each comes from the organisation file first, then what a chat platform last told us (the hints in
`conversation_refs`), then the organisation's defaults. Every caller that writes to a member or
decides when to ask them reads this profile, so a rule about precedence changes in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.organisation import Organisation
from bot.people.contacts import Hints, calendar_of, hints, language_of, zone_of
from bot.rounds.calendar import AskCalendar
from storage.models import Member


@dataclass(frozen=True)
class MemberProfile:
    """Computed on demand: most callers need only one of the three, and the calendar is the costliest."""

    member: Member
    hint: Hints | None
    org: Organisation

    @property
    def language(self) -> str:
        return language_of(self.member, self.hint, self.org)

    @property
    def zone(self) -> ZoneInfo:
        return zone_of(self.member, self.hint, self.org)

    @property
    def calendar(self) -> AskCalendar:
        return calendar_of(self.member, self.hint, self.org)


def member_profile(
    session: Session, member: Member, org: Organisation, *, fallback: Hints | None = None
) -> MemberProfile:
    """The member's profile; `fallback` stands in when no platform has told us anything yet (the
    locale of the activity being answered, say). A member not yet saved has no hints."""
    hint = hints(session, [member.id]).get(member.id) if member.id is not None else None
    return MemberProfile(member, hint or fallback, org)
