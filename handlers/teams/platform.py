"""Teams as a `ChatPlatform`: asks are Adaptive Cards in the person's 1:1 chat with the bot.

A person is reached through the chat remembered from their install or last message; when only
their Teams id is known (the organisation file, a mention in a channel), the 1:1 chat is opened
from the tenant and service URL Teams told us about; when only their email is known, the rosters
of the teams OneScore is installed in are searched once. (Scorecards go to channels through
`scorecard_post.TeamsScorecardChannel`.)
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from botbuilder.schema import Activity, ActivityTypes, TextFormatTypes
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock import Clock
from bot.people.contacts import hints
from bot.ports import AskCard, Contact, MessageRef, Origin, Recipient, Unreachable
from handlers.teams.cards import ask_card, card_message, fit, summary
from handlers.teams.connector import BotConnector, RosterMember
from handlers.teams.conversations import (
    Address,
    newest_address,
    person_address,
    remember_personal_chat,
    team_addresses,
)
from storage.db import session_scope
from storage.models import Member


class TeamsPlatform:
    name = "teams"

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        connector: BotConnector,
        *,
        tenant_id: str | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.connector = connector
        self.tenant_id = tenant_id

    def reaches(self, contact: Contact) -> bool:
        return bool(contact.platform_user_id or contact.email)

    async def find_recipient(self, contact: Contact) -> Recipient:
        if contact.platform_user_id:
            return await asyncio.to_thread(self._with_hints, contact.member_id, contact.platform_user_id)
        aad_object_id = await asyncio.to_thread(self._aad_object_id, contact.member_id)
        found = await self._search_rosters(contact.email, aad_object_id)
        if found is None:
            raise Unreachable(
                "no Teams id, and not in the roster of any team OneScore is installed in: "
                "ask them to open OneScore in Teams once, or add teams_id to the organisation file"
            )
        member, address = found
        await asyncio.to_thread(self._remember_address, member.user_id, address)
        return Recipient(member.user_id)

    async def send_ask(self, recipient: Recipient, card: AskCard, origin: Origin) -> MessageRef:
        address = await self._personal_chat(recipient.user_id)
        assert address.conversation_id is not None, "a personal chat is open once _personal_chat returns"
        activity_id = await self.connector.send(
            address.service_url,
            address.conversation_id,
            card_message(ask_card(card), summary(card)),
        )
        return {
            "service_url": address.service_url,
            "conversation_id": address.conversation_id,
            "activity_id": activity_id,
        }

    async def send_reminder(self, recipient: Recipient, card: AskCard, sent: MessageRef, origin: Origin) -> MessageRef:
        """A new card with the reminder on top (the first may have scrolled away); both stay in step."""
        reminder = card.texts["ask.reminder"]
        message = card_message(ask_card(card, lead=reminder), reminder)
        activity_id = await self.connector.send(sent["service_url"], sent["conversation_id"], message)
        return {**sent, "reminders": [*sent.get("reminders", []), activity_id]}

    async def update_ask(self, sent: MessageRef, card: AskCard) -> None:
        """Replace the card(s) with the ask's current state; for a person gone from Teams (`Unreachable`)
        the queue gives up, as on a refusal: they cannot see the card anyway."""
        for activity_id in [sent["activity_id"], *sent.get("reminders", [])]:
            message = card_message(ask_card(card), summary(card))
            await self.connector.update(sent["service_url"], sent["conversation_id"], activity_id, message)

    async def find_sent_ask(
        self, recipient: Recipient, ask_id: int, origin: Origin, *, reminder: bool = False
    ) -> MessageRef | None:
        """The Bot Connector cannot list what a bot posted in a chat, so a retried ask is sent again."""
        return None

    async def send_notice(self, recipient: Recipient, text: str) -> MessageRef:
        """Plain text in the person's 1:1 chat, so a deal name is never read as markdown."""
        address = await self._personal_chat(recipient.user_id)
        assert address.conversation_id is not None, "a personal chat is open once _personal_chat returns"
        message = Activity(type=ActivityTypes.message, text=fit(text), text_format=TextFormatTypes.plain)
        activity_id = await self.connector.send(address.service_url, address.conversation_id, message)
        return {
            "service_url": address.service_url,
            "conversation_id": address.conversation_id,
            "activity_id": activity_id,
        }

    async def _personal_chat(self, user_id: str) -> Address:
        """The person's 1:1 chat with the bot, opened now when only the tenant and the person are known."""
        known = await asyncio.to_thread(self._person, user_id)
        if known.conversation_id:
            return known
        bot_id = known.bot_id or f"28:{self.connector.app_id}"
        conversation_id = await self.connector.open_personal_chat(
            known.service_url, known.tenant_id or self.tenant_id, user_id, bot_id
        )
        opened = replace(known, conversation_id=conversation_id, bot_id=bot_id)
        await asyncio.to_thread(self._remember_address, user_id, opened)
        return opened

    async def _search_rosters(
        self, email: str | None, aad_object_id: str | None
    ) -> tuple[RosterMember, Address] | None:
        teams = await asyncio.to_thread(self._teams)
        for address, team_id in teams:
            try:
                roster = await self.connector.roster(address.service_url, team_id)
            except Unreachable:
                continue  # the app was removed from that team; the others may still know the person
            found = next((m for m in roster if _same_person(m, email, aad_object_id)), None)
            if found is not None:
                return found, replace(address, conversation_id=None)
        return None

    def _person(self, user_id: str) -> Address:
        with Session(self.engine) as session:
            known = person_address(session, user_id) or newest_address(session)
        if known is None:
            raise Unreachable("nobody has talked to OneScore in Teams yet, so no Teams service URL is known")
        return known

    def _teams(self) -> list[tuple[Address, str]]:
        with Session(self.engine) as session:
            return team_addresses(session)

    def _with_hints(self, member_id: int, user_id: str) -> Recipient:
        """The person with what Teams told us of their language and time zone (kept, not overwritten)."""
        with Session(self.engine) as session:
            hint = hints(session, [member_id]).get(member_id)
        return Recipient(user_id, language=hint.language if hint else None, timezone=hint.timezone if hint else None)

    def _aad_object_id(self, member_id: int) -> str | None:
        with Session(self.engine) as session:
            member = session.get(Member, member_id)
            return member.aad_object_id if member else None

    def _remember_address(self, user_id: str, address: Address) -> None:
        with session_scope(self.engine) as session:
            remember_personal_chat(session, user_id, address, self.clock.now())


def _same_person(member: RosterMember, email: str | None, aad_object_id: str | None) -> bool:
    return bool((email and member.email == email.lower()) or (aad_object_id and member.aad_object_id == aad_object_id))
