"""`dashboard` in Teams: a one-time sign-in link in the personal chat, never in a channel."""

from __future__ import annotations

import re

import pytest

from bot.settings import Settings
from tests.teams.conftest import AINO, CHANNEL_ID, MIKKO, STRANGER, TeamsDriver, personal_chat

PUBLIC_URL = "https://onescore.example.com"
LINK = re.compile(re.escape(PUBLIC_URL) + r"/login/[A-Za-z0-9_-]{40,}")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"teams_emulator": True, "public_url": PUBLIC_URL})


def test_dashboard_in_the_personal_chat_answers_with_a_link(teams: TeamsDriver) -> None:
    teams.say(AINO, "dashboard")
    [reply] = teams.replies(personal_chat(AINO))
    assert LINK.search(reply["text"]), reply["text"]
    teams.say(MIKKO, "dashboard")
    [finnish] = teams.replies(personal_chat(MIKKO))
    assert LINK.search(finnish["text"]) and finnish["text"].startswith("Kirjautumislinkkisi")


def test_in_a_channel_the_bot_points_to_the_personal_chat(teams: TeamsDriver) -> None:
    assert teams.mention(AINO, "dashboard").status_code == 202
    [call] = [c for c in teams.fake.calls() if c.conversation_id.startswith(CHANNEL_ID)]
    assert "/login/" not in call.body["text"]
    assert "one-to-one chat" in call.body["text"]


def test_a_stranger_gets_no_link(teams: TeamsDriver) -> None:
    teams.say(STRANGER, "dashboard")
    [reply] = teams.replies(personal_chat(STRANGER))
    assert "/login/" not in reply["text"]


def test_without_a_public_url_the_reply_says_so(teams: TeamsDriver) -> None:
    teams.runtime.settings = teams.runtime.settings.model_copy(update={"public_url": None})
    teams.say(AINO, "dashboard")
    [reply] = teams.replies(personal_chat(AINO))
    assert "ONESCORE_PUBLIC_URL" in reply["text"]
