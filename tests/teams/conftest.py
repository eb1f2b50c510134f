"""The whole app over HTTP, with Teams activities posted to `/api/messages` as Teams posts them.

Activities start from the captured fixtures in `tests/fixtures/teams/`; only the people, ids,
text and `value` change, and `serviceUrl` points at a fake Bot Connector on 127.0.0.1, so every
reply, proactive message and card update the bot sends is recorded there. No app id is set here
(so no token is ever fetched), but the emulator mode (`ONESCORE_TEAMS_EMULATOR`) is on: without it
Teams is off. `test_auth.py` sets an app id.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from botframework.connector.auth import AuthenticationConstants, ChannelValidation
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.clock import ManualClock
from bot.rounds.loop import TickReport
from bot.runtime import Runtime
from bot.settings import Settings
from tests.conftest import API_TOKEN
from tests.fakes.bot_connector import SEND, FakeBotConnector, TeamsPerson
from tests.fakes.bot_framework_keys import FakeBotFrameworkKeys

FIXTURES = Path(__file__).parent.parent / "fixtures" / "teams"
BOT = {"id": "28:onescore-bot", "name": "OneScore"}
TENANT = "tenant-1"
TEAM_ID = "19:team-general@thread.tacv2"
CHANNEL_ID = "19:scores-channel@thread.tacv2"
CARD = "application/vnd.microsoft.card.adaptive"
APP_ID = "6f1c6e1e-0000-4000-8000-000000000001"

AINO = TeamsPerson("29:aino", "Aino", "aad-aino", "aino@example.com")
MIKKO = TeamsPerson("29:mikko", "Mikko", "aad-mikko", "mikko@example.com")
SANNA = TeamsPerson("29:sanna", "Sanna", "aad-sanna", "sanna@example.com")
STRANGER = TeamsPerson("29:stranger", "Stranger", "aad-stranger", "stranger@example.com")

ORG_YAML = """
timezone: Europe/Helsinki
language: en
currency: EUR
ask_hours: always
teams:
  - {name: sales}
  - {name: marketing}
  - {name: product}
  - {name: hr, label: "HR & training"}
members:
  - {email: aino@example.com, name: Aino, team: sales, role: lead, teams_id: "29:aino"}
  - {email: mikko@example.com, name: Mikko, team: marketing, language: fi, teams_id: "29:mikko"}
  - {email: olli@example.com, name: Olli, team: product, role: observer}
  - {email: sanna@example.com, name: Sanna, team: hr}
score_channels:
  - {teams: "19:scores-channel@thread.tacv2"}
"""


@pytest.fixture
def org_yaml() -> str:
    return ORG_YAML


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"teams_emulator": True})


def with_app_id(settings: Settings) -> Settings:
    """The settings of a registered bot: every activity must carry the Bot Framework's token for APP_ID."""
    return settings.model_copy(update={"microsoft_app_id": APP_ID, "microsoft_app_password": "not-a-real-secret"})


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBotFrameworkKeys]:
    """botbuilder's channel and Emulator token validation, pointed at the local stand-in for Microsoft's keys."""
    with FakeBotFrameworkKeys() as fake_keys:
        monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", fake_keys.metadata_url)
        monkeypatch.setattr(AuthenticationConstants, "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL", fake_keys.metadata_url)
        yield fake_keys


@pytest.fixture
def fake() -> Iterator[FakeBotConnector]:
    with FakeBotConnector() as connector:
        for person in (AINO, MIKKO, SANNA, STRANGER):
            connector.add_person(person, teams=(TEAM_ID,))
        yield connector


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def personal_chat(person: TeamsPerson) -> str:
    """The id of the person's 1:1 chat with the bot (what the fake answers when one is opened)."""
    return f"a:chat-with-{person.id}"


class TeamsDriver:
    """Teams' side of the conversation, plus the ask loop's crank."""

    def __init__(self, client: TestClient, fake: FakeBotConnector, runtime: Runtime) -> None:
        self.client = client
        self.fake = fake
        self.runtime = runtime
        self._ids = itertools.count(1000)

    @property
    def clock(self) -> ManualClock:
        return self.runtime.clock  # type: ignore[return-value]

    def post(self, activity: dict[str, Any], *, headers: dict[str, str] | None = None) -> httpx.Response:
        return self.client.post("/api/messages", json=activity, headers=headers or {})

    def activity(self, name: str, person: TeamsPerson, *, locale: str = "en-US", **fields: Any) -> dict[str, Any]:
        """A fixture activity from `person` to the bot, in their personal chat, via the fake connector."""
        activity = copy.deepcopy(fixture(name))
        activity.update(
            id=f"activity-{next(self._ids)}",
            serviceUrl=self.fake.url,
            recipient=dict(BOT),
            locale=locale,
            channelData={"tenant": {"id": TENANT}},
        )
        activity["from"] = {"id": person.id, "name": person.name, "aadObjectId": person.aad_object_id}
        activity["conversation"] = {"conversationType": "personal", "tenantId": TENANT, "id": personal_chat(person)}
        activity.update(fields)
        return activity

    def install(self, person: TeamsPerson, *, locale: str = "en-US") -> httpx.Response:
        activity = self.activity("conversation_update_personal_install.json", person, locale=locale)
        activity["membersAdded"] = [dict(BOT)]
        return self.post(activity)

    def team_install(self, installer: TeamsPerson, channel_id: str = TEAM_ID) -> dict[str, Any]:
        """The `conversationUpdate` Teams sends when `installer` adds the app to a team."""
        activity = copy.deepcopy(fixture("conversation_update_bot_added_to_team.json"))
        activity.update(id=f"activity-{next(self._ids)}", serviceUrl=self.fake.url, recipient=dict(BOT))
        activity["membersAdded"] = [dict(BOT)]
        activity["from"] = {"id": installer.id, "aadObjectId": installer.aad_object_id}
        activity["conversation"] = {"isGroup": True, "conversationType": "channel", "id": channel_id}
        activity["channelData"] = {"team": {"id": TEAM_ID, "name": "Sales team"}, "tenant": {"id": TENANT}}
        return activity

    def install_in_team(self, installer: TeamsPerson, channel_id: str = TEAM_ID) -> httpx.Response:
        return self.post(self.team_install(installer, channel_id))

    def message(self, person: TeamsPerson, text: str, *, locale: str = "en-US", **fields: Any) -> dict[str, Any]:
        """The message activity for `text` typed by `person` in their personal chat (not posted)."""
        activity = self.activity("message_personal.json", person, locale=locale, text=text, **fields)
        activity.pop("attachments", None)
        return activity

    def say(self, person: TeamsPerson, text: str, *, locale: str = "en-US") -> httpx.Response:
        return self.post(self.message(person, text, locale=locale))

    def mention(self, person: TeamsPerson, text: str, channel_id: str = CHANNEL_ID) -> httpx.Response:
        """`@OneScore text` in a team channel (a new thread in it)."""
        activity = copy.deepcopy(fixture("opsdroid_teams_channel_mention.json"))
        mention = "<at>OneScore</at>"
        activity.update(
            id=f"activity-{next(self._ids)}",
            serviceUrl=self.fake.url,
            recipient=dict(BOT),
            text=f"{mention} {text}",
            entities=[{"type": "mention", "text": mention, "mentioned": dict(BOT)}],
            channelData={
                "teamsChannelId": channel_id,
                "teamsTeamId": TEAM_ID,
                "channel": {"id": channel_id},
                "team": {"id": TEAM_ID},
                "tenant": {"id": TENANT},
            },
        )
        activity.pop("attachments", None)
        activity["from"] = {"id": person.id, "name": person.name, "aadObjectId": person.aad_object_id}
        activity["conversation"] = {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": TENANT,
            "id": f"{channel_id};messageid={next(self._ids)}",
        }
        return self.post(activity)

    def submit(
        self, person: TeamsPerson, button: dict[str, Any], inputs: dict[str, Any], *, sent: str
    ) -> httpx.Response:
        """Click `button` (an Action.Submit fallback the bot sent) on the card with activity id `sent`."""
        value = {**button["fallback"]["data"], **inputs}
        activity = self.activity("message_with_value_card_submit.json", person, value=value, replyToId=sent)
        activity["text"] = ""
        return self.post(activity)

    def execute(
        self, person: TeamsPerson, button: dict[str, Any], inputs: dict[str, Any], *, sent: str
    ) -> httpx.Response:
        """Click `button` as `Action.Execute`: an `adaptiveCard/action` invoke."""
        value = {
            "action": {"type": "Action.Execute", "verb": button["verb"], "data": {**button["data"], **inputs}},
            "trigger": "manual",
        }
        return self.post(self.activity("invoke_adaptive_card_action.json", person, value=value, replyToId=sent))

    def pump(self) -> TickReport:
        """One tick of the ask loop, then every outbound job that is due, on the app's own loop."""
        return self.client.portal.call(self.client.app.state.ask_loop.pump)  # type: ignore[union-attr]

    def sent_cards(self, person: TeamsPerson) -> list[tuple[str, dict[str, Any]]]:
        """(activity id, card) of every new card message in the person's 1:1 chat, oldest first."""
        return [
            (c.activity_id or "", a["content"])
            for c in self.fake.calls(SEND)
            if c.conversation_id == personal_chat(person)
            for a in c.body.get("attachments") or []
            if a["contentType"] == CARD
        ]

    def replies(self, conversation_id: str) -> list[dict[str, Any]]:
        """Every message the bot posted in a conversation (replies, welcomes, cards), oldest first."""
        return self.fake.sent_to(conversation_id)


@pytest.fixture
def teams(runtime: Runtime, fake: FakeBotConnector) -> Iterator[TeamsDriver]:
    with TestClient(create_app(runtime, background=False), headers={"Authorization": f"Bearer {API_TOKEN}"}) as client:
        yield TeamsDriver(client, fake, runtime)


@pytest.fixture
def signed_teams(runtime: Runtime, fake: FakeBotConnector, keys: FakeBotFrameworkKeys) -> Iterator[TeamsDriver]:
    """The app with an app id (override `settings` with `with_app_id`): nothing but tokens gets in."""
    with TestClient(create_app(runtime, background=False)) as client:
        yield TeamsDriver(client, fake, runtime)


def find_action(card: dict[str, Any], verb: str) -> dict[str, Any]:
    """The button with `verb` on a card (in its actions, or inside a ShowCard's card)."""
    for action in card.get("actions") or []:
        if action.get("verb") == verb:
            return action
        if action.get("type") == "Action.ShowCard":
            try:
                return find_action(action["card"], verb)
            except AssertionError:
                continue
    raise AssertionError(f"no {verb!r} action on {json.dumps(card)[:500]}")


def card_text(node: Any) -> str:
    """Everything a person reads on a card (text, runs, labels, choices, facts), one item a line."""
    found: list[str] = []

    def walk(item: Any) -> None:
        if isinstance(item, dict):
            for key in ("text", "title", "label", "value", "placeholder"):
                if isinstance(item.get(key), str):
                    found.append(item[key])
            for value in item.values():
                if isinstance(value, dict | list):
                    walk(value)
        elif isinstance(item, list):
            for entry in item:
                walk(entry)

    walk(node)
    return "\n".join(found)
