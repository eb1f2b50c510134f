"""The `admin_notices` queue's worker: each notice reaches every admin once, in chat.

A notice fans out into one `notice.send` job per admin, enqueued with a dedupe key of (notice,
admin) in one transaction. Each admin's delivery is then retried, rate-limited or skipped on its
own: a Slack outage for one admin never resends the notice to another who already has it, and
running the fan-out again (a crash before its job was marked done) adds no second delivery.
Admins are the organisation file's, so someone removed from it stops hearing about problems.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from bot.durable.jobs import JobWorker, RetryLater, enqueue
from bot.notices.store import ADMIN_NOTICES_QUEUE, CRM_OWNER_UNMATCHED
from bot.organisation import Role
from bot.people.directory import members_by_email
from bot.people.profile import member_profile
from bot.ports import ChatPlatform, Recipient, Unreachable
from bot.rounds.release import platform_for
from bot.runtime import Runtime
from prompts import message
from storage.db import session_scope
from storage.models import Job, Member

log = logging.getLogger(__name__)

NOTICE_KINDS = (CRM_OWNER_UNMATCHED,)
SEND = "notice.send"
NO_ADMIN_RETRY = timedelta(hours=1)
CONCURRENCY = 4

Result = dict[str, Any]
FindRecipient = Callable[[ChatPlatform, int], Awaitable[Recipient]]


class AdminNotices:
    """Sends queued notices to the organisation's admins on the platform that reaches each of them."""

    def __init__(self, runtime: Runtime, platforms: Mapping[str, ChatPlatform], find_recipient: FindRecipient) -> None:
        self.runtime = runtime
        self.platforms = list(platforms.values())
        self.find_recipient = find_recipient
        handlers = {kind: self.fan_out for kind in NOTICE_KINDS} | {SEND: self.send}
        self.worker = JobWorker(runtime.engine, runtime.clock, ADMIN_NOTICES_QUEUE, handlers, concurrency=CONCURRENCY)
        self._task: asyncio.Task[None] | None = None

    async def fan_out(self, job: Job) -> Result:
        admins = await asyncio.to_thread(self._fan_out, job)
        if not admins:
            # Kept, not dropped: the admin named in the organisation file later still hears it.
            raise RetryLater(NO_ADMIN_RETRY, "the organisation file names no admin to tell")
        self.worker.wake()
        return {"admins": admins}

    def _fan_out(self, job: Job) -> list[int]:
        emails = [entry.email for entry in self.runtime.org.members if entry.role == Role.ADMIN]
        with session_scope(self.runtime.engine) as session:
            admins = sorted(m.id for m in members_by_email(session, emails).values() if m.id is not None)
            for member_id in admins:
                enqueue(
                    session,
                    queue=ADMIN_NOTICES_QUEUE,
                    kind=SEND,
                    payload={"notice_id": job.id, "member_id": member_id, **_wording(job.payload)},
                    now=self.runtime.now(),
                    dedupe_key=f"notice:{job.id}:to:{member_id}",
                )
        return admins

    async def send(self, job: Job) -> Result:
        """One admin's copy; an unreachable admin is skipped, the rest is the queue's to read (a 429 waits)."""
        member_id = job.payload["member_id"]
        platform = await asyncio.to_thread(self._platform_of, member_id)
        if platform is None:
            log.warning("admin notice %s: no chat platform reaches member %s", job.payload["notice_id"], member_id)
            return {"skipped": "no chat platform reaches them"}
        try:
            recipient = await self.find_recipient(platform, member_id)
            text = await asyncio.to_thread(self._text_for, member_id, job.payload)
            sent = await platform.send_notice(recipient, text)
        except Unreachable as exc:
            notice = job.payload["notice_id"]
            log.warning("admin notice %s: member %s cannot be reached on %s: %s", notice, member_id, platform.name, exc)
            return {"skipped": f"unreachable on {platform.name}: {exc}"}
        return {"platform": platform.name, "sent": sent}

    def _platform_of(self, member_id: int) -> ChatPlatform | None:
        with Session(self.runtime.engine) as session:
            member = session.get(Member, member_id)
            return platform_for(member, self.platforms) if member is not None else None

    def _text_for(self, member_id: int, payload: dict[str, Any]) -> str:
        """The notice in the admin's language (a notice queued by an older version carries its text)."""
        if "message" not in payload:
            text: str = payload["text"]
            return text
        with Session(self.runtime.engine) as session:
            member = session.get(Member, member_id)
            assert member is not None
            language = member_profile(session, member, self.runtime.org).language
        return message(language, payload["message"], **payload["values"])

    async def drain(self) -> None:
        """Send every notice due now (for tests and the CLI)."""
        await self.worker.drain()

    def start(self) -> None:
        self._task = asyncio.create_task(self.worker.run_forever(), name="admin-notice-worker")

    async def stop(self) -> None:
        self.worker.stop()
        if self._task is not None:
            await self._task


def _wording(notice: dict[str, Any]) -> dict[str, Any]:
    return {key: notice[key] for key in ("message", "values", "text") if key in notice}
