"""A scorecard post is adopted only when this installation posted it since it was claimed, and the
channel is looked through only after an attempt whose outcome was unknown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.runtime import Runtime
from storage.models import ScorePost
from tests.slack.conftest import SlackDriver
from tests.slack.test_scores import (  # noqa: F401 (fixtures)
    MONDAY_0930_HELSINKI,
    admin,
    channel_posts,
    drain_posts,
    org_yaml,
    started,
    weeks_of_deals,
)

SCORE_EVENT = "onescore_scorecard"


def seed_card(slack: SlackDriver, post_key: str, seconds_after_claim: float) -> str:
    at = MONDAY_0930_HELSINKI.timestamp() + seconds_after_claim
    metadata = {"event_type": SCORE_EVENT, "event_payload": {"period": "2026-W48", "post_key": post_key}}
    return slack.fake.seed_message("C0SCORES", metadata=metadata, ts=at, text="another installation's card")


@pytest.mark.usefixtures("weeks_of_deals")
@pytest.mark.parametrize("foreign_key", ["score-post-1", "another-installation:score-post-1"])
def test_another_installations_card_with_the_same_post_number_is_not_adopted(
    slack: SlackDriver, runtime: Runtime, foreign_key: str
) -> None:
    slack.clock.set(MONDAY_0930_HELSINKI)
    foreign = seed_card(slack, foreign_key, 1)
    slack.fake.fail("chat.postMessage", 503)  # no answer: the card may have landed
    with started(runtime) as client:
        drain_posts(client)
        for _ in range(4):
            slack.clock.advance(timedelta(minutes=1))
            drain_posts(client)
    with Session(runtime.engine) as session:
        [row] = session.exec(select(ScorePost)).all()
    assert row.status == "sent" and row.message_ref["ts"] != foreign
    assert len(channel_posts(slack, "C0SCORES")) == 1
    assert len(slack.fake.calls("conversations.history")) == 1


@pytest.mark.usefixtures("weeks_of_deals")
def test_a_rate_limited_post_does_not_look_in_the_channel(slack: SlackDriver, runtime: Runtime) -> None:
    slack.clock.set(MONDAY_0930_HELSINKI)
    slack.fake.fail("chat.postMessage", 429, times=3, retry_after=5, body="html")
    with started(runtime) as client:
        drain_posts(client)
        for _ in range(4):
            slack.clock.advance(timedelta(seconds=5))
            drain_posts(client)
    assert len(channel_posts(slack, "C0SCORES")) == 1
    assert slack.fake.calls("conversations.history") == []
