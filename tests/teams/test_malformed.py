"""Whatever a request's body holds, a stranger gets 401 and the Bot Framework sending junk gets 400, never a 5xx.

With an app id, the token is checked before the body is parsed: deeply nested JSON, bytes that are
not UTF-8, a gzip body or JSON that is no object are all a 401 without a valid token, and a 400 with
one. In the emulator mode (no token at all) the same bodies are a 400.
"""

from __future__ import annotations

import gzip
import json

import pytest
from sqlmodel import Session, select

from bot.settings import Settings
from storage.models import ConversationRef
from tests.fakes.bot_framework_keys import FakeBotFrameworkKeys
from tests.teams.conftest import APP_ID, MIKKO, TeamsDriver, with_app_id

DEEP = 5000


def bodies(teams: TeamsDriver) -> dict[str, bytes]:
    activity = teams.message(MIKKO, "scores")
    nested = {**activity, "channelData": json.loads("[" * 900 + "]" * 900)}
    deep_value = json.dumps(activity)[:-1] + ', "value": ' + '{"a": ' * DEEP + "1" + "}" * DEEP + "}"
    return {
        "nested arrays": b"[" * DEEP + b"]" * DEEP,
        "nested objects": b'{"a": ' * DEEP + b"1" + b"}" * DEEP,
        "nested inside an activity": deep_value.encode(),
        "channelData nested a little": json.dumps(nested).encode(),
        "not UTF-8": b'{"type": "message", "text": "\xff\xfe\xe4"}',
        "latin-1 activity": json.dumps(activity, ensure_ascii=False).replace("scores", "päivä").encode("latin-1"),
        "gzip": gzip.compress(json.dumps(activity).encode()),
        "a list": b"[]",
        "a number": b"1e999999",
        "null": b"null",
        "a string": b'"message"',
        "empty": b"",
        "NaN": b"NaN",
        "lone surrogate": b'{"type": "message", "text": "\\ud800"}',
    }


def post(teams: TeamsDriver, body: bytes, authorization: str | None, *, gzip_header: bool = False) -> int:
    headers = {"Content-Type": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    if gzip_header:
        headers["Content-Encoding"] = "gzip"
    return teams.client.post("/api/messages", content=body, headers=headers).status_code


def nothing_done(teams: TeamsDriver) -> bool:
    with Session(teams.runtime.engine) as session:
        return session.exec(select(ConversationRef)).first() is None and teams.fake.calls(ok_only=False) == []


class TestWithAnAppId:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return with_app_id(settings)

    @pytest.fixture
    def teams(self, signed_teams: TeamsDriver) -> TeamsDriver:
        return signed_teams

    @pytest.mark.parametrize("authorization", [None, "Bearer junk", "Basic YTpi", "Bearer " + "e" * 5000])
    def test_any_body_without_a_valid_token_is_401(self, teams: TeamsDriver, authorization: str | None) -> None:
        for name, body in bodies(teams).items():
            assert post(teams, body, authorization, gzip_header=name == "gzip") == 401, name
        assert nothing_done(teams)

    def test_a_forged_token_is_401_whatever_the_body(self, teams: TeamsDriver, keys: FakeBotFrameworkKeys) -> None:
        forged = f"Bearer {keys.forged_token(APP_ID, teams.fake.url)}"
        for name, body in bodies(teams).items():
            assert post(teams, body, forged) == 401, name
        assert nothing_done(teams)

    def test_a_valid_token_with_a_body_that_is_no_activity_is_400(
        self, teams: TeamsDriver, keys: FakeBotFrameworkKeys
    ) -> None:
        token = f"Bearer {keys.token(APP_ID, teams.fake.url)}"
        for name, body in bodies(teams).items():
            response = teams.client.post("/api/messages", content=body, headers={"Authorization": token})
            assert response.status_code == 400, (name, response.status_code)
            assert "not a Bot Framework activity" in response.text
        assert nothing_done(teams)


def test_in_the_emulator_mode_a_body_that_is_no_activity_is_400(teams: TeamsDriver) -> None:
    for name, body in bodies(teams).items():
        assert post(teams, body, None) == 400, name
    assert nothing_done(teams)


def test_null_entries_in_an_activitys_lists_are_skipped(teams: TeamsDriver) -> None:
    """JSON allows `[null]` in any list; botbuilder hands such an entry on as None. A message whose
    entities hold one is still answered, and an install whose membersAdded holds one is no error."""
    message = teams.message(MIKKO, "help", entities=[None, {"type": "clientInfo", "timezone": "Europe/Helsinki"}])
    assert teams.post(message).status_code < 300
    assert teams.fake.sent_to(message["conversation"]["id"]), "the help was sent"
    install = teams.activity("conversation_update_personal_install.json", MIKKO)
    install["membersAdded"] = [None, {"id": "29:someone"}]
    assert teams.post(install).status_code < 300
