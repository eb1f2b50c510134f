"""Work a chat request leads to but its acknowledgement must not wait for.

Slack wants an answer within 3 seconds and retries a request it thinks was missed, so a listener
acknowledges first and hands the rest (a modal to open, a reply, App Home) to `AfterAck`. At most
`limit` such jobs run at once: under a burst, acknowledging new requests is not queued behind the
work of earlier ones, and the backlog drains afterwards in arrival order. Urgent jobs (opening a
modal, whose `trigger_id` expires 3 seconds after the click) have slots of their own, so replies
stuck on a slow Slack never hold them up. A job becomes a task only when it starts, and running
tasks are kept referenced until done (the event loop holds only weak references). `drain` lets
shutdown and tests wait for all of it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 8

Job = tuple[Coroutine[Any, Any, object], str]


class AfterAck:
    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._limit = limit
        self._urgent: deque[Job] = deque()
        self._waiting: deque[Job] = deque()
        self._running_urgent: set[asyncio.Task[None]] = set()
        self._running: set[asyncio.Task[None]] = set()

    def run(self, work: Coroutine[Any, Any, object], name: str, *, urgent: bool = False) -> None:
        """Run `work` when a slot is free; a failure is logged, since nobody is left to tell."""
        (self._urgent if urgent else self._waiting).append((work, name))
        self._start_waiting()

    @property
    def pending(self) -> int:
        return len(self._urgent) + len(self._waiting) + len(self._running_urgent) + len(self._running)

    async def drain(self, timeout: float | None = None) -> None:
        """Wait until every job handed over so far, and any job those hand over, has finished.

        Jobs still waiting when `timeout` runs out are dropped with a warning (at shutdown)."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while running := self._running_urgent | self._running:
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                self._give_up()
                return
            await asyncio.wait(running, timeout=left)

    def _start_waiting(self) -> None:
        for queue, running in ((self._urgent, self._running_urgent), (self._waiting, self._running)):
            while queue and len(running) < self._limit:
                work, name = queue.popleft()
                task = asyncio.get_running_loop().create_task(self._guarded(work, name), name=name)
                running.add(task)
                task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running_urgent.discard(task)
        self._running.discard(task)
        self._start_waiting()

    def _give_up(self) -> None:
        log.warning("%d jobs after acknowledgement unfinished at shutdown", self.pending)
        for work, _name in (*self._urgent, *self._waiting):
            work.close()
        self._urgent.clear()
        self._waiting.clear()

    @staticmethod
    async def _guarded(work: Coroutine[Any, Any, object], name: str) -> None:
        try:
            await work
        except Exception:
            log.exception("%s failed after it was acknowledged", name)
