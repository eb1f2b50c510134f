"""Slack gets its acknowledgement before OneScore talks back to Slack, however slow Slack is, and
no request waits for the bot to learn who it is."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi.testclient import TestClient

from bot.app import create_app
from bot.runtime import Runtime
from handlers.slack.blocks import ANSWER_MODAL
from tests.fakes.slack_api import FakeSlack
from tests.slack.conftest import SlackDriver, button
from tests.slack.test_ask_flow import close_deal, only_dm, where


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "did not happen in time"
        time.sleep(0.02)


def test_a_click_is_acknowledged_before_the_form_is_opened(slack: SlackDriver) -> None:
    close_deal(slack)
    slack.pump()
    dm = only_dm(slack, "U0AINO")
    held = slack.fake.hold("views.open")

    response = slack.click("U0AINO", button(dm["blocks"], "ask.answer"), where=where(dm, slack), settle=False)

    assert response.status_code == 200
    assert slack.fake.calls("views.open", ok_only=False) == []
    held.set()
    slack.settle()
    [opened] = slack.fake.calls("views.open")
    assert opened.args["view"]["callback_id"] == ANSWER_MODAL


def test_a_command_is_acknowledged_before_its_reply_is_sent(slack: SlackDriver) -> None:
    held = slack.fake.hold("response_url")

    response = slack.command("U0AINO", "help", settle=False)

    assert response.status_code == 200
    assert response.text == ""
    held.set()
    slack.settle()
    [reply] = [c for c in slack.fake.calls() if c.method.startswith("response_url:")]
    assert "OneScore asks" in reply.args["text"]


def test_replies_stuck_on_a_slow_slack_do_not_hold_up_opening_a_form(slack: SlackDriver) -> None:
    close_deal(slack)
    slack.pump()
    dm = only_dm(slack, "U0AINO")
    held = slack.fake.hold("response_url")
    for _ in range(20):
        assert slack.command("U0MIKKO", "help", settle=False).status_code == 200

    slack.click("U0AINO", button(dm["blocks"], "ask.answer"), where=where(dm, slack), settle=False)

    eventually(lambda: len(slack.fake.calls("views.open")) == 1)
    assert not [c for c in slack.fake.calls() if c.method.startswith("response_url:")]
    held.set()
    slack.settle()
    assert len([c for c in slack.fake.calls() if c.method.startswith("response_url:")]) == 20


def test_the_bot_learns_who_it_is_once_at_start_up_not_per_request(slack: SlackDriver) -> None:
    assert len(slack.fake.calls("auth.test")) == 1
    for _ in range(5):
        slack.command("U0AINO", "help", settle=False)
    slack.settle()

    assert len(slack.fake.calls("auth.test", ok_only=False)) == 1
    assert len([c for c in slack.fake.calls() if c.method.startswith("response_url:")]) == 5


def test_when_slack_is_down_at_start_up_the_first_request_asks_again(runtime: Runtime, fake: FakeSlack) -> None:
    fake.fail("auth.test", 503)
    with TestClient(create_app(runtime, background=False)) as client:
        driver = SlackDriver(client, fake, runtime)
        assert driver.command("U0AINO", "help").status_code == 200
        assert driver.command("U0AINO", "help").status_code == 200

    assert [c.status for c in fake.calls("auth.test", ok_only=False)] == [503, 200]
    assert len([c for c in fake.calls() if c.method.startswith("response_url:")]) == 2
