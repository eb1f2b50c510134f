"""One deal, two chat platforms: each member is asked where they are, and answers land on the same deal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.runtime import Runtime
from bot.settings import Settings
from tests.conftest import API_TOKEN
from tests.factories import deal_body
from tests.fakes.bot_connector import UPDATE, FakeBotConnector
from tests.fakes.slack_api import FakeSlack
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.teams.conftest import MIKKO, TeamsDriver, card_text, find_action

ORG_YAML = """
timezone: Europe/Helsinki
ask_hours: always
teams:
  - {name: sales}
  - {name: marketing}
members:
  - {email: aino@example.com, name: Aino, team: sales, role: lead, slack_id: U0AINO}
  - {email: mikko@example.com, name: Mikko, team: marketing, language: fi, teams_id: "29:mikko"}
"""
DEAL = deal_body(omit=("account",))


@pytest.fixture
def org_yaml() -> str:
    return ORG_YAML


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("U0AINO", "aino@example.com", name="Aino", locale="en-US")
        yield fake


@pytest.fixture
def connector() -> Iterator[FakeBotConnector]:
    with FakeBotConnector() as fake:
        fake.add_person(MIKKO)
        yield fake


@pytest.fixture
def settings(settings: Settings, slack: FakeSlack) -> Settings:
    return settings.model_copy(
        update={
            "slack_bot_token": BOT_TOKEN,
            "slack_signing_secret": SIGNING_SECRET,
            "slack_api_url": slack.api_url,
            "teams_emulator": True,
        }
    )


@pytest.fixture
def teams(runtime: Runtime, connector: FakeBotConnector) -> Iterator[TeamsDriver]:
    app = create_app(runtime, background=False)
    app.state.chat["slack"].platform.per_channel_interval = 0
    with TestClient(app, headers={"Authorization": f"Bearer {API_TOKEN}"}) as client:
        yield TeamsDriver(client, connector, runtime)


def test_the_same_deal_is_asked_in_slack_and_in_teams_and_both_answers_are_on_it(
    teams: TeamsDriver, slack: FakeSlack
) -> None:
    teams.install(MIKKO)
    assert teams.client.put("/api/deals/hubspot:1", json=DEAL).status_code == 201
    assert teams.pump().asks_created == 2

    [to_aino] = [c.args for c in slack.calls("chat.postMessage") if c.args["channel"] == "U0AINO"]
    assert "How did marketing help win Acme renewal?" in str(to_aino["blocks"])
    [(sent, to_mikko)] = teams.sent_cards(MIKKO)
    assert "Kauppa voitettu: Acme renewal" in card_text(to_mikko)
    assert slack.calls("users.lookupByEmail") == []  # Mikko is never looked for in Slack

    answer = {
        "team": "marketing",
        "impact": "decisive",
        "text": "Tapahtuma toi päättäjät paikalle.",
        "quotable": "true",
    }
    teams.submit(MIKKO, find_action(to_mikko, "ask.answer"), answer, sent=sent)
    teams.pump()

    deal = teams.client.get("/api/deals/hubspot:1").json()
    statuses = {ask["member"]: ask["status"] for ask in deal["asks"]}
    assert statuses == {"aino@example.com": "pending", "mikko@example.com": "answered"}
    assert [a["text"] for a in deal["answers"]] == ["Tapahtuma toi päättäjät paikalle."]
    assert len(teams.fake.calls(UPDATE)) == 1  # Mikko's card shows the answer
    assert slack.calls("chat.update") == []  # Aino's Slack message is untouched
