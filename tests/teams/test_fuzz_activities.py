"""Generated Teams activities against the real app over HTTP: the suite that finds the next hole.

Every example starts from a captured activity (`tests/fixtures/teams`, and `../shared/fixtures/teams`
beside the repository when it is there), points it at the fake Bot Connector, and then puts junk in
some of its fields: wrong types, odd Unicode, huge numbers, nested lists and objects, hostile
`serviceUrl`s, the real id of someone else's ask. It is posted in the emulator mode and, signed with
the fake Bot Framework keys, with an app id. Whatever it holds: never a 5xx, never an answer to the
ask of someone else, and never a connection to a host the test did not allow (every host name the
process looks up is recorded by `HostLookups`).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from botframework.connector.auth import MicrosoftAppCredentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from bot.settings import Settings
from storage.models import Answer, Ask, AskStatus, Member
from tests.conftest import API_TOKEN
from tests.fakes.bot_connector import HostLookups
from tests.fakes.bot_framework_keys import FakeBotFrameworkKeys
from tests.teams.conftest import AINO, APP_ID, BOT, MIKKO, STRANGER, TeamsDriver, with_app_id
from tests.teams.test_ask_flow import ACME, mikko_asked

FIXTURE_DIRS = [
    Path(__file__).resolve().parents[1] / "fixtures" / "teams",
    Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "teams",
]
FIXTURES = [
    json.loads(path.read_text(encoding="utf-8"))
    for directory in FIXTURE_DIRS
    if directory.is_dir()
    for path in sorted(directory.glob("*.json"))
]
HOSTILE_URLS = [
    "http://example.com\\@127.0.0.1/",
    "http://attacker@127.0.0.1/",
    "http://127.0.0.1\t.example.com/",
    "https://attacker.example.com/",
    "http://169.254.169.254/latest/",
    "ftp://127.0.0.1/",
    "http://ｌｏｃａｌｈｏｓｔ/",
    "//127.0.0.1/",
    "",
]
ODD_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["ääkkönen Öö", "😀🎉", "<at>OneScore</at>", "scores 0001-W01", "scores 9999-W52", "help", "\u202e\u0000"]
)
ODD_NUMBERS = st.sampled_from([1e308, -1e308, 10**30, -(10**30), 2**63, 2**31, -1, 0, 1.5])
SCALARS = st.none() | st.booleans() | st.integers() | ODD_NUMBERS | ODD_TEXT
JUNK = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ODD_TEXT, inner, max_size=3), max_leaves=8
)
FIELDS = [
    "type", "name", "text", "value", "entities", "channelData", "locale", "localTimezone", "replyToId",
    "membersAdded", "recipient", "from", "conversation", "attachments", "id", "serviceUrl", "channelId",
]  # fmt: skip
PARTS = {
    "from": ["id", "name", "aadObjectId"],
    "conversation": ["id", "conversationType", "tenantId", "isGroup", "name"],
    "channelData": ["tenant", "team", "channel", "teamsTeamId", "teamsChannelId"],
    "value": ["onescore", "ask_id", "team", "impact", "text", "quotable", "action"],
}


@st.composite
def activities(draw: st.DrawFn, service_url: str, ask_id: int) -> dict[str, Any]:
    """A fixture from someone other than Mikko, with junk in some fields and parts of fields."""
    activity = copy.deepcopy(draw(st.sampled_from(FIXTURES)))
    person = draw(st.sampled_from([AINO, STRANGER]))
    activity.update(serviceUrl=service_url, recipient=dict(BOT), id=f"fuzz-{draw(st.integers(0, 10**9))}")
    activity["from"] = {"id": person.id, "name": person.name, "aadObjectId": person.aad_object_id}
    if draw(st.booleans()):
        action = draw(st.sampled_from(["ask.answer", "ask.decline", "ask.not_sure"]))
        data = {"onescore": action, "ask_id": ask_id, "team": "sales", "impact": "strong", "text": "x"}
        activity["value"] = data if draw(st.booleans()) else {"action": {"type": "Action.Execute", "data": data}}
    for field in draw(st.lists(st.sampled_from(FIELDS), max_size=4, unique=True)):
        activity[field] = draw(JUNK)
    for field, parts in PARTS.items():
        if isinstance(activity.get(field), dict):
            for part in draw(st.lists(st.sampled_from(parts), max_size=2, unique=True)):
                activity[field][part] = draw(JUNK | st.just(ask_id))
    if draw(st.integers(0, 5)) == 0:
        activity["serviceUrl"] = draw(st.sampled_from(HOSTILE_URLS))
    return activity


def encoded(activity: dict[str, Any]) -> bytes:
    return json.dumps(activity, ensure_ascii=False).encode("utf-8", "surrogatepass")


def pending_ask(teams: TeamsDriver) -> int:
    mikko_asked(teams)
    return mikkos_ask(teams)


def mikkos_ask(teams: TeamsDriver) -> int:
    with Session(teams.runtime.engine) as session:
        mikko = session.exec(select(Member).where(Member.email == MIKKO.email)).one()
        ask = session.exec(select(Ask).where(Ask.member_id == mikko.id)).one()
    assert ask.id is not None and ask.sent_at is not None
    return ask.id


def assert_nothing_leaked(teams: TeamsDriver, lookups: HostLookups, ask_id: int) -> None:
    assert lookups.refused == []
    with Session(teams.runtime.engine) as session:
        ask = session.get(Ask, ask_id)
        assert ask is not None and ask.status == AskStatus.PENDING
        assert session.exec(select(Answer)).all() == []


FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def test_generated_activities_in_the_emulator_mode(teams: TeamsDriver) -> None:
    ask_id = pending_ask(teams)

    @FUZZ
    @given(activity=activities(teams.fake.url, ask_id))
    def check(activity: dict[str, Any]) -> None:
        response = teams.client.post("/api/messages", content=encoded(activity))
        assert response.status_code < 500, (response.status_code, activity)

    with HostLookups() as lookups:
        check()
    assert_nothing_leaked(teams, lookups, ask_id)


class TestWithAnAppId:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return with_app_id(settings)

    @pytest.fixture
    def teams(self, signed_teams: TeamsDriver, monkeypatch: pytest.MonkeyPatch) -> TeamsDriver:
        """The bot's own token for the connector comes from Azure AD through MSAL; a fixed one stands in."""
        monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", lambda self, force_refresh=False: "bot-token")
        return signed_teams

    def test_generated_activities_signed_for_their_service_url(
        self, teams: TeamsDriver, keys: FakeBotFrameworkKeys
    ) -> None:
        ask_id = self._pending_ask(teams, keys)

        @FUZZ
        @given(activity=activities(teams.fake.url, ask_id), signed=st.booleans())
        def check(activity: dict[str, Any], signed: bool) -> None:
            url = activity.get("serviceUrl") if isinstance(activity.get("serviceUrl"), str) else teams.fake.url
            # A token vouching for a host that cannot be reached is Microsoft's outage, not the request's
            # content: hostile URLs are sent with a token for the fake connector, which must refuse them.
            vouched = url if signed and url.startswith(f"{teams.fake.url}/") else teams.fake.url
            token = keys.token(APP_ID, vouched)
            headers = {"Authorization": f"Bearer {token}"}
            response = teams.client.post("/api/messages", content=encoded(activity), headers=headers)
            assert response.status_code < 500, (response.status_code, activity)

        with HostLookups() as lookups:
            check()
        assert_nothing_leaked(teams, lookups, ask_id)

    @staticmethod
    def _pending_ask(teams: TeamsDriver, keys: FakeBotFrameworkKeys) -> int:
        install = teams.activity("conversation_update_personal_install.json", MIKKO)
        install["membersAdded"] = [dict(BOT)]
        headers = {"Authorization": f"Bearer {keys.token(APP_ID, teams.fake.url)}"}
        assert teams.post(install, headers=headers).status_code == 202
        api = {"Authorization": f"Bearer {API_TOKEN}"}
        assert teams.client.put("/api/deals/hubspot:1", json=ACME, headers=api).status_code == 201
        teams.pump()
        return mikkos_ask(teams)
