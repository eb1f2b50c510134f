"""Delivery through the other queues: scorecard posts to channels, and admins' notices, on the in-memory ports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from bot.clock import ManualClock
from bot.notices.delivery import AdminNotices
from bot.notices.store import CRM_OWNER_UNMATCHED, notify_admins
from bot.organisation import ScoreChannel
from bot.periods import Period
from bot.ports import RateLimited, Refused, Unconfirmed, Unreachable
from bot.posting.posts import POST_JOB, PostStatus, ScorePoster
from bot.rounds.loop import AskLoop
from bot.runtime import Runtime
from storage.db import session_scope
from storage.models import JobStatus, ScorePost
from tests.core.conftest import jobs, write_deal
from tests.core.memory_platform import MemoryPlatform, MemoryScorecardChannel

pytestmark = pytest.mark.anyio

WEEK_48 = Period.parse("2026-W48")
CHANNEL = ScoreChannel(slack="C0SCORES")
NOTICE = {"message": "notice.crm_owner_not_member", "values": {"crm": "HubSpot", "deal": "Acme", "owner": "x@y.z"}}


@pytest.fixture
def poster(synced: Runtime, channel: MemoryScorecardChannel) -> ScorePoster:
    return ScorePoster(synced, {channel.name: channel})


@pytest.fixture
def notices(loop: AskLoop, platform: MemoryPlatform) -> AdminNotices:
    return AdminNotices(loop.runtime, {platform.name: platform}, loop.outbox.recipient)


def post(runtime: Runtime) -> ScorePost:
    with Session(runtime.engine) as session:
        [row] = session.exec(select(ScorePost).order_by(col(ScorePost.id))).all()
        return row


def queue_notice(runtime: Runtime) -> None:
    with session_scope(runtime.engine) as session:
        notify_admins(session, kind=CRM_OWNER_UNMATCHED, key="acme", now=runtime.now(), details={}, **NOTICE)


async def test_a_week_s_post_sends_the_scorecard_then_its_chart(
    synced: Runtime, poster: ScorePoster, channel: MemoryScorecardChannel
) -> None:
    write_deal(synced, closed_at="2026-11-24")
    poster.request([CHANNEL], WEEK_48)
    await poster.drain()
    [sent] = channel.posts
    assert (sent.channel_id, sent.view.scorecard.period, sent.view.language) == ("C0SCORES", "2026-W48", "en")
    assert [card for _, _, card in channel.charts] == [sent.ref]
    assert (post(synced).status, post(synced).message_ref) == (
        PostStatus.SENT.value,
        {**sent.ref, "chart": {"file": "F1"}},
    )


async def test_a_refused_scorecard_fails_the_post_for_good(
    synced: Runtime, poster: ScorePoster, channel: MemoryScorecardChannel, clock: ManualClock
) -> None:
    channel.fail("post_scorecard", Unreachable("channel_not_found"))
    poster.request([CHANNEL], WEEK_48)
    await poster.drain()
    clock.advance(timedelta(hours=1))
    await poster.drain()
    assert channel.posts == []
    assert post(synced).status == PostStatus.FAILED.value
    assert [job.status for job in jobs(synced, POST_JOB)] == [JobStatus.DEAD.value]


async def test_a_refused_chart_leaves_the_post_sent(
    synced: Runtime, poster: ScorePoster, channel: MemoryScorecardChannel
) -> None:
    channel.fail("post_chart", Refused("missing_scope: files:write"))
    poster.request([CHANNEL], WEEK_48)
    await poster.drain()
    assert post(synced).status == PostStatus.SENT.value
    assert post(synced).message_ref["chart"] == {"error": "missing_scope: files:write"}  # type: ignore[index]


async def test_a_rate_limited_post_waits_and_is_not_looked_for(
    synced: Runtime, poster: ScorePoster, channel: MemoryScorecardChannel, clock: ManualClock
) -> None:
    channel.fail("post_scorecard", RateLimited(timedelta(seconds=30)))
    poster.request([CHANNEL], WEEK_48)
    await poster.drain()
    assert channel.posts == []
    clock.advance(timedelta(seconds=30))
    await poster.drain()
    assert len(channel.posts) == 1
    assert channel.looked_for == []


async def test_an_unconfirmed_post_that_landed_is_found_and_not_posted_twice(
    synced: Runtime, poster: ScorePoster, channel: MemoryScorecardChannel, clock: ManualClock
) -> None:
    channel.fail("post_scorecard", Unconfirmed("timed out"), landed=True)
    poster.request([CHANNEL], WEEK_48)
    await poster.drain()
    clock.advance(timedelta(minutes=1))
    await poster.drain()
    [landed] = channel.posts
    assert channel.looked_for == [landed.view.post_key]
    assert post(synced).status == PostStatus.SENT.value
    assert post(synced).message_ref == {**landed.ref, "chart": {"file": "F1"}}


async def test_a_notice_reaches_each_admin_once_in_their_language(
    synced: Runtime, notices: AdminNotices, platform: MemoryPlatform
) -> None:
    queue_notice(synced)
    queue_notice(synced)
    await notices.drain()
    [sent] = platform.sent
    assert (sent.kind, sent.user_id) == ("notice", "mem:sanna@example.com")
    assert sent.text is not None and "Acme" in sent.text


async def test_a_rate_limited_notice_waits_then_goes_out(
    synced: Runtime, notices: AdminNotices, platform: MemoryPlatform, clock: ManualClock
) -> None:
    platform.fail("send_notice", RateLimited(timedelta(seconds=30)))
    queue_notice(synced)
    await notices.drain()
    assert platform.sent == []
    clock.advance(timedelta(seconds=30))
    await notices.drain()
    assert [m.kind for m in platform.sent] == ["notice"]


async def test_an_unreachable_admin_is_skipped(
    synced: Runtime, notices: AdminNotices, platform: MemoryPlatform
) -> None:
    platform.fail("find_recipient", Unreachable("account_inactive"))
    queue_notice(synced)
    await notices.drain()
    assert platform.sent == []
    assert {job.status for job in jobs(synced, "notice.send")} == {JobStatus.DONE.value}
