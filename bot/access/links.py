"""The sign-in link a member receives in chat (or an operator prints for the first admin)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.access.login import issue_login_token
from bot.runtime import Runtime
from storage.db import run_transaction
from storage.models import Member

LOGIN_PATH = "/login/"


class PublicUrlMissing(RuntimeError):
    """ONESCORE_PUBLIC_URL is not set: there is no address to put in a link."""


@dataclass(frozen=True)
class SignInLink:
    url: str
    member_id: int


def login_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{LOGIN_PATH}{token}"


def sign_in_link(runtime: Runtime, member_id: int) -> SignInLink:
    """A fresh one-time link for the member. Raises PublicUrlMissing before anything is stored."""
    public_url = runtime.settings.public_url
    if not public_url:
        raise PublicUrlMissing("the dashboard's sign-in link needs ONESCORE_PUBLIC_URL")
    now = runtime.now()
    token = run_transaction(runtime.engine, lambda session: issue_login_token(session, member_id, now))
    return SignInLink(login_url(public_url, token), member_id)


def member_id_by_email(runtime: Runtime, email: str) -> int | None:
    with Session(runtime.engine) as session:
        return session.exec(select(Member.id).where(col(Member.email) == email.strip().lower())).first()
