"""Slack over Socket Mode with an app token, and the app manifest."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.cli import main
from bot.runtime import Runtime
from bot.settings import Settings
from tests.conftest import API_TOKEN
from tests.fakes.slack_api import FakeSlack
from tests.slack.conftest import BOT_TOKEN


def test_socket_mode_connects_with_the_app_token_and_answers_commands_over_the_socket(
    tmp_path: Path, database_url: str, fake: FakeSlack, clock
) -> None:
    config = tmp_path / "onescore.yaml"
    config.write_text("{}\n", encoding="utf-8")
    settings = Settings(
        _env_file=None,
        DATABASE_URL=database_url,
        ONESCORE_CONFIG=str(config),
        ONESCORE_API_TOKEN=API_TOKEN,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN="xapp-1-test",
        SLACK_API_URL=fake.api_url,
    )
    runtime = Runtime.from_settings(settings, clock=clock)
    with TestClient(create_app(runtime, background=False)) as client:
        deadline = time.monotonic() + 10
        while not fake.socket_connected() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert fake.calls("apps.connections.open")
        command = {
            "token": "t",
            "team_id": "T0FAKE",
            "channel_id": "C1",
            "user_id": "U0AINO",
            "command": "/onescore",
            "text": "help",
            "api_app_id": "A0APP",
            "response_url": fake.response_url(),
            "trigger_id": "1.2.3",
        }
        reply = fake.socket_send(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": command,
            }
        )
        assert reply["envelope_id"] == "env-1"
        deadline = time.monotonic() + 10
        while not fake.calls("response_url:r1") and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "`/onescore join TEAM`" in fake.calls("response_url:r1")[0].args["text"]
        assert client.post("/slack/events", content=b"{}").status_code == 503  # no signing secret: no HTTP
    runtime.engine.dispose()


def test_manifest_names_the_commands_scopes_interactivity_home_and_events(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["manifest", "slack", "--url", "https://onescore.example.com/"]) == 0
    manifest = json.loads(capsys.readouterr().out)
    url = "https://onescore.example.com/slack/events"
    assert [(c["command"], c["url"]) for c in manifest["features"]["slash_commands"]] == [
        ("/onescore", url),
        ("/scores", url),
    ]
    assert manifest["oauth_config"]["scopes"]["bot"] == [
        "channels:history",
        "channels:join",
        "chat:write",
        "commands",
        "files:write",
        "groups:history",
        "im:history",
        "im:write",
        "usergroups:read",
        "users:read",
        "users:read.email",
    ]
    assert manifest["settings"]["interactivity"]["request_url"] == url
    assert manifest["settings"]["event_subscriptions"] == {
        "bot_events": ["app_home_opened"],
        "request_url": url,
    }
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True


def test_manifest_refuses_a_plain_http_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["manifest", "slack", "--url", "http://onescore.example.com"]) == 2
    assert "https" in capsys.readouterr().err
