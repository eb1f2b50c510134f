"""The in-process scheduler (APScheduler 3.x).

Jobs are registered with explicit ids and `replace_existing=True`; `coalesce` folds a backlog of
missed runs into one and `misfire_grace_time` lets a run that was due during a short restart still
happen. Exactly-once effects (a weekly post) never rely on the scheduler alone: they claim a unique
row in the database before acting, whatever fired them.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

MISFIRE_GRACE_SECONDS = 6 * 3600


def build_scheduler(zone: ZoneInfo) -> AsyncIOScheduler:
    return AsyncIOScheduler(
        timezone=zone,
        job_defaults={"coalesce": True, "misfire_grace_time": MISFIRE_GRACE_SECONDS, "max_instances": 1},
    )


# APScheduler logs "Running job" and "executed successfully" at INFO for every run: with a 10 s tick
# that is 17,000 lines a day saying nothing. Errors, misfires and missed runs are WARNING or above.
ROUTINE_JOB_LOGGERS = ("apscheduler.executors", "apscheduler.scheduler")


def quiet_routine_job_logs(level: str) -> None:
    """Keep the log to what happened; at DEBUG the operator asked for everything, ticks included."""
    if level.strip().upper() == "DEBUG":
        return
    for name in ROUTINE_JOB_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
