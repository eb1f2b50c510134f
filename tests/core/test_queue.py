"""How the outbound queue reads each port error: wait, park, give up, or look before sending again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.durable.jobs import AmbiguousFailure, PermanentFailure, RetryLater, queue_outcome
from bot.ports import RateLimited, Refused, Unconfirmed, Unreachable
from bot.rounds.delivery import UNREACHABLE_RETRY
from bot.rounds.loop import AskLoop
from bot.runtime import Runtime
from storage.models import JobStatus
from tests.core.conftest import asks, jobs, write_deal
from tests.core.memory_platform import MemoryPlatform

pytestmark = pytest.mark.anyio

DELIVER = "ask.deliver"


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (RateLimited(timedelta(seconds=30)), RetryLater),
        (Refused("missing_scope"), PermanentFailure),
        (Unreachable("account_inactive"), PermanentFailure),
        (Unconfirmed("no answer"), AmbiguousFailure),
    ],
)
def test_each_port_error_has_one_queue_outcome(error: Exception, outcome: type[Exception]) -> None:
    read = queue_outcome(error)
    assert type(read) is outcome
    assert str(read) == str(error)


def test_a_rate_limit_waits_as_long_as_the_platform_said() -> None:
    read = queue_outcome(RateLimited(timedelta(seconds=42)))
    assert isinstance(read, RetryLater) and read.delay == timedelta(seconds=42)


def test_anything_else_stays_itself_for_backoff() -> None:
    error = ConnectionError("down")
    assert queue_outcome(error) is error


async def test_rate_limited_waits_retry_after_and_does_not_look_first(
    loop: AskLoop, synced: Runtime, platform: MemoryPlatform, clock: ManualClock
) -> None:
    platform.fail("send_ask", RateLimited(timedelta(seconds=90)))
    write_deal(synced)
    await loop.pump()
    assert len(platform.sent) == 1
    [waiting] = [job for job in jobs(synced, DELIVER) if job.status == JobStatus.PENDING.value]
    assert waiting.run_after == clock.now() + timedelta(seconds=90)

    clock.advance(timedelta(seconds=89))
    await loop.worker.drain()
    assert len(platform.sent) == 1
    clock.advance(timedelta(seconds=1))
    await loop.worker.drain()
    assert len(platform.sent) == 2
    assert platform.looked_for == []


async def test_unreachable_parks_the_ask_for_a_day_then_tries_again(
    loop: AskLoop, synced: Runtime, platform: MemoryPlatform, clock: ManualClock
) -> None:
    platform.fail("find_recipient", Unreachable("no account"))
    platform.fail("find_recipient", Unreachable("no account"))
    write_deal(synced)
    await loop.pump()
    assert platform.sent == []
    parked = asks(synced)
    assert {(a.platform, a.deliver_after) for a in parked} == {(None, clock.now() + UNREACHABLE_RETRY)}
    assert {job.status for job in jobs(synced, DELIVER)} == {JobStatus.DONE.value}

    clock.advance(UNREACHABLE_RETRY)
    await loop.pump()
    assert len(platform.sent) == 2


async def test_refused_gives_up_on_that_message(
    loop: AskLoop, synced: Runtime, platform: MemoryPlatform, clock: ManualClock
) -> None:
    platform.fail("send_ask", Refused("invalid_blocks"))
    platform.fail("send_ask", Refused("invalid_blocks"))
    write_deal(synced)
    await loop.pump()
    clock.advance(timedelta(hours=2))
    await loop.pump()
    assert platform.sent == []
    assert [(job.status, job.last_error) for job in jobs(synced, DELIVER)] == [
        (JobStatus.DEAD.value, "invalid_blocks"),
        (JobStatus.DEAD.value, "invalid_blocks"),
    ]


async def test_an_unconfirmed_send_that_landed_is_found_and_not_sent_again(
    loop: AskLoop, synced: Runtime, platform: MemoryPlatform, clock: ManualClock
) -> None:
    platform.fail("send_ask", Unconfirmed("timed out"), landed=True)
    write_deal(synced)
    await loop.pump()
    [doubtful] = [job for job in jobs(synced, DELIVER) if job.status == JobStatus.PENDING.value]
    assert doubtful.last_failure_ambiguous

    clock.advance(timedelta(minutes=1))
    await loop.worker.drain()
    assert platform.looked_for == [doubtful.payload["ask_id"]]
    assert len(platform.sent) == 2
    [landed] = [m for m in platform.sent if m.card is not None and m.card.ask_id == doubtful.payload["ask_id"]]
    assert next(a for a in asks(synced) if a.id == doubtful.payload["ask_id"]).message_ref == landed.ref


async def test_an_unconfirmed_send_that_did_not_land_is_looked_for_once_then_sent(
    loop: AskLoop, synced: Runtime, platform: MemoryPlatform, clock: ManualClock
) -> None:
    platform.fail("send_ask", Unconfirmed("connection reset"))
    write_deal(synced)
    await loop.pump()
    clock.advance(timedelta(minutes=1))
    await loop.worker.drain()
    assert len(platform.looked_for) == 1
    assert len(platform.sent) == 2
    assert all(a.sent_at is not None for a in asks(synced))
