"""The signed-in person as the dashboard sees them: whose language to speak, what they may read."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.organisation import Organisation, Role
from bot.people.profile import member_profile
from storage.models import Member, Team


@dataclass(frozen=True)
class Viewer:
    member_id: int
    name: str
    role: str
    team: str | None
    language: str

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value


def load_viewer(session: Session, org: Organisation, member_id: int) -> Viewer | None:
    """None when the member has gone (erased since the session began): the session is worth nothing then."""
    member = session.get(Member, member_id)
    if member is None or member.id is None:
        return None
    team = session.get(Team, member.team_id) if member.team_id is not None else None
    return Viewer(
        member_id=member.id,
        name=member.name or member.email or "",
        role=member.role,
        team=team.name if team is not None else None,
        language=member_profile(session, member, org).language,
    )
