"""Property tests: SIGNED Slack requests built from what Slack really sends, with any part made odd.

Seeds are the requests the bot's own messages and forms lead to (clicks on the buttons it sent,
submissions of the modals it opened, options searches, App Home events, slash commands) and the
captured requests in the shared fixtures when that folder is there. Hypothesis replaces one value
anywhere in a seed (or drops it) with any JSON value, or changes a command's text. Whatever it
builds, the app over HTTP must never answer 5xx, never fail after acknowledging (a lost reply),
never store an answer on an ask by anyone but its member, and never connect to a host the request
chose (a second fake Slack records anything sent there).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from storage.models import Answer, Ask, Member
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import command_body, event_body, payload_body
from tests.slack.conftest import Failures, SlackDriver, button
from tests.slack.test_ask_flow import close_deal, only_dm
from tests.slack.test_home_and_commands import deal_values, open_deal_form
from tests.slack.test_trust_and_retries import answer_values, open_answer_form

SHARED_FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "slack"
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

ODD = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([10**400, -(2**63), 2**31, 1e308, float("inf")])
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["", "1", "-1", "²", "payload", "0001-W01", "{}", "[]", "null"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)
DROP = object()


def paths(node: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every place a value sits in a payload, containers included."""
    if isinstance(node, dict):
        items: Any = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return
    for key, value in items:
        yield (*prefix, key)
        yield from paths(value, (*prefix, key))


def changed(payload: dict[str, Any], path: tuple, value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(payload))
    node = copy
    for key in path[:-1]:
        node = node[key]
    if value is DROP and isinstance(node, dict):
        del node[path[-1]]
    else:
        node[path[-1]] = None if value is DROP else value
    return copy


@st.composite
def mutated(draw: st.DrawFn, seeds: list[dict[str, Any]]) -> dict[str, Any]:
    seed = draw(st.sampled_from(seeds))
    places = list(paths(seed))
    if not places or (draw(st.booleans()) and draw(st.integers(0, 9)) == 0):
        return seed
    return changed(seed, draw(st.sampled_from(places)), draw(ODD | st.just(DROP)))


class World:
    """The app with a closed deal asked about, the forms the bot opened, and somewhere else to leak to."""

    def __init__(self, slack: SlackDriver, elsewhere: FakeSlack) -> None:
        self.slack = slack
        self.elsewhere = elsewhere
        close_deal(slack)
        slack.pump()
        self.dm = only_dm(slack, "U0AINO")
        self.answer_form = open_answer_form(slack)
        self.deal_form = open_deal_form(slack, "U0MIKKO")
        with Session(slack.runtime.engine) as session:
            aino = select(Ask.id).join(Member).where(Member.email == "aino@example.com")
            self.aino_asks = set(session.exec(aino).all())
        self.urls = [slack.fake.response_url("fuzz"), elsewhere.response_url("leak"), "https://hooks.slack.com@x/"]

    def clicks(self) -> list[dict[str, Any]]:
        return [
            {
                "type": "block_actions",
                "user": {"id": "U0MIKKO", "team_id": "T0FAKE"},
                "team": {"id": "T0FAKE", "domain": "fake"},
                "trigger_id": "t.1",
                "container": {"type": "message", "message_ts": "1.1", "channel_id": "D0AINO"},
                "channel": {"id": "D0AINO"},
                "response_url": url,
                "actions": [{**button(self.dm["blocks"], action), "block_id": "b", "action_ts": "1.2"}],
            }
            for action in ("ask.answer", "ask.decline", "ask.not_sure")
            for url in self.urls
        ]

    def submissions(self) -> list[dict[str, Any]]:
        def submission(form: dict[str, Any], values: dict[str, Any], meta: str) -> dict[str, Any]:
            view = {**form, "id": "VFUZZ", "hash": "h", "state": {"values": values}, "private_metadata": meta}
            user = {"id": "U0MIKKO", "team_id": "T0FAKE"}
            return {"type": "view_submission", "team": {"id": "T0FAKE"}, "user": user, "view": view}

        answer_metas = [self.answer_form["private_metadata"], *(json.dumps({"ask_id": i}) for i in self.aino_asks)]
        deal_metas = [json.dumps({"response_url": url}) for url in self.urls]
        return [submission(self.answer_form, answer_values(self.answer_form), m) for m in answer_metas] + [
            submission(self.deal_form, deal_values(name="Fuzz", amount="5", stage="won"), m) for m in deal_metas
        ]

    def others(self) -> list[dict[str, Any]]:
        search = {
            "type": "block_suggestion",
            "user": {"id": "U0MIKKO"},
            "team": {"id": "T0FAKE"},
            "action_id": "deal.existing",
            "block_id": "existing",
            "value": "Acme",
            "view": {"id": "VX", "type": "modal", "callback_id": "deal.modal"},
        }
        return [search, *shared_fixtures()]

    def check(self, response_status: int, failures: Failures) -> None:
        self.slack.settle()
        assert response_status < 500
        assert failures.seen == []
        assert self.elsewhere.calls(ok_only=False) == []
        with Session(self.slack.runtime.engine) as session:
            assert session.exec(select(Answer).where(Answer.ask_id.in_(self.aino_asks))).all() == []  # type: ignore[attr-defined]


def shared_fixtures() -> list[dict[str, Any]]:
    """The captured interactivity payloads and events, when the shared fixtures are there."""
    if not SHARED_FIXTURES.is_dir():
        return []
    names = ["block_actions.json", "view_submission.json", "event_callback_app_mention.json", "url_verification.json"]
    return [json.loads((SHARED_FIXTURES / name).read_text()) for name in names if (SHARED_FIXTURES / name).exists()]


@pytest.fixture
def world(slack: SlackDriver) -> Iterator[World]:
    with FakeSlack() as elsewhere:
        yield World(slack, elsewhere)


def send(world: World, payload: dict[str, Any]) -> int:
    body = (
        json.dumps(payload) if payload.get("type") in ("event_callback", "url_verification") else payload_body(payload)
    )
    return world.slack.post(body).status_code


@FUZZ
@given(data=st.data())
def test_a_signed_click_of_any_shape_is_answered_safely(world: World, failures: Failures, data: st.DataObject) -> None:
    world.check(send(world, data.draw(mutated(world.clicks()))), failures)


@FUZZ
@given(data=st.data())
def test_a_signed_form_submission_of_any_shape_is_answered_safely(
    world: World, failures: Failures, data: st.DataObject
) -> None:
    world.check(send(world, data.draw(mutated(world.submissions()))), failures)


@FUZZ
@given(data=st.data())
def test_signed_options_requests_and_captured_payloads_of_any_shape_are_answered_safely(
    world: World, failures: Failures, data: st.DataObject
) -> None:
    world.check(send(world, data.draw(mutated(world.others()))), failures)


@FUZZ
@given(data=st.data())
def test_a_signed_event_of_any_shape_is_answered_safely(world: World, failures: Failures, data: st.DataObject) -> None:
    event = {"type": "app_home_opened", "user": "U0MIKKO", "channel": "D0MIKKO", "tab": "home", "event_ts": "1.2"}
    envelope = json.loads(event_body(event, event_id="Ev0"))
    payload = data.draw(mutated([envelope]))
    if isinstance(payload.get("event_id"), str):
        payload["event_id"] = f"{payload['event_id']}-{data.draw(st.uuids())}"  # not a retry of an earlier one
    world.check(send(world, payload), failures)


@FUZZ
@given(
    text=st.one_of(
        st.text(max_size=60),
        st.sampled_from(["deal payload test", "payload", "payload=%7B%7D", "0001-W01", "9999-W52", "0001-Q1"]),
        st.lists(st.sampled_from(["post", "last", "team", "sales", "2026-W48", "payload", "ä", "🚀"]), max_size=5).map(
            " ".join
        ),
    ),
    command=st.sampled_from(["/onescore", "/scores", "/unknown"]),
    user=st.sampled_from(["U0AINO", "U0MIKKO", "U0STRANGER", "U0NOBODY"]),
    url=st.integers(0, 2),
)
def test_a_signed_slash_command_with_any_text_is_answered_safely(
    world: World, failures: Failures, text: str, command: str, user: str, url: int
) -> None:
    body = command_body(user_id=user, text=text, command=command, response_url=world.urls[url])
    world.check(world.slack.post(body).status_code, failures)
