"""Teams and members: the organisation file is their source of truth, the database their memory.

Chat adapters add what they learn (a Slack id found by email, a Teams id from an install) to the
same rows, so a later start-up never forgets it; the file only overwrites what it states.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlmodel import Session, col, select

from bot.organisation import Organisation
from storage.models import Member, Team


class MemberSource(StrEnum):
    """How OneScore learnt of a person, and who set their team (`members.source`, `members.team_source`)."""

    FILE = "file"
    PLATFORM = "platform"
    SELF = "self"
    ADMIN = "admin"


def sync_organisation(session: Session, org: Organisation) -> None:
    teams = {t.name: t for t in session.exec(select(Team)).all()}
    for team_entry in org.teams:
        team = teams.get(team_entry.name) or Team(name=team_entry.name)
        team.label = team_entry.label
        team.usual_helper = team_entry.usual_helper
        session.add(team)
        teams[team_entry.name] = team
    session.flush()

    members = {m.email: m for m in session.exec(select(Member).where(col(Member.email).is_not(None))).all()}
    for entry in org.members:
        member = members.get(entry.email) or Member(email=entry.email)
        member.from_config = True
        member.source = MemberSource.FILE.value
        member.name = entry.name or member.name
        member.role = entry.role.value
        if entry.team:
            member.team_id = teams[entry.team].id
            member.team_source = MemberSource.FILE.value
        elif member.team_source == MemberSource.FILE.value:
            member.team_source = None  # the file stopped naming the team: a platform or the person may now
        member.timezone = entry.timezone
        member.language = entry.language
        for platform_field in ("slack_id", "teams_id", "aad_object_id"):
            value = getattr(entry, platform_field)
            if value:
                _release_identity(session, platform_field, value, keep=member)
                setattr(member, platform_field, value)
        session.add(member)
    session.flush()


def _release_identity(session: Session, platform_field: str, value: str, keep: Member) -> None:
    """The file wins over what a chat adapter guessed earlier: free the id from any other row."""
    column = getattr(Member, platform_field)
    for other in session.exec(select(Member).where(column == value)).all():
        if other is not keep:
            setattr(other, platform_field, None)
            session.add(other)
    session.flush()


def team_by_name(session: Session, name: str) -> Team | None:
    return session.exec(select(Team).where(Team.name == name.strip().lower())).first()


def member_by_email(session: Session, email: str) -> Member | None:
    return session.exec(select(Member).where(Member.email == email.strip().lower())).first()


def members_by_email(session: Session, emails: Iterable[str]) -> dict[str, Member]:
    wanted = {e.strip().lower() for e in emails}
    if not wanted:
        return {}
    rows = session.exec(select(Member).where(col(Member.email).in_(wanted))).all()
    return {m.email: m for m in rows if m.email}


def teams_by_id(session: Session) -> dict[int, Team]:
    return {t.id: t for t in session.exec(select(Team)).all() if t.id is not None}
