"""Only Slack's signed requests are processed; retries, double clicks and resubmissions change nothing;
rate limits and outages lose nothing."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlmodel import Session, col, select

from prompts import message
from storage.models import Answer, Ask, Job, Member
from tests.fakes.slack_requests import command_body, signature
from tests.slack.conftest import SIGNING_SECRET, SlackDriver, button, texts
from tests.slack.test_ask_flow import close_deal, only_dm, where


def aino_ask(session: Session) -> Ask:
    return session.exec(select(Ask).join(Member).where(Member.email == "aino@example.com")).one()


def help_body(slack: SlackDriver) -> str:
    return command_body(user_id="U0AINO", text="help", command="/onescore", response_url=slack.fake.response_url())


def test_forged_unsigned_and_stale_requests_get_401_and_are_not_processed(slack: SlackDriver) -> None:
    body = help_body(slack)
    now = str(int(time.time()))
    forged = {"x-slack-request-timestamp": now, "x-slack-signature": signature("not-the-secret", now, body)}
    stale_ts = str(int(time.time()) - 301)
    stale = {
        "x-slack-request-timestamp": stale_ts,
        "x-slack-signature": signature(SIGNING_SECRET, stale_ts, body),
    }
    tampered = {"x-slack-request-timestamp": now, "x-slack-signature": signature(SIGNING_SECRET, now, body)}

    assert slack.post(body, headers=forged).status_code == 401
    assert slack.post(body, sign=False).status_code == 401
    assert slack.post(body, headers=stale).status_code == 401
    assert slack.post(body.replace("help", "deal"), headers=tampered).status_code == 401
    assert [c.method for c in slack.fake.calls()] == ["auth.test"]  # at start-up; the requests ran nothing

    assert slack.post(body).status_code == 200
    assert "OneScore asks" in slack.fake.calls("response_url:r1")[0].args["text"]


def test_a_retried_event_is_handled_once(slack: SlackDriver) -> None:
    event = {
        "type": "app_home_opened",
        "user": "U0AINO",
        "channel": "D0AINO",
        "tab": "home",
        "event_ts": "1.2",
    }
    assert slack.event(event, event_id="Ev01").status_code == 200
    assert slack.event(event, event_id="Ev01", retry_num=1).status_code == 200
    assert slack.event(event, event_id="Ev01", retry_num=2).status_code == 200
    assert len(slack.fake.calls("views.publish")) == 1


def answer_values(view: dict, text: str = "Their case study did it") -> dict:
    team = next(b for b in view["blocks"] if b.get("block_id") == "team")["element"]
    impact = next(b for b in view["blocks"] if b.get("block_id") == "impact")["element"]
    return {
        "team": {
            "value": {
                "type": "static_select",
                "selected_option": team.get("initial_option") or team["options"][0],
            }
        },
        "impact": {"value": {"type": "radio_buttons", "selected_option": impact["options"][2]}},
        "text": {"value": {"type": "plain_text_input", "value": text}},
        "quotable": {"value": {"type": "checkboxes", "selected_options": []}},
    }


def open_answer_form(slack: SlackDriver, user_id: str = "U0AINO") -> dict:
    dm = only_dm(slack, user_id)
    slack.click(user_id, button(dm["blocks"], "ask.answer"), where=where(dm, slack))
    return slack.fake.calls("views.open")[-1].args["view"]


def test_a_resubmitted_form_and_double_clicks_store_one_answer_and_update_once(slack: SlackDriver) -> None:
    close_deal(slack)
    slack.pump()
    view = open_answer_form(slack)
    for _ in range(3):
        assert slack.submit("U0AINO", view, answer_values(view), view_id="V9", view_hash="same").status_code == 200
    assert slack.submit("U0AINO", view, answer_values(view), view_id="V9", view_hash="other").status_code == 200
    slack.pump()

    with Session(slack.runtime.engine) as session:
        assert len(session.exec(select(Answer)).all()) == 1
    assert len(slack.fake.calls("chat.update")) == 1

    dm = only_dm(slack, "U0AINO")
    decline = button(dm["blocks"], "ask.decline")  # a stale button on an answered ask
    slack.click("U0AINO", decline, where=where(dm, slack))
    slack.click("U0AINO", decline, where=where(dm, slack))
    slack.pump()
    with Session(slack.runtime.engine) as session:
        assert aino_ask(session).status == "answered"
    assert len(slack.fake.calls("chat.update")) == 1


def test_only_the_asked_member_can_answer_decline_or_edit(slack: SlackDriver) -> None:
    close_deal(slack)
    slack.pump()
    dm = only_dm(slack, "U0AINO")
    spot = where(dm, slack)

    for action in ("ask.answer", "ask.decline", "ask.not_sure"):
        assert slack.click("U0MIKKO", button(dm["blocks"], action), where=spot).status_code == 200
    refusals = [c for c in slack.fake.calls() if c.method.startswith("response_url:click")]
    assert len(refusals) == 3
    polite = message("fi", "ask.not_yours")  # Mikko reads Finnish
    assert all(r.args["response_type"] == "ephemeral" and r.args["text"] == polite for r in refusals)
    assert slack.fake.calls("views.open") == []

    view = open_answer_form(slack)  # Aino's own form, submitted by someone else
    response = slack.submit("U0MIKKO", view, answer_values(view), view_id="V7")
    assert response.json()["response_action"] == "errors"
    slack.pump()
    with Session(slack.runtime.engine) as session:
        assert aino_ask(session).status == "pending"
        assert session.exec(select(Answer)).all() == []
    assert slack.fake.calls("chat.update") == []


def test_a_429_storm_loses_nothing_and_sends_nothing_twice(slack: SlackDriver) -> None:
    for n in range(5):
        close_deal(slack, f"hubspot:{n}", name=f"Deal {n}")
    slack.fake.fail("chat.postMessage", 429, times=7, retry_after=3)
    slack.pump()
    for _ in range(10):
        slack.clock.advance(timedelta(seconds=3))
        slack.pump()

    delivered = slack.fake.calls("chat.postMessage")
    assert len(slack.fake.calls("chat.postMessage", ok_only=False)) == len(delivered) + 7
    assert sorted(c.args["channel"] for c in delivered) == ["U0AINO"] * 5 + ["U0MIKKO"] * 5
    assert len({c.args["text"] for c in delivered}) == 10
    with Session(slack.runtime.engine) as session:
        assert all(a.sent_at is not None for a in session.exec(select(Ask)).all())
        assert session.exec(select(Job).where(col(Job.status) != "done")).all() == []


def test_a_429_waits_exactly_as_long_as_retry_after_says(slack: SlackDriver) -> None:
    close_deal(slack, participants=[])
    slack.fake.fail("chat.postMessage", 429, times=3, retry_after=30)
    slack.pump()
    assert slack.fake.calls("chat.postMessage") == []
    slack.clock.advance(timedelta(seconds=29))
    slack.pump()
    assert slack.fake.calls("chat.postMessage") == []
    slack.clock.advance(timedelta(seconds=1))
    slack.pump()
    assert len(slack.fake.calls("chat.postMessage")) == 3  # the owner, about each other team


def test_a_slack_outage_is_retried_with_backoff(slack: SlackDriver) -> None:
    close_deal(slack)
    slack.fake.fail("chat.postMessage", 500, times=4)
    slack.pump()
    for _ in range(8):
        slack.clock.advance(timedelta(minutes=1))
        slack.pump()
    assert sorted(c.args["channel"] for c in slack.fake.calls("chat.postMessage")) == ["U0AINO", "U0MIKKO"]


def stored_dms(slack: SlackDriver) -> dict[str, list[str]]:
    """What each person's DM with the app holds, as Slack keeps it (ts of each message)."""
    held: dict[str, list[str]] = {}
    for channel, ts in slack.fake.state.messages:
        held.setdefault(channel, []).append(ts)
    return held


def test_an_ask_whose_response_was_lost_is_found_in_the_dm_not_sent_twice(slack: SlackDriver) -> None:
    close_deal(slack)
    slack.fake.lose_responses("chat.postMessage")  # Slack posts the first ask; the answer is lost
    slack.pump()
    for _ in range(3):
        slack.clock.advance(timedelta(minutes=1))
        slack.pump()

    held = stored_dms(slack)
    assert sorted(held) == ["D0AINO", "D0MIKKO"] and all(len(ts) == 1 for ts in held.values())
    assert len(slack.fake.calls("conversations.history")) == 1  # only the retried ask looked
    with Session(slack.runtime.engine) as session:
        refs = {(a.message_ref or {}).get("ts") for a in session.exec(select(Ask)).all()}
    assert refs == {ts for found in held.values() for ts in found}  # the found message is the ask's


def test_without_the_history_scopes_a_lost_ask_is_sent_again_rather_than_never(slack: SlackDriver) -> None:
    close_deal(slack, participants=[])
    slack.fake.lose_responses("chat.postMessage")
    slack.fake.fail("conversations.open", 400)  # an app created from an older manifest: missing_scope
    slack.pump()
    for _ in range(3):
        slack.clock.advance(timedelta(minutes=1))
        slack.pump()
    with Session(slack.runtime.engine) as session:
        assert all(a.sent_at is not None for a in session.exec(select(Ask)).all())
    assert len(stored_dms(slack)["D0AINO"]) == len(slack.fake.calls("chat.postMessage", ok_only=False)) > 1


def test_finnish_text_and_emoji_survive_the_round_trip(slack: SlackDriver) -> None:
    close_deal(slack, name="Äänekosken Öljy – uusi sopimus 🚀", participants=[{"member": "mikko@example.com"}])
    slack.pump()
    dm = only_dm(slack, "U0MIKKO")
    assert "Äänekosken Öljy – uusi sopimus 🚀" in texts(dm["blocks"])
    view = open_answer_form(slack, "U0MIKKO")
    answer = "Webinaari sai talousjohtajan mukaan – kiitos 🙌🏽! Ääkköset: åäö ÅÄÖ"
    slack.submit("U0MIKKO", view, answer_values(view, answer), view_id="V3")
    slack.pump()
    body = slack.client.get("/api/deals/hubspot:1").json()
    assert body["answers"][0]["text"] == answer
    assert answer in texts(slack.fake.calls("chat.update")[-1].args["blocks"])
