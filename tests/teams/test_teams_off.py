"""Without `MicrosoftAppId`, Teams is off: `/api/messages` answers 503 and nothing it is sent is acted on.

Only `ONESCORE_TEAMS_EMULATOR=true` turns on the unauthenticated mode, for local testing, and says
so loudly at start-up.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bot.app import create_app
from bot.runtime import Runtime
from bot.settings import Settings
from storage.models import ConversationRef
from tests.fakes.bot_connector import FakeBotConnector
from tests.teams.conftest import MIKKO, TeamsDriver


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"teams_emulator": False})


@pytest.fixture
def teams(runtime: Runtime, fake: FakeBotConnector, caplog: pytest.LogCaptureFixture) -> Iterator[TeamsDriver]:
    caplog.set_level(logging.INFO)
    with TestClient(create_app(runtime, background=False)) as client:
        yield TeamsDriver(client, fake, runtime)


def test_without_an_app_id_an_unauthenticated_scores_command_gets_503_and_nothing_is_sent(teams: TeamsDriver) -> None:
    response = teams.say(MIKKO, "scores")
    assert response.status_code == 503
    assert "Teams is off" in response.text and "MicrosoftAppId" in response.text
    assert teams.fake.calls(ok_only=False) == []
    with Session(teams.runtime.engine) as session:
        assert session.exec(select(ConversationRef)).first() is None


@pytest.mark.parametrize("body", [b"", b"not json", b"\xff\xfe", b"[" * 5000, b'{"type": "message"}'])
def test_without_an_app_id_any_body_gets_503(teams: TeamsDriver, body: bytes) -> None:
    assert teams.client.post("/api/messages", content=body).status_code == 503


def test_the_start_up_log_says_teams_is_off_and_why(teams: TeamsDriver, caplog: pytest.LogCaptureFixture) -> None:
    lines = [r.getMessage() for r in caplog.get_records("setup") if r.levelno >= logging.WARNING]
    assert any("teams is off" in line and "MicrosoftAppId is not set" in line for line in lines), lines


def test_the_emulator_mode_is_read_from_onescore_teams_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONESCORE_TEAMS_EMULATOR", "true")
    assert Settings(_env_file=None).teams_emulator is True
    monkeypatch.delenv("ONESCORE_TEAMS_EMULATOR")
    assert Settings(_env_file=None).teams_emulator is False


def test_the_emulator_mode_answers_local_activities_and_warns_loudly(
    runtime: Runtime, fake: FakeBotConnector, caplog: pytest.LogCaptureFixture
) -> None:
    runtime.settings = runtime.settings.model_copy(update={"teams_emulator": True})
    caplog.set_level(logging.INFO)
    with TestClient(create_app(runtime, background=False)) as client:
        response = TeamsDriver(client, fake, runtime).say(MIKKO, "help")
    assert response.status_code == 202
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("ONESCORE_TEAMS_EMULATOR" in line and "WITHOUT AUTHENTICATION" in line for line in warnings), warnings
