"""The `crm` queue's worker: a claimed batch of deliveries costs three transactions, not three per job.

Why not `JobWorker`'s one-job-at-a-time handlers: on SQLite every transaction queues on one writer
lock, and recording each deal and settling each job separately caps intake well below a CRM's
bursts. Here a batch is claimed, checked against the stored deals in one read (so duplicate and
late HubSpot events skip their API call), read back from the CRMs concurrently, and then recorded
and settled in one transaction — a crash anywhere before that commit leaves every job to its lease,
so nothing is lost and nothing is recorded twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from bot.durable.jobs import JobWorker, backoff, claim
from bot.runtime import Runtime
from handlers.crm.processing import CrmProcessor, Prepared
from storage.db import run_transaction, session_scope
from storage.models import Job, JobStatus

log = logging.getLogger(__name__)

CRM_QUEUE = "crm"


def _settlement(prepared: Prepared, now: datetime) -> dict[str, Any]:
    if prepared.result is not None:
        return {"status": JobStatus.DONE.value, "finished_at": now, "result": prepared.result, "last_error": None}
    error = (prepared.failure or "unknown failure")[:2000]
    if prepared.retry_in is not None:
        return {"run_after": now + prepared.retry_in, "last_error": error}
    log.error("CRM job %s (%s) failed for good: %s", prepared.job.id, prepared.job.kind, error)
    return {"status": JobStatus.DEAD.value, "finished_at": now, "last_error": error}


class CrmWorker(JobWorker):
    def __init__(self, runtime: Runtime, processor: CrmProcessor, *, concurrency: int, poll_interval: float) -> None:
        super().__init__(
            runtime.engine,
            runtime.clock,
            CRM_QUEUE,
            {},
            concurrency=concurrency,
            poll_interval=poll_interval,
            max_attempts=processor.max_attempts,
        )
        self.processor = processor

    async def run_once(self) -> int:
        jobs = await asyncio.to_thread(claim, self.engine, self.queue, self.clock.now(), limit=self.concurrency)
        if not jobs:
            return 0
        event_times = self.processor.hubspot_event_times(jobs)
        stored = await asyncio.to_thread(self._stored_versions, list(event_times)) if event_times else {}
        batch = list(await asyncio.gather(*(self.processor.prepare(job, stored) for job in jobs)))
        try:
            await asyncio.to_thread(run_transaction, self.engine, lambda session: self._commit(session, batch))
        except Exception as exc:
            log.exception("CRM worker: recording a batch of %d failed; the jobs will be retried", len(batch))
            await asyncio.to_thread(self._retry_all, batch, f"{type(exc).__name__}: {exc}")
        return len(jobs)

    def _stored_versions(self, external_ids: list[str]) -> dict[str, datetime]:
        with session_scope(self.engine) as session:
            return self.processor.stored_versions(session, external_ids)

    def _commit(self, session: Session, batch: list[Prepared]) -> None:
        self.processor.record(session, batch)
        now = self.clock.now()
        by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for prepared in batch:
            values = {"id": prepared.job.id, "locked_until": None, **_settlement(prepared, now)}
            by_shape[tuple(sorted(values))].append(values)
        for rows in by_shape.values():
            session.execute(update(Job), rows)  # one executemany per kind of outcome

    def _retry_all(self, batch: list[Prepared], error: str) -> None:
        now = self.clock.now()
        with session_scope(self.engine) as session:
            for prepared in batch:
                when = now + backoff(prepared.job.attempts)
                session.execute(
                    update(Job)
                    .where(col(Job.id) == prepared.job.id)
                    .values(locked_until=None, run_after=when, last_error=error[:2000])
                )
