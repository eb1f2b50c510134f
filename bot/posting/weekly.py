"""The weekly post: at `schedule.weekly_scores` (default Monday 09:00, organisation time zone), the
week that just ended is posted to every `score_channels` entry — once, whatever happens.

APScheduler keeps its schedule in memory, so a process that was down at 09:00 would never learn
that it missed a run. Instead of a persistent job store (which every replica would share and
fire from), the schedule is recomputed from the organisation file, and "was the week posted?"
is answered by the database: at start-up and every few minutes, each replica asks whether a
scheduled time passed within the misfire grace, and claims that week's posts if nobody has.
A restart at 08:59 waits for 09:00; a restart at 09:30 posts at once; replicas firing together
meet on a lease and then on the posts' unique rows, so each (channel, week) is posted once.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from sqlmodel import Session, col, select

from bot.durable.leases import holder_id, release, try_acquire
from bot.durable.scheduler import MISFIRE_GRACE_SECONDS
from bot.organisation import Organisation, ScoreChannel
from bot.periods import Period, local_date
from bot.posting.posts import Claim, ClaimOutcome, ScorePoster
from bot.runtime import Runtime
from storage.models import ScorePost

log = logging.getLogger(__name__)

WEEKLY_JOB_ID = "scores.weekly"
SWEEP_JOB_ID = "scores.weekly.sweep"
LEASE_NAME = "scores.weekly"
LEASE_TTL = timedelta(minutes=2)
SWEEP_INTERVAL = timedelta(minutes=10)
GRACE = timedelta(seconds=MISFIRE_GRACE_SECONDS)


def latest_fire_time(trigger: BaseTrigger, now: datetime, grace: timedelta = GRACE) -> datetime | None:
    """The most recent time the schedule named within (now − grace, now], if any."""
    latest = None
    fire = trigger.get_next_fire_time(None, now - grace)
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return latest


def week_posted_at(fire_time: datetime, zone: ZoneInfo) -> Period:
    """The week that had ended when the schedule fired (the one before the fire's own week)."""
    return Period.containing(local_date(fire_time, zone)).previous()


def next_weekly_post(org: Organisation, now: datetime) -> datetime | None:
    """When the weekly post next goes out (None without score channels: nothing to post)."""
    if not org.score_channels:
        return None
    fire_time: datetime | None = org.weekly_trigger.get_next_fire_time(None, now)
    return fire_time


class WeeklyScores:
    def __init__(self, runtime: Runtime, poster: ScorePoster, *, holder: str | None = None) -> None:
        self.runtime = runtime
        self.poster = poster
        self.holder = holder or holder_id()

    def next_run(self) -> datetime | None:
        return next_weekly_post(self.runtime.org, self.runtime.now())

    def post_due_week(self) -> list[Claim]:
        """Claim the posts of the week whose scheduled time passed within the grace, where missing."""
        org, now = self.runtime.org, self.runtime.now()
        targets = [target for target in org.score_channels if target.platform in self.poster.channels]
        fire = latest_fire_time(org.weekly_trigger, now)
        if fire is None or not targets:
            return []
        week = week_posted_at(fire, org.zone)
        if not self._missing(targets, week):
            return []
        engine = self.runtime.engine
        if not try_acquire(engine, LEASE_NAME, self.holder, now, LEASE_TTL):
            log.info("weekly scores for %s: another replica holds the lease", week)
            return []
        try:
            log.info("weekly scores for %s (scheduled %s)", week, fire.isoformat())
            return self.poster.request(targets, week)
        finally:
            release(engine, LEASE_NAME, self.holder)

    def _missing(self, targets: list[ScoreChannel], week: Period) -> bool:
        """Whether some target has no post of `week` yet (a cheap read before any write)."""
        wanted = {(target.platform, target.channel_id) for target in targets}
        with Session(self.runtime.engine) as session:
            posted = session.exec(
                select(ScorePost.platform, ScorePost.channel_id).where(
                    col(ScorePost.period) == week.label, col(ScorePost.attempt) == 0
                )
            ).all()
        return bool(wanted - {(platform, channel) for platform, channel in posted})

    async def run(self) -> list[Claim]:
        """The scheduled job, the sweep and the start-up catch-up: all the same idempotent step.

        A failure is logged and left to the next sweep rather than raised: at start-up it must
        not keep the service from serving.
        """
        try:
            claims = await asyncio.to_thread(self.post_due_week)
        except Exception:
            log.exception("weekly scores: could not claim this week's posts; the next sweep tries again")
            return []
        if any(claim.outcome is ClaimOutcome.CLAIMED for claim in claims):
            self.poster.wake()
        return claims

    def schedule(self, scheduler: BaseScheduler) -> None:
        scheduler.add_job(self.run, trigger=self.runtime.org.weekly_trigger, id=WEEKLY_JOB_ID, replace_existing=True)
        scheduler.add_job(
            self.run,
            "interval",
            seconds=SWEEP_INTERVAL.total_seconds(),
            id=SWEEP_JOB_ID,
            replace_existing=True,
        )
