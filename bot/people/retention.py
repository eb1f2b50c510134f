"""`retention:` in the organisation file: answers' free text older than the period is erased, nightly.

Only the words go. The answer's (deal, helping team, impact) stays, so every scorecard keeps its
figures; a text erased no longer shows as a highlight. One replica does it (a lease), though two
doing it at once would only erase the same texts twice; each night's erasure leaves one audit row
naming nobody.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import update
from sqlmodel import col

from bot.durable.leases import holder_id, release, try_acquire
from bot.people.personal_data import ERASED_TEXT
from bot.runtime import Runtime
from storage.db import session_scope
from storage.models import Answer, Erasure

log = logging.getLogger(__name__)

JOB_ID = "retention.nightly"
LEASE_NAME = "retention.nightly"
LEASE_TTL = timedelta(minutes=10)
NIGHTLY_AT = {"hour": 3, "minute": 30}
"""In the organisation's time zone: the quietest hour for a bulk UPDATE."""


class Retention:
    def __init__(self, runtime: Runtime, *, holder: str | None = None) -> None:
        self.runtime = runtime
        self.holder = holder or holder_id()

    def erase_expired_texts(self) -> int:
        """Erase the texts past the period; how many answers lost theirs (0 with `never`, or off-lease)."""
        period = self.runtime.org.retention_period
        if period is None:
            return 0
        engine, now = self.runtime.engine, self.runtime.now()
        if not try_acquire(engine, LEASE_NAME, self.holder, now, LEASE_TTL):
            log.info("retention: another replica holds the lease")
            return 0
        try:
            return _erase_before(self.runtime, period.cutoff(now), now)
        finally:
            release(engine, LEASE_NAME, self.holder)

    async def run(self) -> int:
        """The scheduled job: a failure is logged and left to the next night, never raised."""
        try:
            return await asyncio.to_thread(self.erase_expired_texts)
        except Exception:
            log.exception("retention: could not erase old answers' text; tomorrow's run tries again")
            return 0

    def schedule(self, scheduler: BaseScheduler) -> None:
        scheduler.add_job(self.run, "cron", id=JOB_ID, replace_existing=True, **NIGHTLY_AT)


def _erase_before(runtime: Runtime, cutoff: datetime, now: datetime) -> int:
    with session_scope(runtime.engine) as session:
        result = session.execute(
            update(Answer)
            .where(col(Answer.answered_at) < cutoff, col(Answer.text) != ERASED_TEXT)
            .values(text=ERASED_TEXT, quotable=False, updated_at=now)
        )
        erased = int(result.rowcount)  # type: ignore[attr-defined]
        if erased:
            erasure = Erasure(erased_at=now, kind="retention", actor="schedule", rows=erased)
            session.add(erasure)
            session.flush()
            log.info(
                "erasure %s: the text of %d answers older than %s was erased (retention: %s)",
                erasure.id,
                erased,
                cutoff.date().isoformat(),
                runtime.org.retention,
            )
    return erased
