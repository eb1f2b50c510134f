"""Inside Teams' limits: every card is valid for the Adaptive Card version it declares (1.5 when it uses
`Action.Execute`), every message stays under 100 KB whatever the deal names and answers hold, and the
chart fits in 1024×1024 px.

The official schemas are read from `../shared/schemas` beside the repository when it is there.
"""

from __future__ import annotations

import base64
import json
import struct
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bot.organisation import ScoreChannel
from bot.periods import Period
from tests.fakes.bot_connector import CREATE, SEND, UPDATE
from tests.teams.conftest import AINO, CARD, CHANNEL_ID, MIKKO, TeamsDriver, find_action, personal_chat
from tests.teams.test_ask_flow import ACME, ANSWER

SCHEMAS = Path(__file__).resolve().parents[2].parent / "shared" / "schemas"
MESSAGE_LIMIT = 100 * 1024
IMAGE_LIMIT = 1024
HUGE = "😀" * 20_000  # the longest deal name or answer the API takes, 12 bytes a character on the wire


@cache
def schema(version: str) -> dict[str, Any]:
    path = SCHEMAS / f"adaptive-card-{version}.0.json"
    if not path.exists():
        pytest.skip(f"no {path}")
    return json.loads(path.read_text(encoding="utf-8"))


def cards_sent(teams: TeamsDriver) -> list[dict[str, Any]]:
    return [
        attachment["content"]
        for call in teams.fake.calls()
        if isinstance(call.body, dict)
        for attachment in call.body.get("attachments") or []
        if attachment.get("contentType") == CARD
    ]


def uses_execute(node: Any) -> bool:
    if isinstance(node, dict):
        return node.get("type") == "Action.Execute" or any(uses_execute(v) for v in node.values())
    return isinstance(node, list) and any(uses_execute(v) for v in node)


def assert_within_teams_limits(teams: TeamsDriver) -> None:
    calls = [c for c in teams.fake.calls() if c.kind in (SEND, UPDATE, CREATE)]
    assert calls
    for call in calls:
        assert 0 < call.size < MESSAGE_LIMIT, (call.kind, call.size)
    for card in cards_sent(teams):
        if uses_execute(card):
            assert card["version"] == "1.5"
        jsonschema.validate(card, schema(card["version"]))


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def test_an_ask_its_reminder_and_its_answer_with_the_longest_texts_stay_within_the_limits(teams: TeamsDriver) -> None:
    teams.install(MIKKO)
    assert teams.client.put("/api/deals/hubspot:1", json={**ACME, "name": HUGE, "account": HUGE}).status_code == 201
    teams.pump()
    teams.clock.advance(timedelta(hours=25))
    teams.pump()
    _first, (reminder_id, reminder) = teams.sent_cards(MIKKO)
    teams.execute(MIKKO, find_action(reminder, "ask.answer"), {**ANSWER, "text": HUGE}, sent=reminder_id)
    teams.pump()
    assert len(teams.fake.calls(UPDATE)) == 2
    assert_within_teams_limits(teams)
    for call in teams.fake.calls(SEND):
        assert len(call.body.get("summary") or "") <= 1000


def test_scorecards_with_the_longest_quotes_stay_within_the_limits(teams: TeamsDriver) -> None:
    teams.install_in_team(AINO, CHANNEL_ID)
    won = {**ACME, "created_at": "2026-11-01", "closed_at": "2026-11-17"}
    for number in range(4):
        assert teams.client.put(f"/api/deals/d{number}", json={**won, "name": HUGE}).status_code == 201
        answer = {"member": "mikko@example.com", "helping_team": "marketing", "impact": "strong", "text": HUGE}
        response = teams.client.post(f"/api/deals/d{number}/answers", json={**answer, "quotable": True})
        assert response.status_code in (200, 201), response.text
    poster = teams.client.app.state.score_poster  # type: ignore[union-attr]
    poster.request([ScoreChannel(teams=CHANNEL_ID)], Period.parse("2026-W47"), force=False)
    teams.client.portal.call(poster.drain)  # type: ignore[union-attr]
    teams.say(MIKKO, "scores 2026-W47")
    assert teams.replies(personal_chat(MIKKO))
    assert_within_teams_limits(teams)
    [image] = [
        a for c in teams.fake.calls(SEND) for a in c.body.get("attachments") or [] if "image" in a["contentType"]
    ]
    width, height = png_size(base64.b64decode(image["contentUrl"].removeprefix("data:image/png;base64,")))
    assert width <= IMAGE_LIMIT and height <= IMAGE_LIMIT


def test_every_state_of_an_ask_card_is_a_valid_card(teams: TeamsDriver) -> None:
    teams.install(MIKKO)
    assert teams.client.put("/api/deals/hubspot:1", json=ACME).status_code == 201
    teams.pump()
    [(sent, card)] = teams.sent_cards(MIKKO)
    declined = teams.execute(MIKKO, find_action(card, "ask.decline"), {}, sent=sent).json()["value"]
    answered = teams.execute(MIKKO, find_action(declined, "ask.answer"), ANSWER, sent=sent).json()["value"]
    teams.pump()
    assert_within_teams_limits(teams)
    for shown in (declined, answered):  # the cards Teams shows in place of the clicked one
        assert shown["version"] == "1.5"
        jsonschema.validate(shown, schema(shown["version"]))
