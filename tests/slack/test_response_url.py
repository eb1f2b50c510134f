"""Replies through a `response_url` go only to Slack: never to a host a request chose.

A second fake Slack stands in for "elsewhere": it records every request that reaches it, so a
reply that leaked there shows up in its calls.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import command_body, payload_body
from tests.slack.conftest import SlackDriver, button
from tests.slack.test_ask_flow import close_deal, only_dm
from tests.slack.test_home_and_commands import deal_values, open_deal_form


@pytest.fixture
def elsewhere() -> Iterator[FakeSlack]:
    with FakeSlack() as other:
        yield other


def foreign_urls(elsewhere: FakeSlack, slack: SlackDriver) -> list[str]:
    here = urlsplit(slack.fake.url).netloc
    there = urlsplit(elsewhere.url).netloc
    return [
        elsewhere.response_url("plain"),
        f"http://hooks.slack.com@{there}/response/userinfo",
        f"http://{here}@{there}/response/userinfo2",
        elsewhere.response_url("scheme").replace("http://", "https://"),
        f"http://{there}/response/x#{here}",
        "http://hooks.slack.com/response/plain-http",
        "file:///etc/passwd",
        "not a url",
    ]


def test_a_command_s_reply_never_goes_to_a_response_url_outside_slack(slack: SlackDriver, elsewhere: FakeSlack) -> None:
    for url in foreign_urls(elsewhere, slack):
        body = command_body(user_id="U0AINO", text="help", command="/onescore", response_url=url)
        assert slack.post(body).status_code == 200
        body = command_body(user_id="U0AINO", text="", command="/scores", response_url=url)
        assert slack.post(body).status_code == 200
    assert elsewhere.calls(ok_only=False) == []
    assert [c.method for c in slack.fake.calls() if c.method.startswith("response_url:")] == []

    slack.command("U0AINO", "help")
    assert [c.method for c in slack.fake.calls() if c.method.startswith("response_url:")] == ["response_url:cmd1"]


def click_body(button: dict, response_url: str) -> str:
    return payload_body(
        {
            "type": "block_actions",
            "user": {"id": "U0MIKKO", "team_id": "T0FAKE"},
            "team": {"id": "T0FAKE"},
            "trigger_id": "t.1",
            "container": {"type": "message", "message_ts": "1.1", "channel_id": "D0AINO"},
            "channel": {"id": "D0AINO"},
            "response_url": response_url,
            "actions": [{**button, "block_id": "b", "action_ts": "1.2"}],
        }
    )


def test_a_click_s_note_and_a_deal_form_s_reply_never_go_outside_slack(
    slack: SlackDriver, elsewhere: FakeSlack
) -> None:
    close_deal(slack)
    slack.pump()
    decline = button(only_dm(slack, "U0AINO")["blocks"], "ask.decline")
    form = open_deal_form(slack, "U0AINO")
    for n, url in enumerate(foreign_urls(elsewhere, slack)):
        assert slack.post(click_body(decline, url)).status_code == 200  # Mikko is refused with a note
        meta = json.dumps({"response_url": url})
        slack.submit("U0AINO", {**form, "private_metadata": meta}, deal_values(name=f"Deal {n}"), view_id=f"VR{n}")
    assert elsewhere.calls(ok_only=False) == []
    assert slack.client.get("/api/deals").json()["total"] == 1 + len(foreign_urls(elsewhere, slack))

    assert slack.post(click_body(decline, slack.fake.response_url("here"))).status_code == 200
    assert [c.method for c in slack.fake.calls() if c.method.startswith("response_url:")] == ["response_url:here"]
