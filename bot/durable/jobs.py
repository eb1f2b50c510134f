"""A durable job queue in the database: outgoing chat messages, CRM deliveries to process.

Why not in memory: a crash, a restart or a chat-platform outage must lose nothing and send nothing
twice. A job is claimed with a lease (so several replicas can share the table and a crashed
worker's job comes back), retried with backoff or at the time a platform's `Retry-After` names,
and kept as a record once done. Enqueuing with a `dedupe_key` already used is a no-op.

A handler may raise the queue's own signals (`RetryLater`, `PermanentFailure`, `AmbiguousFailure`)
or let a chat port's errors (`bot.ports`) through: `queue_outcome` reads the latter the same way
for every queue, so an ask, an admin's notice and a scorecard post wait, give up or look first alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.clock import Clock
from bot.ports import RateLimited, Refused, Unconfirmed, Unreachable
from storage.db import session_scope
from storage.models import Job, JobStatus

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 12
MAX_BACKOFF = timedelta(hours=1)


class RetryLater(Exception):
    """Raised by a handler when the work must wait, e.g. a 429 with Retry-After."""

    def __init__(self, delay: timedelta, reason: str) -> None:
        super().__init__(reason)
        self.delay = delay


class PermanentFailure(Exception):
    """Raised by a handler when retrying cannot help (the job is kept, marked dead, and logged)."""


class AmbiguousFailure(Exception):
    """Raised by a handler when its request may have taken effect (a timeout, a dropped connection,
    a 5xx after sending): retried with backoff, and the job remembers it, so the next attempt looks
    for what may have landed before it acts again — and only then, not after every clean refusal."""


Handler = Callable[[Job], Awaitable[dict[str, Any] | None]]


def queue_outcome(exc: Exception) -> Exception:
    """A chat port's error as the queue's signal: a 429 waits as long as the platform said; a refusal,
    or a person or channel the caller did not park, is final (resending the same request cannot
    help); an unknown outcome is retried looking first. Anything else stays itself (backoff)."""
    if isinstance(exc, RateLimited):
        return RetryLater(exc.retry_after, str(exc))
    if isinstance(exc, Refused | Unreachable):
        return PermanentFailure(str(exc))
    if isinstance(exc, Unconfirmed):
        return AmbiguousFailure(str(exc))
    return exc


def enqueue(
    session: Session,
    *,
    queue: str,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    dedupe_key: str | None = None,
    run_after: datetime | None = None,
) -> bool:
    """Add a job in the caller's transaction; False when `dedupe_key` was already used.

    RETURNING tells whether the row went in: psycopg reports rowcount -1 for ON CONFLICT DO NOTHING.
    """
    values = {
        "queue": queue,
        "kind": kind,
        "payload": payload,
        "dedupe_key": dedupe_key,
        "status": JobStatus.PENDING.value,
        "attempts": 0,
        "run_after": run_after or now,
        "created_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(Job).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(col(Job.id))
    )
    return session.execute(statement).first() is not None


def backoff(attempts: int) -> timedelta:
    """Exponential with jitter, so a platform recovering from an outage is not hit by a wall of retries."""
    base = min(MAX_BACKOFF.total_seconds(), 2 ** min(attempts, 20))
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


def claim(engine: Engine, queue: str, now: datetime, *, limit: int = 10, lease: timedelta = LEASE) -> list[Job]:
    """Take up to `limit` due jobs, leasing them so no other worker or replica runs them meanwhile.

    A job whose lease ran out is one whose last attempt never settled (the process died or hung
    mid-call): what it did is unknown, so it counts as an ambiguous failure."""
    with session_scope(engine) as session:
        query = (
            select(Job)
            .where(
                Job.queue == queue,
                Job.status == JobStatus.PENDING.value,
                col(Job.run_after) <= now,
                or_(col(Job.locked_until).is_(None), col(Job.locked_until) <= now),
            )
            .order_by(col(Job.run_after), col(Job.id))
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        jobs = list(session.exec(query).all())
        for job in jobs:
            job.last_failure_ambiguous = job.last_failure_ambiguous or job.locked_until is not None
            job.locked_until = now + lease
            job.attempts += 1
            session.add(job)
        return jobs


def _settle(engine: Engine, job_id: int, **values: Any) -> None:
    with session_scope(engine) as session:
        session.execute(update(Job).where(col(Job.id) == job_id).values(locked_until=None, **values))


def finish(engine: Engine, job: Job, now: datetime, result: dict[str, Any] | None) -> None:
    _settle(engine, job.id, status=JobStatus.DONE.value, finished_at=now, result=result, last_error=None)  # type: ignore[arg-type]


def retry_at(engine: Engine, job: Job, when: datetime, error: str, *, ambiguous: bool | None = None) -> None:
    """Run again at `when`; `ambiguous` None keeps what the handler left in `job.last_failure_ambiguous`
    (it clears it once it has looked), so a clean refusal after an unresolved doubt keeps the doubt."""
    flag = job.last_failure_ambiguous if ambiguous is None else ambiguous
    _settle(engine, job.id, run_after=when, last_error=error[:2000], last_failure_ambiguous=flag)  # type: ignore[arg-type]


def bury(engine: Engine, job: Job, now: datetime, error: str) -> None:
    _settle(engine, job.id, status=JobStatus.DEAD.value, finished_at=now, last_error=error[:2000])  # type: ignore[arg-type]


class JobWorker:
    """Runs one queue's jobs in this process: polls the table, and wakes early when told."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        queue: str,
        handlers: Mapping[str, Handler],
        *,
        concurrency: int = 4,
        poll_interval: float = 1.0,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.queue = queue
        self.handlers = handlers
        self.concurrency = concurrency
        self.poll_interval = poll_interval
        self.max_attempts = max_attempts
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run_forever(self) -> None:
        while not self._stopping:
            try:
                handled = await self.run_once()
            except Exception:
                log.exception("queue %s: the worker loop failed; trying again shortly", self.queue)
                handled = 0
            if handled == 0 and not self._stopping:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)

    async def run_once(self) -> int:
        """Run every job that is due now; returns how many were attempted."""
        jobs = await asyncio.to_thread(claim, self.engine, self.queue, self.clock.now(), limit=self.concurrency)
        if jobs:
            await asyncio.gather(*(self._run(job) for job in jobs))
        return len(jobs)

    async def drain(self, *, max_rounds: int = 10_000) -> None:
        """Run until nothing is due (for the CLI and tests; retries scheduled later stay queued)."""
        for _ in range(max_rounds):
            if await self.run_once() == 0:
                return

    async def _run(self, job: Job) -> None:
        handler = self.handlers.get(job.kind)
        now = self.clock.now
        if handler is None:
            await asyncio.to_thread(bury, self.engine, job, now(), f"no handler for job kind {job.kind!r}")
            return
        try:
            result = await handler(job)
        except Exception as exc:
            await self._settle_failure(job, queue_outcome(exc))
        else:
            await asyncio.to_thread(finish, self.engine, job, now(), result)

    async def _settle_failure(self, job: Job, outcome: Exception) -> None:
        now = self.clock.now
        if isinstance(outcome, RetryLater):
            await asyncio.to_thread(retry_at, self.engine, job, now() + outcome.delay, str(outcome))
        elif isinstance(outcome, PermanentFailure):
            log.error("queue %s: job %s (%s) failed for good: %s", self.queue, job.id, job.kind, outcome)
            await asyncio.to_thread(bury, self.engine, job, now(), str(outcome))
        else:
            await self._failed(job, outcome)

    async def _failed(self, job: Job, exc: Exception) -> None:
        """Retry with backoff until `max_attempts`; an `AmbiguousFailure` is remembered on the job."""
        now = self.clock.now
        error = f"{type(exc).__name__}: {exc}"
        if job.attempts >= self.max_attempts:
            log.error(
                "queue %s: job %s (%s) gave up after %d attempts: %s", self.queue, job.id, job.kind, job.attempts, error
            )
            await asyncio.to_thread(bury, self.engine, job, now(), error)
            return
        log.warning("queue %s: job %s (%s) will be retried: %s", self.queue, job.id, job.kind, error)
        ambiguous = True if isinstance(exc, AmbiguousFailure) else None
        await asyncio.to_thread(retry_at, self.engine, job, now() + backoff(job.attempts), error, ambiguous=ambiguous)
