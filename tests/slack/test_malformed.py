"""Signed but malformed requests get a 4xx, never a 500, and change nothing; unsigned ones 401."""

from __future__ import annotations

import json

import pytest

from tests.fakes.slack_requests import payload_body
from tests.slack.conftest import SlackDriver

MALFORMED = {
    "not a form": "%%%",
    "payload not json": "payload=%7Bnot-json",
    "payload a list": payload_body([]),  # type: ignore[arg-type]
    "click without user": payload_body(
        {"type": "block_actions", "team": {"id": "T0FAKE"}, "actions": [{"action_id": "ask.answer", "value": "1"}]}
    ),
    "click without actions": payload_body(
        {"type": "block_actions", "team": {"id": "T0FAKE"}, "user": {"id": "U0AINO"}, "actions": []}
    ),
    "form without state": payload_body(
        {
            "type": "view_submission",
            "team": {"id": "T0FAKE"},
            "user": {"id": "U0AINO"},
            "view": {"id": "V1", "hash": "h", "callback_id": "ask.answer_modal"},
        }
    ),
    "form with odd state": payload_body(
        {
            "type": "view_submission",
            "team": {"id": "T0FAKE"},
            "user": {"id": "U0AINO"},
            "view": {
                "id": "V2",
                "hash": "h",
                "callback_id": "ask.answer_modal",
                "private_metadata": "not json",
                "state": {"values": {"impact": "x", "team": None}},
            },
        }
    ),
    "deal form without state": payload_body(
        {
            "type": "view_submission",
            "team": {"id": "T0FAKE"},
            "user": {"id": "U0AINO"},
            "view": {"id": "V3", "hash": "h", "callback_id": "deal.modal"},
        }
    ),
    "command without user": "command=%2Fonescore&text=help&team_id=T0FAKE",
    "event without event": json.dumps({"type": "event_callback", "team_id": "T0FAKE", "event_id": "Ev9"}),
    "event without user": json.dumps(
        {"type": "event_callback", "team_id": "T0FAKE", "event_id": "Ev10", "event": {"type": "app_home_opened"}}
    ),
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_signed_malformed_request_is_refused_and_changes_nothing(slack: SlackDriver, body: str) -> None:
    response = slack.post(body)
    assert 400 <= response.status_code < 500, response.text
    assert [c.method for c in slack.fake.calls()] == ["auth.test"]  # at start-up; nothing since


@pytest.mark.parametrize("body", ["payload=%7Bnot-json", MALFORMED["click without actions"]])
def test_an_unsigned_malformed_request_is_401_like_any_unsigned_one(slack: SlackDriver, body: str) -> None:
    assert slack.post(body, sign=False).status_code == 401
