"""The members as admins see them (`GET /api/members`), and an admin's change of a member's team or role.

The organisation file still wins where it speaks: a member listed there has the file's role, and
the file's team when it names one, so a change to either is refused (and the refusal says which
field the file decides) rather than applied and silently undone at the next start. A team an
admin sets is kept by later directory syncs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from bot.errors import InputError, NotFound
from bot.organisation import Organisation, Role
from bot.people.directory import MemberSource, member_by_email, team_by_name, teams_by_id
from storage.models import Member, Team

Platform = Literal["slack", "teams"]


class MemberView(BaseModel):
    email: str | None
    name: str | None
    team: str | None = Field(description="The home team's name; null until someone (or a user group) sets it")
    role: Role
    platforms: list[Platform] = Field(description="The chat platforms OneScore knows the member on")
    active: bool = Field(description="False once a platform lists the person as deleted, or as a bot: never asked")
    source: Literal["file", "platform", "self"] = Field(
        description="How OneScore learnt of them: the organisation file, a platform's directory, or themselves"
    )


class MemberList(BaseModel):
    members: list[MemberView]


class MemberChange(BaseModel):
    """An admin's change; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    team: str | None = Field(None, min_length=1, max_length=200, description="A team's name or label")
    role: Role | None = None


class FileDecides(Exception):
    """The organisation file names these fields for the member; it wins over any other change."""

    def __init__(self, email: str, fields: list[str]) -> None:
        decided = " and ".join(fields)
        super().__init__(
            f"the organisation file decides {decided} for {email}: change it there (it wins at each start)"
        )
        self.fields = fields


def member_views(session: Session) -> list[MemberView]:
    """Everyone but the erased: their rows stay only so their team keeps its credit."""
    teams = teams_by_id(session)
    listed = select(Member).where(col(Member.erased_at).is_(None))
    rows = session.exec(listed.order_by(col(Member.email), col(Member.id))).all()
    return [_view(member, teams.get(member.team_id) if member.team_id else None) for member in rows]


def change_member(session: Session, org: Organisation, email: str, change: MemberChange, now: datetime) -> MemberView:
    """Apply an admin's change; raises NotFound, InputError (an unknown team) or FileDecides."""
    member = member_by_email(session, email)
    if member is None:
        raise NotFound("member", email)
    entry = org.member(email)
    decided = [
        name
        for name, asked, fixed in (("team", change.team, entry and entry.team), ("role", change.role, entry))
        if asked is not None and fixed
    ]
    if decided:
        raise FileDecides(email, decided)
    if change.team is not None:
        found = org.find_team(change.team)
        team = team_by_name(session, found.name) if found else None
        if team is None:
            raise InputError("team", f"unknown team {change.team!r} (teams: {', '.join(t.name for t in org.teams)})")
        member.team_id, member.team_source = team.id, MemberSource.ADMIN.value
    if change.role is not None:
        member.role = change.role.value
    session.add(member)
    session.flush()
    return _view(member, teams_by_id(session).get(member.team_id) if member.team_id else None)


def _view(member: Member, team: Team | None) -> MemberView:
    platforms: list[Platform] = []
    if member.slack_id:
        platforms.append("slack")
    if member.teams_id or member.aad_object_id:
        platforms.append("teams")
    source = member.source if member.source in ("file", "platform") else "self"
    return MemberView(
        email=member.email,
        name=member.name,
        team=team.name if team else None,
        role=Role(member.role),
        platforms=platforms,
        active=member.active,
        source=source,
    )
