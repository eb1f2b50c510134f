"""An ask is adopted as sent only when THIS installation sent it, after the ask existed; Slack's
history is looked through only after an attempt whose outcome was unknown; a proxy's non-JSON 429
still has its Retry-After honoured."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from bot.durable.jobs import claim
from storage.db import session_scope
from storage.installation import installation_id
from storage.models import Ask, Installation, Job, Member
from tests.slack.conftest import SlackDriver
from tests.slack.test_ask_flow import close_deal

ASK_EVENT = "onescore_ask"


def asks_by_user(slack: SlackDriver) -> dict[str, Ask]:
    with Session(slack.runtime.engine) as session:
        rows = session.exec(select(Ask, Member).join(Member)).all()
    return {member.slack_id: ask for ask, member in rows if member.slack_id}


def dm_messages(slack: SlackDriver, channel: str) -> list[str]:
    return sorted(ts for held, ts in slack.fake.state.messages if held == channel)


def run_for(slack: SlackDriver, minutes: int) -> None:
    for _ in range(minutes):
        slack.clock.advance(timedelta(minutes=1))
        slack.pump()


def this_installation(slack: SlackDriver) -> str:
    with session_scope(slack.runtime.engine) as session:
        return installation_id(session, slack.clock.now())


def seed_ask_message(slack: SlackDriver, channel: str, payload: dict[str, object], at: datetime) -> str:
    metadata = {"event_type": ASK_EVENT, "event_payload": payload}
    return slack.fake.seed_message(channel, metadata=metadata, ts=at.timestamp(), text="an earlier ask")


def test_a_message_about_the_same_ask_id_from_another_installation_or_an_older_version_is_not_adopted(
    slack: SlackDriver,
) -> None:
    close_deal(slack)
    slack.fake.fail("chat.postMessage", 503, times=2)  # both asks fail without an answer: ambiguous
    slack.pump()
    asks = asks_by_user(slack)
    later = slack.clock.now() + timedelta(seconds=1)  # after the asks were created
    foreign = seed_ask_message(slack, "D0AINO", {"ask_id": asks["U0AINO"].id, "installation": "another-one"}, later)
    unmarked = seed_ask_message(slack, "D0MIKKO", {"ask_id": asks["U0MIKKO"].id}, later)  # the earlier version's

    run_for(slack, 3)

    asks = asks_by_user(slack)
    assert len(slack.fake.calls("conversations.history")) == 2  # each looked once, after its 503
    assert {asks["U0AINO"].message_ref["ts"], asks["U0MIKKO"].message_ref["ts"]}.isdisjoint({foreign, unmarked})
    assert len(dm_messages(slack, "D0AINO")) == 2 and len(dm_messages(slack, "D0MIKKO")) == 2
    assert all(a.sent_at is not None for a in asks.values())


def test_this_installations_own_message_from_before_the_ask_existed_is_not_adopted(slack: SlackDriver) -> None:
    """A database restored from a backup reuses ask ids: the message sent for the old ask 1 is older."""
    close_deal(slack, participants=[])
    slack.fake.fail("chat.postMessage", 503, times=3)
    slack.pump()
    asks = list(asks_by_user(slack).values())
    before = asks[0].created_at - timedelta(hours=1)
    ours = this_installation(slack)
    old = [seed_ask_message(slack, "D0AINO", {"ask_id": a.id, "installation": ours}, before) for a in asks]

    run_for(slack, 3)

    with Session(slack.runtime.engine) as session:
        refs = {a.message_ref["ts"] for a in session.exec(select(Ask)).all()}
    assert len(refs) == 3 and refs.isdisjoint(old)


def test_a_reset_database_is_a_new_installation(slack: SlackDriver) -> None:
    first = this_installation(slack)
    assert this_installation(slack) == first
    with session_scope(slack.runtime.engine) as session:
        session.delete(session.get(Installation, 1))
    assert this_installation(slack) != first


def test_rate_limited_retries_never_look_in_the_history_only_ambiguous_failures_do(slack: SlackDriver) -> None:
    for n in range(3):  # the touch rule lets each member have five asks a week
        close_deal(slack, f"hubspot:{n}", name=f"Deal {n}")
    slack.fake.fail("chat.postMessage", 429, times=20, retry_after=1)  # Slack refused: nothing posted
    slack.pump()
    for _ in range(60):
        slack.clock.advance(timedelta(seconds=1))
        slack.pump()
    assert slack.fake.calls("conversations.history") == []
    assert len(slack.fake.calls("chat.postMessage")) == 6

    for n in range(3, 5):
        close_deal(slack, f"hubspot:{n}", name=f"Deal {n}")
    slack.fake.fail("chat.postMessage", 503, times=3)  # no answer: these may have landed
    slack.pump()
    slack.fake.fail("chat.postMessage", 429, times=6, retry_after=1)
    run_for(slack, 10)

    assert len(slack.fake.calls("conversations.history")) == 3
    assert len(slack.fake.calls("chat.postMessage")) == 10
    with Session(slack.runtime.engine) as session:
        assert session.exec(select(Job).where(col(Job.status) != "done")).all() == []
        assert not any(j.last_failure_ambiguous for j in session.exec(select(Job)).all())


@pytest.mark.parametrize("body", ["html", "text", "broken_json"])
def test_a_429_page_from_a_proxy_still_waits_exactly_retry_after(slack: SlackDriver, body: str) -> None:
    close_deal(slack)
    slack.fake.fail("chat.postMessage", 429, times=2, retry_after=30, body=body)
    slack.pump()
    slack.clock.advance(timedelta(seconds=29))
    slack.pump()
    assert slack.fake.calls("chat.postMessage") == []
    slack.clock.advance(timedelta(seconds=1))
    slack.pump()
    assert len(slack.fake.calls("chat.postMessage")) == 2
    assert slack.fake.calls("conversations.history") == []  # a 429 posts nothing: no need to look


def test_a_503_page_from_a_proxy_is_ambiguous_and_looked_for_once(slack: SlackDriver) -> None:
    close_deal(slack, participants=[])
    slack.fake.fail("chat.postMessage", 503, times=1, body="html")  # a proxy's page: not posted
    slack.fake.lose_responses("chat.postMessage")  # the next one posted, then its answer lost
    slack.pump()
    run_for(slack, 5)
    assert len(dm_messages(slack, "D0AINO")) == 3  # three asks, each posted once
    assert len(slack.fake.calls("conversations.history")) == 2


def test_a_connection_dropped_after_slack_posted_the_ask_is_not_posted_again(slack: SlackDriver) -> None:
    """Neither by the Web API client's own retry of the call nor by the queue's: the queue looks first."""
    close_deal(slack, participants=[])
    slack.fake.drop_connections("chat.postMessage")
    slack.pump()
    run_for(slack, 3)
    assert len(dm_messages(slack, "D0AINO")) == 3
    assert len(slack.fake.calls("conversations.history")) == 1
    with Session(slack.runtime.engine) as session:
        refs = sorted(a.message_ref["ts"] for a in session.exec(select(Ask)).all())
    assert refs == dm_messages(slack, "D0AINO")


def test_an_ask_whose_worker_died_mid_send_is_looked_for_and_adopted_not_sent_twice(slack: SlackDriver) -> None:
    close_deal(slack, participants=[{"member": "mikko@example.com", "team": "marketing"}])
    slack.app.state.ask_loop.tick()  # the asks are created and queued
    engine, now = slack.runtime.engine, slack.clock.now()
    dead, _ = claim(engine, "outbound", now, limit=2)  # a worker takes both and dies
    ask_of_dead = next(a for a in asks_by_user(slack).values() if a.id == dead.payload["ask_id"])
    user = next(u for u, a in asks_by_user(slack).items() if a.id == ask_of_dead.id)
    channel = "D" + user[1:]
    posted = seed_ask_message(
        slack, channel, {"ask_id": ask_of_dead.id, "installation": this_installation(slack)}, now
    )  # what it had posted before it died

    slack.clock.advance(timedelta(minutes=6))  # the lease runs out
    slack.pump()

    assert dm_messages(slack, channel) == [posted]
    assert asks_by_user(slack)[user].message_ref["ts"] == posted
    assert len(slack.fake.calls("conversations.history")) == 2  # both leases ran out: both looked
