"""`insights` in Teams: an Adaptive Card within Teams' limits and the official schema, on the planted corpus."""

from __future__ import annotations

from dataclasses import replace

import jsonschema
import pytest

from tests.fakes.bot_connector import REPLY
from tests.insights.conftest import plant
from tests.insights.planted import ORG, PLANTED
from tests.teams.conftest import CARD, STRANGER, TeamsDriver, card_text, personal_chat
from tests.teams.test_limits import MESSAGE_LIMIT, schema


@pytest.fixture
def org_yaml() -> str:
    return ORG


def test_insights_reply_with_a_card(teams: TeamsDriver) -> None:
    plant(teams.client, PLANTED)
    teams.say(STRANGER, "insights 2026-Q4")
    [reply] = teams.replies(personal_chat(STRANGER))
    [attachment] = reply["attachments"]
    assert attachment["contentType"] == CARD
    text = card_text(attachment["content"])
    assert "Insights · Q4 2026" in text
    assert "webinaari" in text and "case · study" in text
    assert "What could have helped on lost deals" in text
    assert not any(answer.text in text for answer in PLANTED if not answer.quotable)
    [call] = teams.fake.calls(REPLY)
    assert 0 < call.size < MESSAGE_LIMIT
    jsonschema.validate(attachment["content"], schema(attachment["content"]["version"]))


def test_very_long_answers_keep_the_card_within_teams_limits(teams: TeamsDriver) -> None:
    long = [replace(answer, text=answer.text + " " + "ä😀" * 9_000) for answer in PLANTED]
    plant(teams.client, long)
    teams.say(STRANGER, "insights 2026-11")
    [call] = teams.fake.calls(REPLY)
    assert 0 < call.size < MESSAGE_LIMIT
    [attachment] = call.body["attachments"]
    assert "webinaari" in card_text(attachment["content"])


def test_bad_words_get_the_usage_line(teams: TeamsDriver) -> None:
    teams.say(STRANGER, "insights someday")
    [reply] = teams.replies(personal_chat(STRANGER))
    assert "I didn't understand `someday`" in reply["text"]
    assert "`insights 2026-Q4`" in reply["text"]
