"""The outbound queue's handlers: deliver an ask, remind about it, refresh its message.

Each job re-reads the ask before acting, so a job that waited (a 429, an outage, a restart) never
sends something that stopped being true: an ask answered meanwhile is not delivered, a deal
reopened meanwhile is not asked about. After an attempt whose outcome is unknown (`Unconfirmed`: a
timeout can hide a delivered message) the platform is asked whether it got through after all, before
anything is sent again; after a clean refusal (a 429, our own pacing) nothing can have landed, so
nobody looks. The look-up adopts only what this installation sent for this ask (`Origin`).

Platform trouble is read by the queue (`bot.durable.jobs.queue_outcome`): `RateLimited` waits
exactly as long as the platform said, anything unknown is retried with backoff (an `Unconfirmed`
one marked ambiguous on the job). Only `Unreachable` is handled here: a delivery parks the ask for
a day (the person may get an account), a reminder is skipped.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock import Clock
from bot.durable.jobs import Handler
from bot.organisation import Organisation
from bot.people.contacts import contact, remember_recipient, stored_recipient
from bot.people.profile import member_profile
from bot.ports import (
    AskCard,
    ChatPlatform,
    Contact,
    MessageRef,
    Origin,
    Recipient,
    Unreachable,
)
from bot.rounds.cards import ask_card
from bot.rounds.planning import question_for
from bot.rounds.release import ASK_LIFETIME, expire, is_current, request_update
from storage.db import run_transaction, session_scope
from storage.installation import installation_id
from storage.models import Ask, AskStatus, Deal, Job, Member, Team

log = logging.getLogger(__name__)

UNREACHABLE_RETRY = timedelta(days=1)
Result = dict[str, Any]


class AskOutbox:
    """Runs the outbound jobs about asks against the configured platforms."""

    def __init__(self, engine: Engine, org: Organisation, clock: Clock, platforms: Mapping[str, ChatPlatform]) -> None:
        self.engine = engine
        self.org = org
        self.clock = clock
        self.platforms = platforms
        self._lookups: defaultdict[tuple[str, int], asyncio.Lock] = defaultdict(asyncio.Lock)

    def handlers(self) -> dict[str, Handler]:
        return {"ask.deliver": self.deliver, "ask.remind": self.remind, "ask.update": self.update}

    async def deliver(self, job: Job) -> Result:
        ask_id = job.payload["ask_id"]
        state = await asyncio.to_thread(self._deliverable, ask_id)
        if isinstance(state, str):
            return {"skipped": state}
        platform = state
        try:
            recipient = await self._recipient(platform, ask_id)
            origin = await asyncio.to_thread(self._origin, ask_id, reminder=False)
            found = await look_first(job, lambda: platform.find_sent_ask(recipient, ask_id, origin))
            if found is not None:
                await asyncio.to_thread(self._delivered, ask_id, found)
                return {"found": found}
            card = await asyncio.to_thread(self._card_for_delivery, ask_id)
            if isinstance(card, datetime):
                return {"deferred": f"outside the member's ask hours until {card.isoformat()}"}
            ref = await platform.send_ask(recipient, card, origin)
        except Unreachable as exc:
            await asyncio.to_thread(self._park_unreachable, ask_id, str(exc))
            return {"skipped": f"unreachable: {exc}"}
        await asyncio.to_thread(self._delivered, ask_id, ref)
        return {"sent": ref}

    async def remind(self, job: Job) -> Result:
        ask_id = job.payload["ask_id"]
        loaded = await asyncio.to_thread(self._pending_with_message, ask_id)
        if isinstance(loaded, str):
            return {"skipped": loaded}
        platform, sent = loaded
        try:
            recipient = await self._recipient(platform, ask_id)
            origin = await asyncio.to_thread(self._origin, ask_id, reminder=True)
            found = await look_first(job, lambda: platform.find_sent_ask(recipient, ask_id, origin, reminder=True))
            if found is not None:
                ref = {**sent, "reminders": [*sent.get("reminders", []), found["ts"]]}
                await asyncio.to_thread(self._store_ref, ask_id, ref)
                return {"found": ref}
            card = await asyncio.to_thread(self._card, ask_id)
            ref = await platform.send_reminder(recipient, card, sent, origin)
        except Unreachable as exc:
            return {"skipped": f"unreachable: {exc}"}
        await asyncio.to_thread(self._store_ref, ask_id, ref)
        return {"reminded": ref}

    async def update(self, job: Job) -> Result:
        loaded = await asyncio.to_thread(self._delivered_message, job.payload["ask_id"])
        if loaded is None:
            return {"skipped": "not delivered"}
        platform, sent, card = loaded
        await platform.update_ask(sent, card)
        return {"updated": card.status}

    def _delivered_message(self, ask_id: int) -> tuple[ChatPlatform, MessageRef, AskCard] | None:
        with Session(self.engine) as session:
            ask = session.get(Ask, ask_id)
            if ask is None or ask.message_ref is None or ask.platform is None or ask.platform not in self.platforms:
                return None
            return self.platforms[ask.platform], ask.message_ref, ask_card(session, ask, self.org)

    def _deliverable(self, ask_id: int) -> ChatPlatform | str:
        with session_scope(self.engine) as session:
            ask = session.get(Ask, ask_id)
            if ask is None:
                return "ask deleted"
            if ask.status != AskStatus.PENDING.value or ask.sent_at is not None:
                return f"ask is {ask.status}" if ask.sent_at is None else "already sent"
            if not is_current(session, ask):
                expire(session, ask, self.clock.now())
                return "deal reopened"
            member = session.get(Member, ask.member_id)
            if member is not None and not member.active:
                expire(session, ask, self.clock.now())
                return "member is no longer on the platform"
            if ask.platform is None or ask.platform not in self.platforms:
                reason = f"platform {ask.platform} is off"
                ask.platform = None
                session.add(ask)
                return reason
            return self.platforms[ask.platform]

    def _pending_with_message(self, ask_id: int) -> tuple[ChatPlatform, MessageRef] | str:
        with session_scope(self.engine) as session:
            ask = session.get(Ask, ask_id)
            if ask is None or ask.status != AskStatus.PENDING.value or ask.message_ref is None:
                return "not pending"
            if not is_current(session, ask):
                expire(session, ask, self.clock.now())
                return "deal reopened"
            if ask.platform is None or ask.platform not in self.platforms:
                return f"platform {ask.platform} is off"
            return self.platforms[ask.platform], ask.message_ref

    async def _recipient(self, platform: ChatPlatform, ask_id: int) -> Recipient:
        member_id = await asyncio.to_thread(self._member_of, ask_id)
        return await self.recipient(platform, member_id)

    async def recipient(self, platform: ChatPlatform, member_id: int) -> Recipient:
        """The member on the platform: remembered, else looked up once and remembered.

        Many messages to one new person are delivered side by side; the lock makes them wait for the
        first look-up instead of each asking the platform who that person is.
        """
        async with self._lookups[(platform.name, member_id)]:
            known, who = await asyncio.to_thread(self._known_recipient, platform.name, member_id)
            if known is not None:
                return known
            found = await platform.find_recipient(who)
            await asyncio.to_thread(self._remember, platform.name, member_id, found)
            return found

    def _origin(self, ask_id: int, *, reminder: bool) -> Origin:
        """A reminder can only exist after the ask was sent; the ask itself after it was created."""
        with session_scope(self.engine) as session:
            ask = session.get(Ask, ask_id)
            assert ask is not None
            since = (ask.sent_at or ask.created_at) if reminder else ask.created_at
            return Origin(installation=installation_id(session, self.clock.now()), since=since)

    def _member_of(self, ask_id: int) -> int:
        with Session(self.engine) as session:
            ask = session.get(Ask, ask_id)
            assert ask is not None
            return ask.member_id

    def _known_recipient(self, platform: str, member_id: int) -> tuple[Recipient | None, Contact]:
        with Session(self.engine) as session:
            member = session.get(Member, member_id)
            assert member is not None
            return stored_recipient(session, platform, member_id), contact(member, platform)

    def _remember(self, platform: str, member_id: int, recipient: Recipient) -> None:
        """Two asks to the same new person may race here; the loser finds the winner's row."""

        def work(session: Session) -> None:
            member = session.get(Member, member_id)
            assert member is not None
            remember_recipient(session, platform, member, recipient, self.clock.now())
            member.unreachable_reason = None
            session.add(member)

        run_transaction(self.engine, work)

    def _park_unreachable(self, ask_id: int, reason: str) -> None:
        now = self.clock.now()
        with session_scope(self.engine) as session:
            ask = session.get(Ask, ask_id)
            member = session.get(Member, ask.member_id) if ask else None
            assert ask is not None and member is not None
            log.warning("ask %s: member %s cannot be reached on %s: %s", ask_id, member.id, ask.platform, reason)
            member.unreachable_reason = reason
            ask.platform = None
            ask.deliver_after = now + UNREACHABLE_RETRY
            ask.updated_at = now
            session.add_all([member, ask])

    def _card_for_delivery(self, ask_id: int) -> AskCard | datetime:
        """The card in the language now known (the stored question becomes the words actually
        sent); or, outside the member's ask hours as they stand now, when those next open.

        A member's first ask is released on the organisation's clock, because their own time zone
        is learned only in the platform look-up just made; and a job held up by rate limits or an
        outage may run after the hours have closed. Either way the ask goes back to wait, so it is
        released again (and counted against the week) when the member's hours open."""
        now = self.clock.now()
        with session_scope(self.engine) as session:
            ask = session.get(Ask, ask_id)
            assert ask is not None
            member, deal = session.get(Member, ask.member_id), session.get(Deal, ask.deal_id)
            team = session.get(Team, ask.helping_team_id) if ask.helping_team_id else None
            assert member is not None and deal is not None
            profile = member_profile(session, member, self.org)
            cal = profile.calendar
            if not cal.is_open(now):
                ask.platform, ask.deliver_after, ask.updated_at = None, cal.next_open(now), now
                session.add(ask)
                return ask.deliver_after
            if team is not None and deal.stage in ("won", "lost"):
                ask.question_key, ask.question = question_for(
                    session, deal, deal.stage, member, team, self.org, profile.language
                )
                session.add(ask)
                session.flush()
            return ask_card(session, ask, self.org, profile)

    def _card(self, ask_id: int) -> AskCard:
        with Session(self.engine) as session:
            ask = session.get(Ask, ask_id)
            assert ask is not None
            return ask_card(session, ask, self.org)

    def _delivered(self, ask_id: int, ref: MessageRef) -> None:
        now = self.clock.now()
        with session_scope(self.engine) as session:
            ask = session.get(Ask, ask_id)
            assert ask is not None
            ask.sent_at = now
            ask.expires_at = now + ASK_LIFETIME
            ask.message_ref = ref
            ask.updated_at = now
            session.add(ask)
            if ask.status != AskStatus.PENDING.value:
                request_update(session, ask, now)

    def _store_ref(self, ask_id: int, ref: MessageRef) -> None:
        with session_scope(self.engine) as session:
            ask = session.get(Ask, ask_id)
            assert ask is not None
            ask.message_ref = ref
            session.add(ask)


async def look_first(job: Job, look: Callable[[], Awaitable[MessageRef | None]]) -> MessageRef | None:
    """Look for what an earlier attempt may have delivered, only when that attempt's outcome was
    unknown; once looked, the doubt is settled, so a clean refusal later does not make us look again."""
    if not job.last_failure_ambiguous:
        return None
    found = await look()
    job.last_failure_ambiguous = False
    return found
