"""One-time sign-in tokens: issued to a member in chat, redeemed once in a browser within 10 minutes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, delete, select

from bot.access.secret import digest, new_secret
from storage.models import LoginToken, Member

LOGIN_TOKEN_LIFETIME = timedelta(minutes=10)
TOKEN_MAX_LENGTH = 128
"""Longer than any token issued here: anything longer is refused before it is hashed."""


def issue_login_token(session: Session, member_id: int, now: datetime) -> str:
    """A new token bound to the member; only its digest is stored, so it is shown to them once."""
    token = new_secret()
    session.add(
        LoginToken(token_hash=digest(token), member_id=member_id, created_at=now, expires_at=now + LOGIN_TOKEN_LIFETIME)
    )
    return token


def pending_login(session: Session, token: str, now: datetime) -> Member | None:
    """The member a token would sign in, without using it up (the page that asks "sign in as …?").

    Chat apps fetch links to preview them; were the token used on that fetch, the person's own click
    would find it spent. So reading the link only looks, and the sign-in button redeems it."""
    if not _plausible(token):
        return None
    row = session.exec(
        select(LoginToken).where(
            col(LoginToken.token_hash) == digest(token),
            col(LoginToken.used_at).is_(None),
            col(LoginToken.expires_at) > now,
        )
    ).first()
    return session.get(Member, row.member_id) if row is not None else None


def redeem_login_token(session: Session, token: str, now: datetime) -> int | None:
    """The member id the token signs in, marking it used; None when unknown, expired or already used.

    One conditional UPDATE decides: of two concurrent redemptions (a double click, two replicas)
    exactly one sees its row change."""
    if not _plausible(token):
        return None
    token_hash = digest(token)
    claimed = session.execute(
        update(LoginToken)
        .where(
            col(LoginToken.token_hash) == token_hash,
            col(LoginToken.used_at).is_(None),
            col(LoginToken.expires_at) > now,
        )
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]  # UPDATE results carry rowcount
        return None
    return session.exec(select(LoginToken.member_id).where(col(LoginToken.token_hash) == token_hash)).one()


def forget_old_login_tokens(session: Session, now: datetime) -> None:
    """Expired tokens, used or not, are of no further use to anyone."""
    session.execute(delete(LoginToken).where(col(LoginToken.expires_at) <= now))


def _plausible(token: str) -> bool:
    return 0 < len(token) <= TOKEN_MAX_LENGTH
