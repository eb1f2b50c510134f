"""The whole app with Slack on, against a fake Slack Web API, driven by signed requests.

`slack` is a driver speaking to `/slack/events` as Slack does (signed slash commands, clicks on
the buttons the bot really sent, form submissions of the forms it really opened, events) and
running the ask loop one step at a time on the test's clock.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.clock import ManualClock
from bot.rounds.loop import TickReport
from bot.runtime import Runtime
from bot.settings import Settings
from tests.conftest import API_TOKEN
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import command_body, event_body, payload_body, signed_headers

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-test-token"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        slack.add_user("U0AINO", "aino@example.com", name="Aino", locale="en-US")
        slack.add_user("U0MIKKO", "mikko@example.com", name="Mikko", locale="en-US")
        slack.add_user("U0SANNA", "sanna@example.com", name="Sanna", locale="fi-FI")
        slack.add_user("U0OLLI", "olli@example.com", name="Olli")
        slack.add_user("U0STRANGER", "stranger@example.com", name="Stranger")
        yield slack


@pytest.fixture
def settings(settings: Settings, fake: FakeSlack) -> Settings:
    return settings.model_copy(
        update={"slack_bot_token": BOT_TOKEN, "slack_signing_secret": SIGNING_SECRET, "slack_api_url": fake.api_url}
    )


class SlackDriver:
    """Slack's side of the conversation, plus the ask loop's crank."""

    def __init__(self, client: TestClient, fake: FakeSlack, runtime: Runtime) -> None:
        self.client = client
        self.fake = fake
        self.runtime = runtime
        self.app = client.app
        self._ids = itertools.count(1)

    @property
    def clock(self) -> ManualClock:
        return self.runtime.clock  # type: ignore[return-value]

    def post(
        self, body: str, *, headers: dict[str, str] | None = None, sign: bool = True, settle: bool = True
    ) -> httpx.Response:
        """Send a request and, unless told not to, wait for the work listeners do after acknowledging it."""
        signed = signed_headers(SIGNING_SECRET, body) if sign else {"content-type": "application/x-www-form-urlencoded"}
        response = self.client.post("/slack/events", content=body.encode(), headers={**signed, **(headers or {})})
        if settle:
            self.settle()
        return response

    def settle(self) -> None:
        """Wait until the work that follows acknowledgements is done."""
        self.client.portal.call(self.app.state.chat["slack"].later.drain)  # type: ignore[union-attr]

    def command(self, user_id: str, text: str, command: str = "/onescore", *, settle: bool = True) -> httpx.Response:
        body = command_body(
            user_id=user_id,
            text=text,
            command=command,
            response_url=self.fake.response_url(f"cmd{next(self._ids)}"),
            trigger_id=f"trigger.{next(self._ids)}",
        )
        return self.post(body, settle=settle)

    def click(
        self, user_id: str, button: dict[str, Any], *, where: dict[str, Any], settle: bool = True
    ) -> httpx.Response:
        """Click `button` (an element the bot sent) in a DM message (`where` = channel/ts) or on Home."""
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {
                "id": user_id,
                "username": user_id.lower(),
                "name": user_id.lower(),
                "team_id": "T0FAKE",
            },
            "api_app_id": "A0APP",
            "token": "verification_token",
            "trigger_id": f"trigger.{next(self._ids)}",
            "team": {"id": "T0FAKE", "domain": "fake"},
            "actions": [
                {
                    "action_id": button["action_id"],
                    "block_id": where.get("block_id", "b"),
                    "text": button["text"],
                    "value": button.get("value"),
                    "type": "button",
                    "action_ts": f"{1700000000 + next(self._ids)}.000001",
                }
            ],
        }
        if where.get("home"):
            payload["container"] = {"type": "view", "view_id": "VHOME"}
            payload["view"] = {"id": "VHOME", "type": "home", "blocks": [], "hash": "h", "callback_id": ""}
        else:
            payload["container"] = {
                "type": "message",
                "message_ts": where["ts"],
                "channel_id": where["channel"],
            }
            payload["channel"] = {"id": where["channel"], "name": "directmessage"}
            payload["message"] = {"type": "message", "ts": where["ts"], "blocks": where.get("blocks", [])}
            payload["response_url"] = self.fake.response_url(f"click{next(self._ids)}")
        return self.post(payload_body(payload), settle=settle)

    def submit(
        self,
        user_id: str,
        view: dict[str, Any],
        values: dict[str, Any],
        *,
        view_id: str,
        view_hash: str = "h1",
    ) -> httpx.Response:
        """Submit a form the bot opened (`view` as sent to views.open) with `values` per block id."""
        payload = {
            "type": "view_submission",
            "team": {"id": "T0FAKE", "domain": "fake"},
            "user": {
                "id": user_id,
                "username": user_id.lower(),
                "name": user_id.lower(),
                "team_id": "T0FAKE",
            },
            "api_app_id": "A0APP",
            "token": "verification_token",
            "trigger_id": f"trigger.{next(self._ids)}",
            "view": {
                **view,
                "id": view_id,
                "team_id": "T0FAKE",
                "hash": view_hash,
                "state": {"values": values},
                "app_id": "A0APP",
                "bot_id": "B0BOT",
            },
            "response_urls": [],
        }
        return self.post(payload_body(payload))

    def event(self, event: dict[str, Any], *, event_id: str, retry_num: int | None = None) -> httpx.Response:
        headers = {"x-slack-retry-num": str(retry_num), "x-slack-retry-reason": "http_timeout"} if retry_num else None
        return self.post(event_body(event, event_id=event_id), headers=headers)

    def pump(self) -> TickReport:
        """One tick of the ask loop, then every outbound job that is due, on the app's own loop."""
        return self.client.portal.call(self.app.state.ask_loop.pump)  # type: ignore[union-attr]

    def dms(self, user_id: str) -> list[dict[str, Any]]:
        """Every message posted to the user's DM, as posted (args of chat.postMessage)."""
        channels = {user_id, "D" + user_id[1:]}
        return [c.args for c in self.fake.calls("chat.postMessage") if c.args.get("channel") in channels]


@pytest.fixture
def slack(runtime: Runtime, fake: FakeSlack) -> Iterator[SlackDriver]:
    fake.clock = lambda: runtime.clock.now().timestamp()
    app = create_app(runtime, background=False)
    app.state.chat["slack"].platform.per_channel_interval = 0
    with TestClient(app, headers={"Authorization": f"Bearer {API_TOKEN}"}) as client:
        yield SlackDriver(client, fake, runtime)


def button(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    """The button with `action_id` among the blocks the bot sent (section accessories included)."""
    for block in blocks:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("action_id") == action_id:
                return element
    raise AssertionError(f"no {action_id!r} button in {blocks}")


def texts(blocks: list[dict[str, Any]]) -> str:
    """All visible text of some blocks, for asserting what a person reads."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                if isinstance(value, dict | list):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(found)


class Failures(logging.Handler):
    """Work after an acknowledgement that failed: a reply nobody will ever see."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.getMessage())


@pytest.fixture
def failures() -> Iterator[Failures]:
    handler = Failures()
    logger = logging.getLogger("handlers.slack.after_ack")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
