"""The service without chat credentials: it starts, serves the API, and says clearly that Slack is off."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_without_slack_settings_the_service_starts_and_slack_events_says_why_it_is_off(
    client: TestClient,
) -> None:
    response = client.post("/slack/events", content=b"payload=%7B%7D")
    assert response.status_code == 503
    assert response.text == "Slack is off: SLACK_BOT_TOKEN is not set"
    assert client.get("/healthz").status_code == 200
