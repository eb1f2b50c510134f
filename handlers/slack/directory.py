"""Slack users as OneScore members: by Slack id, else by the email Slack knows, then remembered.

A member from the organisation file often has no Slack id; the first time they click something,
`users.info` gives their email, which finds them, and their id, locale and time zone are stored
so nothing is looked up twice. A Slack user OneScore has never heard of becomes a member the
same way (source `self`): nobody has to be listed in the file first.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import Session, select

from bot.people.contacts import remember_recipient
from bot.people.directory import MemberSource, member_by_email
from bot.people.profile import member_profile
from bot.ports import Recipient
from bot.runtime import Runtime
from storage.db import run_transaction
from storage.models import Member


@dataclass(frozen=True)
class SlackUser:
    user_id: str
    email: str | None
    name: str | None
    locale: str | None
    timezone: str | None
    active: bool = True
    """False for a person deleted on Slack, and for bots: never made a member."""


class SlackDirectory:
    def __init__(self, runtime: Runtime, client: AsyncWebClient) -> None:
        self.runtime = runtime
        self.client = client

    async def member(self, user_id: str, *, adopt: bool = True) -> Member | None:
        """The member behind a Slack user, or None when OneScore does not know them.

        A workspace user OneScore does not know yet becomes a member, unless `adopt` is off: asking
        what is stored about you, or to be forgotten, must not store you."""
        known = await asyncio.to_thread(self._by_slack_id, user_id)
        if known is not None:
            return known
        user = await self.user(user_id)
        if user is None or not user.email:
            return None
        return await asyncio.to_thread(self._adopt, user, create=adopt)

    async def user(self, user_id: str) -> SlackUser | None:
        try:
            info = (await self.client.users_info(user=user_id, include_locale=True))["user"]
        except SlackApiError:
            return None
        profile = info.get("profile") or {}
        return SlackUser(
            user_id=user_id,
            email=(profile.get("email") or "").strip().lower() or None,
            name=profile.get("real_name") or info.get("real_name") or info.get("name"),
            locale=info.get("locale"),
            timezone=info.get("tz"),
            active=not (info.get("deleted") or info.get("is_bot")),
        )

    async def language(self, user_id: str) -> str:
        """The language to answer this Slack user in (their member settings, else the org's)."""
        return await asyncio.to_thread(self._language, user_id)

    def _language(self, user_id: str) -> str:
        org = self.runtime.org
        with Session(self.runtime.engine) as session:
            member = session.exec(select(Member).where(Member.slack_id == user_id)).first()
            return member_profile(session, member or Member(), org).language

    def _by_slack_id(self, user_id: str) -> Member | None:
        with Session(self.runtime.engine) as session:
            return session.exec(select(Member).where(Member.slack_id == user_id)).first()

    def _adopt(self, user: SlackUser, *, create: bool = True) -> Member | None:
        """The member with the user's email; someone OneScore does not know yet becomes one (no team
        yet: their first ask asks which team they are in), unless Slack lists them as deleted or a bot."""
        now = self.runtime.now()

        def work(session: Session) -> Member | None:
            member = member_by_email(session, user.email or "")
            if member is None and user.active and create:
                member = Member(email=user.email, name=user.name, source=MemberSource.SELF.value, created_at=now)
                session.add(member)
                session.flush()
            if member is None:
                return None
            recipient = Recipient(user_id=user.user_id, language=user.locale, timezone=user.timezone)
            remember_recipient(session, "slack", member, recipient, now)
            return member

        return run_transaction(self.runtime.engine, work)
