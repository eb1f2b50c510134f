"""The weekly post with a controllable clock: the schedule, the catch-up after a restart, failures
retried through the queue, `--force`, and two replicas on one database posting exactly once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlmodel import Session, select

from bot.clock import ManualClock
from bot.durable.jobs import PermanentFailure, RetryLater
from bot.durable.leases import release, try_acquire
from bot.organisation import parse_organisation
from bot.periods import Period
from bot.ports import MessageRef
from bot.posting.posts import ClaimOutcome, PostStatus, ScorePoster
from bot.posting.weekly import SWEEP_JOB_ID, WEEKLY_JOB_ID, WeeklyScores, latest_fire_time, week_posted_at
from bot.runtime import Runtime
from bot.scoring.view import ChartImage, ScorecardView
from bot.settings import Settings
from storage.models import Job, ScorePost
from tests.conftest import ORG_YAML

HELSINKI_MONDAY_0900 = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # EET is UTC+2
CHANNELS = "score_channels:\n  - {slack: C0ONE}\n  - {slack: C0TWO}\n  - {teams: '19:abc@thread.tacv2'}\n"


pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def org_yaml() -> str:
    return ORG_YAML + CHANNELS


class RecordingChannel:
    """Stands in for a chat platform: keeps every post and chart; can fail or ask to wait first."""

    name = "slack"

    def __init__(self) -> None:
        self.posts: list[tuple[str, ScorecardView]] = []
        self.charts: list[tuple[str, ChartImage, MessageRef]] = []
        self.failures: list[Exception] = []
        self.chart_failures: list[Exception] = []
        self._lock = threading.Lock()

    async def post_scorecard(self, channel_id: str, view: ScorecardView) -> MessageRef:
        if self.failures:
            raise self.failures.pop(0)
        with self._lock:
            self.posts.append((channel_id, view))
            return {"channel": channel_id, "ts": f"{len(self.posts)}.0001"}

    async def post_chart(self, channel_id: str, chart: ChartImage, card: MessageRef) -> MessageRef:
        if self.chart_failures:
            raise self.chart_failures.pop(0)
        with self._lock:
            self.charts.append((channel_id, chart, card))
            return {"file": f"F{len(self.charts)}"}

    async def find_posted_scorecard(self, channel_id: str, post_key: str, since: datetime) -> MessageRef | None:
        """Failures here happen before anything is posted, so there is never a card to find."""
        return None

    def posted(self) -> list[tuple[str, str]]:
        return sorted((channel, view.scorecard.period) for channel, view in self.posts)


@pytest.fixture
def channel() -> RecordingChannel:
    return RecordingChannel()


def replica(runtime: Runtime, channel: RecordingChannel) -> tuple[WeeklyScores, ScorePoster]:
    poster = ScorePoster(runtime, {"slack": channel})
    return WeeklyScores(runtime, poster), poster


@pytest.fixture
def synced(runtime: Runtime) -> Runtime:
    runtime.sync_organisation()
    return runtime


def posts(runtime: Runtime) -> list[ScorePost]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(ScorePost).order_by(ScorePost.channel_id, ScorePost.attempt)).all())


# --- when the schedule fires, and which week it posts ---------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (HELSINKI_MONDAY_0900 - timedelta(minutes=1), None),
        (HELSINKI_MONDAY_0900, HELSINKI_MONDAY_0900),
        (HELSINKI_MONDAY_0900 + timedelta(minutes=30), HELSINKI_MONDAY_0900),
        (HELSINKI_MONDAY_0900 + timedelta(hours=6), HELSINKI_MONDAY_0900),
        (HELSINKI_MONDAY_0900 + timedelta(hours=6, seconds=1), None),
    ],
)
def test_the_latest_fire_time_within_the_grace(now: datetime, expected: datetime | None) -> None:
    trigger = parse_organisation({"timezone": "Europe/Helsinki"}, "t").weekly_trigger
    assert latest_fire_time(trigger, now) == expected


def test_the_schedule_follows_local_time_across_dst() -> None:
    org = parse_organisation({"timezone": "Europe/Helsinki"}, "t")
    before = org.weekly_trigger.get_next_fire_time(None, datetime(2026, 3, 20, tzinfo=UTC))
    after = org.weekly_trigger.get_next_fire_time(None, datetime(2026, 3, 27, tzinfo=UTC))
    assert before == datetime(2026, 3, 23, 7, 0, tzinfo=UTC)  # EET, UTC+2
    assert after == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)  # EEST since 29 March, UTC+3
    assert week_posted_at(after, org.zone) == Period.parse("2026-W13")


def test_the_week_posted_is_the_one_that_ended_in_the_organisations_zone() -> None:
    new_york = parse_organisation({"timezone": "America/New_York", "schedule": {"weekly_scores": "mon 00:30"}}, "t")
    fire = new_york.weekly_trigger.get_next_fire_time(None, datetime(2026, 11, 29, 12, 0, tzinfo=UTC))
    assert fire == datetime(2026, 11, 30, 5, 30, tzinfo=UTC)
    assert week_posted_at(fire, new_york.zone) == Period.parse("2026-W48")


# --- the weekly job with a controllable clock -----------------------------------------------------


async def test_up_at_0859_posts_at_0900_once(synced: Runtime, clock: ManualClock, channel: RecordingChannel) -> None:
    weekly, poster = replica(synced, channel)
    clock.set(HELSINKI_MONDAY_0900 - timedelta(minutes=1))
    assert await weekly.run() == []

    clock.set(HELSINKI_MONDAY_0900)
    claims = await weekly.run()
    await poster.drain()
    assert [(c.channel_id, c.outcome) for c in claims] == [
        ("C0ONE", ClaimOutcome.CLAIMED),
        ("C0TWO", ClaimOutcome.CLAIMED),
    ]
    assert channel.posted() == [("C0ONE", "2026-W48"), ("C0TWO", "2026-W48")]
    assert sorted(channel_id for channel_id, _, _ in channel.charts) == ["C0ONE", "C0TWO"]
    assert all(chart.png.startswith(b"\x89PNG") for _, chart, _ in channel.charts)
    assert all(card["channel"] == channel_id for channel_id, _, card in channel.charts)
    assert not any(view.so_far for _, view in channel.posts)

    clock.advance(timedelta(minutes=10))  # the sweep runs again, and so does a late duplicate fire
    assert await weekly.run() == []
    await poster.drain()
    assert len(channel.posts) == 2
    assert [(p.channel_id, p.period, p.attempt, p.status) for p in posts(synced)] == [
        ("C0ONE", "2026-W48", 0, "sent"),
        ("C0TWO", "2026-W48", 0, "sent"),
    ]
    assert [p.message_ref["channel"] for p in posts(synced) if p.message_ref] == ["C0ONE", "C0TWO"]


async def test_a_restart_at_0930_catches_up_once(
    synced: Runtime, settings: Settings, clock: ManualClock, channel: RecordingChannel
) -> None:
    clock.set(HELSINKI_MONDAY_0900 + timedelta(minutes=30))
    weekly, poster = replica(synced, channel)
    await weekly.run()
    await poster.drain()
    assert channel.posted() == [("C0ONE", "2026-W48"), ("C0TWO", "2026-W48")]

    clock.set(HELSINKI_MONDAY_0900 + timedelta(hours=1))
    restarted = Runtime.from_settings(settings, clock=clock)
    try:
        weekly_again, poster_again = replica(restarted, channel)
        assert await weekly_again.run() == []
        await poster_again.drain()
    finally:
        restarted.engine.dispose()
    assert len(channel.posts) == 2


async def test_a_restart_after_the_grace_leaves_the_week_to_post_scores(
    synced: Runtime, clock: ManualClock, channel: RecordingChannel
) -> None:
    clock.set(HELSINKI_MONDAY_0900 + timedelta(hours=7))
    weekly, _poster = replica(synced, channel)
    assert await weekly.run() == []
    assert weekly.next_run() == HELSINKI_MONDAY_0900 + timedelta(days=7)


async def test_a_failed_post_is_retried_through_the_queue_and_not_lost(
    synced: Runtime, clock: ManualClock, channel: RecordingChannel
) -> None:
    channel.failures = [ConnectionError("Slack is down"), RetryLater(timedelta(seconds=30), "429")]
    clock.set(HELSINKI_MONDAY_0900)
    weekly, poster = replica(synced, channel)
    await weekly.run()
    await poster.drain()
    assert channel.posts == []
    with Session(synced.engine) as session:
        errors = sorted(job.last_error or "" for job in session.exec(select(Job)).all())
    assert errors == ["429", "ConnectionError: Slack is down"]
    assert {p.status for p in posts(synced)} == {PostStatus.CLAIMED.value}

    clock.advance(timedelta(minutes=1))
    await poster.drain()
    assert channel.posted() == [("C0ONE", "2026-W48"), ("C0TWO", "2026-W48")]
    assert {p.status for p in posts(synced)} == {PostStatus.SENT.value}


async def test_a_chart_that_fails_is_retried_without_posting_the_scorecard_again(
    synced: Runtime, clock: ManualClock, channel: RecordingChannel
) -> None:
    channel.chart_failures = [ConnectionError("upload timed out")]
    _weekly, poster = replica(synced, channel)
    poster.request(synced.org.score_channels[:1], Period.parse("2026-W47"))
    await poster.drain()
    assert (len(channel.posts), len(channel.charts)) == (1, 0)
    [post] = posts(synced)
    assert (post.status, post.message_ref) == ("claimed", {"channel": "C0ONE", "ts": "1.0001"})

    clock.advance(timedelta(minutes=1))
    await poster.drain()
    assert (len(channel.posts), len(channel.charts)) == (1, 1)
    [post] = posts(synced)
    assert (post.status, post.message_ref) == ("sent", {"channel": "C0ONE", "ts": "1.0001", "chart": {"file": "F1"}})


async def test_a_chart_refused_for_good_leaves_the_post_sent(synced: Runtime, channel: RecordingChannel) -> None:
    channel.chart_failures = [PermanentFailure("missing_scope: files:write")]
    _weekly, poster = replica(synced, channel)
    poster.request(synced.org.score_channels[:1], Period.parse("2026-W47"))
    await poster.drain()
    [post] = posts(synced)
    assert post.status == "sent"
    assert post.message_ref["chart"] == {"error": "missing_scope: files:write"}


async def test_posting_twice_posts_once_and_force_posts_again(
    synced: Runtime, clock: ManualClock, channel: RecordingChannel
) -> None:
    _weekly, poster = replica(synced, channel)
    w47 = Period.parse("2026-W47")
    first = poster.request(synced.org.score_channels, w47)
    second = poster.request(synced.org.score_channels, w47)
    await poster.drain()
    assert [c.outcome for c in first] == [ClaimOutcome.CLAIMED, ClaimOutcome.CLAIMED, ClaimOutcome.PLATFORM_OFF]
    assert [c.outcome for c in second] == [
        ClaimOutcome.ALREADY_POSTED,
        ClaimOutcome.ALREADY_POSTED,
        ClaimOutcome.PLATFORM_OFF,
    ]
    assert len(channel.posts) == 2

    forced = poster.request(synced.org.score_channels[:1], w47, force=True)
    again = poster.request(synced.org.score_channels[:1], w47, force=True)
    await poster.drain()
    assert [(c.outcome, c.attempt) for c in forced + again] == [(ClaimOutcome.CLAIMED, 1), (ClaimOutcome.CLAIMED, 2)]
    assert channel.posted() == [("C0ONE", "2026-W47")] * 3 + [("C0TWO", "2026-W47")]


async def test_a_team_post_carries_that_team_only_and_no_chart(synced: Runtime, channel: RecordingChannel) -> None:
    _weekly, poster = replica(synced, channel)
    poster.request(synced.org.score_channels[:1], Period.parse("2026-W48"), force=True, team="marketing")
    await poster.drain()
    [(_, view)] = channel.posts
    assert [t.team for t in view.scorecard.teams] == ["marketing"]
    assert channel.charts == []
    assert view.so_far  # the clock stands on Wednesday of W48


# --- replicas -------------------------------------------------------------------------------------


@pytest.fixture
def two_replicas(settings: Settings, clock: ManualClock, synced: Runtime) -> Iterator[list[Runtime]]:
    other = Runtime.from_settings(settings, clock=clock)
    yield [synced, other]
    other.engine.dispose()


async def test_two_replicas_firing_together_post_exactly_once(
    two_replicas: list[Runtime], clock: ManualClock, channel: RecordingChannel
) -> None:
    clock.set(HELSINKI_MONDAY_0900)
    replicas = [replica(runtime, channel) for runtime in two_replicas]
    for _ in range(3):
        await asyncio.gather(*(weekly.run() for weekly, _ in replicas))
        await asyncio.gather(*(poster.drain() for _, poster in replicas))
    assert channel.posted() == [("C0ONE", "2026-W48"), ("C0TWO", "2026-W48")]


def test_concurrent_claims_without_the_lease_still_post_once(two_replicas: list[Runtime]) -> None:
    """The lease only saves work: eight claimers racing on the unique row, one wins per channel."""
    week = Period.parse("2026-W48")
    posters = [ScorePoster(runtime, {"slack": RecordingChannel()}) for runtime in two_replicas]
    results: list[Any] = []
    barrier = threading.Barrier(8)

    def claim(index: int) -> None:
        poster = posters[index % 2]
        barrier.wait()
        results.extend(poster.request(poster.org.score_channels[:2], week))

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = sorted(c.channel_id for c in results if c.outcome is ClaimOutcome.CLAIMED)
    assert claimed == ["C0ONE", "C0TWO"]
    with Session(two_replicas[0].engine) as session:
        assert len(session.exec(select(Job)).all()) == 2


async def test_the_jobs_are_registered_with_explicit_ids_in_the_organisations_zone(synced: Runtime) -> None:
    scheduler = AsyncIOScheduler(timezone=synced.org.zone)
    scheduler.start(paused=True)
    weekly, _ = replica(synced, RecordingChannel())
    weekly.schedule(scheduler)
    weekly.schedule(scheduler)  # replace_existing: registering twice keeps one of each
    assert sorted(job.id for job in scheduler.get_jobs()) == sorted([SWEEP_JOB_ID, WEEKLY_JOB_ID])
    trigger = scheduler.get_job(WEEKLY_JOB_ID).trigger
    assert str(trigger.timezone) == "Europe/Helsinki"
    assert trigger.get_next_fire_time(None, datetime(2026, 11, 25, tzinfo=UTC)) == HELSINKI_MONDAY_0900
    scheduler.shutdown(wait=False)


def test_a_lease_has_one_holder_until_it_lapses_or_is_released(two_replicas: list[Runtime]) -> None:
    a, b = (runtime.engine for runtime in two_replicas)
    now, ttl = HELSINKI_MONDAY_0900, timedelta(minutes=2)
    assert try_acquire(a, "job", "replica-a", now, ttl)
    assert not try_acquire(b, "job", "replica-b", now + timedelta(minutes=1), ttl)
    assert try_acquire(a, "job", "replica-a", now + timedelta(minutes=1), ttl)  # the holder extends it
    assert try_acquire(b, "job", "replica-b", now + timedelta(minutes=3, seconds=1), ttl)  # lapsed
    release(a, "job", "replica-a")  # not the holder any more: nothing happens
    assert not try_acquire(a, "job", "replica-a", now + timedelta(minutes=4), ttl)
    release(b, "job", "replica-b")
    assert try_acquire(a, "job", "replica-a", now + timedelta(minutes=4), ttl)
