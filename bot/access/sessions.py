"""Browser sessions of the dashboard: started by a sign-in link, ended by signing out or after 12 hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from bot.access.secret import digest, new_secret
from storage.models import WebSession

SESSION_LIFETIME = timedelta(hours=12)
SESSION_ID_MAX_LENGTH = 128


@dataclass(frozen=True)
class StartedSession:
    """What the browser gets: the session id (its cookie) and the CSRF token its forms carry."""

    session_id: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class ActiveSession:
    member_id: int
    csrf_token: str


def start_session(session: Session, member_id: int, now: datetime) -> StartedSession:
    session_id, csrf_token = new_secret(), new_secret()
    expires_at = now + SESSION_LIFETIME
    session.add(
        WebSession(
            session_hash=digest(session_id),
            member_id=member_id,
            csrf_token=csrf_token,
            created_at=now,
            expires_at=expires_at,
        )
    )
    return StartedSession(session_id, csrf_token, expires_at)


def active_session(session: Session, session_id: str | None, now: datetime) -> ActiveSession | None:
    """The session behind a cookie, if it is one of ours and has not expired or been ended."""
    if not session_id or len(session_id) > SESSION_ID_MAX_LENGTH:
        return None
    row = session.exec(
        select(WebSession).where(col(WebSession.session_hash) == digest(session_id), col(WebSession.expires_at) > now)
    ).first()
    return ActiveSession(row.member_id, row.csrf_token) if row is not None else None


def end_session(session: Session, session_id: str) -> None:
    """Sign out: the row goes, so the cookie is worthless even if the browser keeps it."""
    session.execute(delete(WebSession).where(col(WebSession.session_hash) == digest(session_id)))


def forget_expired_sessions(session: Session, now: datetime) -> None:
    session.execute(delete(WebSession).where(col(WebSession.expires_at) <= now))
