"""Committing webhook deliveries to the `crm` queue, many requests per transaction ("group commit").

A CRM that sends one delivery per request (Pipedrive, HubSpot workflows) would otherwise cost one
transaction per request, and on SQLite every transaction queues on one writer lock. Here a request
waits only for the transaction that includes it: alone on a quiet service, it is committed at once;
under a burst, the requests that arrived while one commit ran share the next.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from datetime import datetime
from functools import partial

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from handlers.crm.common import Delivery
from storage.db import run_transaction
from storage.models import Job, JobStatus

ROWS_PER_STATEMENT = 500


def bounded_key(key: str) -> str:
    """The jobs table holds 255 characters; a longer key is shortened by hashing, never by cutting."""
    if len(key) <= 255:
        return key
    return f"{key[:180]}#{hashlib.sha256(key.encode()).hexdigest()}"


def _insert(session: Session, *, queue: str, deliveries: list[Delivery], now: datetime) -> set[str]:
    """Insert the deliveries not queued before; returns the dedupe keys that were new."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    rows = [
        {
            "queue": queue,
            "kind": delivery.kind,
            "payload": delivery.payload,
            "dedupe_key": bounded_key(delivery.dedupe_key),
            "status": JobStatus.PENDING.value,
            "attempts": 0,
            "run_after": now,
            "created_at": now,
        }
        for delivery in deliveries
    ]
    new: set[str] = set()
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        statement = (
            insert(Job)
            .values(rows[start : start + ROWS_PER_STATEMENT])
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(col(Job.dedupe_key))
        )
        new.update(key for (key,) in session.execute(statement).all())
    return new


class Inbox:
    def __init__(self, engine: Engine, queue: str, clock: Callable[[], datetime], on_new: Callable[[], None]):
        self.engine = engine
        self.queue = queue
        self.clock = clock
        self.on_new = on_new
        self._waiting: list[tuple[list[Delivery], asyncio.Future[int]]] = []
        self._committer: asyncio.Task[None] | None = None

    async def put(self, deliveries: list[Delivery]) -> int:
        """Return once the deliveries are committed: how many of them were not queued before."""
        if not deliveries:
            return 0
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting.append((deliveries, future))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_waiting())
        return await future

    async def _commit_waiting(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting, []
            deliveries = [delivery for batch, _ in group for delivery in batch]
            work = partial(_insert, queue=self.queue, deliveries=deliveries, now=self.clock())
            try:
                new = await asyncio.to_thread(run_transaction, self.engine, work)
            except Exception as exc:
                for _batch, future in group:
                    if not future.done():
                        future.set_exception(exc)
                continue
            if new:
                self.on_new()
            for batch, future in group:
                if not future.done():
                    future.set_result(len({bounded_key(delivery.dedupe_key) for delivery in batch} & new))
