"""Keeps question rounds moving: a periodic tick, and the outbound worker that does the sending.

The tick opens new rounds, releases asks whose time has come, queues reminders and expires old
asks; it is idempotent and safe on several replicas at once. The worker sends whatever the
tick (or a member's answer) queued, and is woken at once when there is something new, so a
closed deal reaches people within seconds instead of at the next poll.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from bot.durable.jobs import JobWorker
from bot.ports import ChatPlatform
from bot.rounds.delivery import AskOutbox
from bot.rounds.own_answers import queue_snoozed_reminders
from bot.rounds.planning import open_pending_rounds
from bot.rounds.release import OUTBOUND, expire_old_asks, queue_reminders, release_due_asks
from bot.runtime import Runtime

log = logging.getLogger(__name__)

TICK_SECONDS = 10
WORKER_CONCURRENCY = 32


@dataclass
class TickReport:
    asks_created: int = 0
    released: int = 0
    reminders: int = 0
    expired: int = 0

    @property
    def queued_anything(self) -> bool:
        return bool(self.released or self.reminders or self.expired)


class AskLoop:
    """The rounds' moving parts for one process."""

    def __init__(self, runtime: Runtime, platforms: Mapping[str, ChatPlatform]) -> None:
        self.runtime = runtime
        self.platforms = dict(platforms)
        self.outbox = AskOutbox(runtime.engine, runtime.org, runtime.clock, self.platforms)
        self.worker = JobWorker(
            runtime.engine, runtime.clock, OUTBOUND, self.outbox.handlers(), concurrency=WORKER_CONCURRENCY
        )
        self._worker_task: asyncio.Task[None] | None = None

    def tick(self) -> TickReport:
        runtime, now = self.runtime, self.runtime.now()
        report = TickReport()
        report.asks_created = open_pending_rounds(runtime.engine, runtime.org, now, runtime.today())
        report.expired = expire_old_asks(runtime.engine, now)
        report.reminders = queue_reminders(runtime.engine, runtime.org, now)
        report.reminders += queue_snoozed_reminders(runtime.engine, now)
        report.released = release_due_asks(runtime.engine, runtime.org, list(self.platforms.values()), now)
        return report

    def wake(self) -> None:
        """Something was queued (an answer's card update, a saved deal's asks): send it now, not at the next poll."""
        self.worker.wake()

    async def tick_and_wake(self) -> TickReport:
        report = await asyncio.to_thread(self.tick)
        if report.queued_anything:
            self.wake()
        return report

    async def pump(self) -> TickReport:
        """One tick, then send everything due (for the CLI, tests and benchmarks)."""
        report = await asyncio.to_thread(self.tick)
        await self.worker.drain()
        return report

    def start(self) -> None:
        self._worker_task = asyncio.create_task(self.worker.run_forever(), name="outbound-worker")

    async def stop(self) -> None:
        self.worker.stop()
        if self._worker_task is not None:
            await self._worker_task
