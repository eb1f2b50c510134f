"""`/onescore dashboard` in Slack: a one-time sign-in link, visible only to the caller, unfurled never."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from bot.settings import Settings
from tests.slack.conftest import SlackDriver
from tests.web.support import csrf_of

PUBLIC_URL = "https://onescore.example.com"
LINK = re.compile(re.escape(PUBLIC_URL) + r"/login/([A-Za-z0-9_-]{40,})")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_url": PUBLIC_URL})


def replies(slack: SlackDriver) -> list[dict]:
    return [c.args for c in slack.fake.calls() if c.method.startswith("response_url:")]


def test_the_link_arrives_ephemeral_and_signs_in_its_member_once(slack: SlackDriver) -> None:
    response = slack.command("U0AINO", "dashboard")
    assert response.status_code == 200
    [reply] = replies(slack)
    assert reply["response_type"] == "ephemeral"
    assert reply["unfurl_links"] is False
    found = LINK.search(reply["text"])
    assert found, reply["text"]
    assert "10 minutes" in reply["text"]

    browser = TestClient(slack.app, base_url=PUBLIC_URL)
    path = f"/login/{found.group(1)}"
    page = browser.get(path)
    assert "as Aino?" in page.text
    assert browser.post(path, data={"csrf": csrf_of(page.text)}).status_code == 200
    assert "Signed in as Aino" in browser.get("/").text
    assert browser.post(path, data={"csrf": csrf_of(page.text)}).status_code in (401, 403)


def test_each_request_gets_a_new_link_in_the_members_language(slack: SlackDriver) -> None:
    slack.command("U0MIKKO", "dashboard")
    slack.command("U0MIKKO", "dashboard")
    first, second = (LINK.search(reply["text"]) for reply in replies(slack))
    assert first and second and first.group(1) != second.group(1)
    assert "Kirjautumislinkkisi" in replies(slack)[0]["text"]


def test_someone_slack_lists_as_deleted_gets_no_link(slack: SlackDriver) -> None:
    slack.fake.add_user("U0GONE", "gone@example.com", name="Gone", deleted=True)
    slack.command("U0GONE", "dashboard")
    [reply] = replies(slack)
    assert "/login/" not in reply["text"] and "member" in reply["text"]


def test_someone_in_the_workspace_not_yet_known_becomes_a_member_and_gets_a_link(slack: SlackDriver) -> None:
    slack.command("U0STRANGER", "dashboard")
    [reply] = replies(slack)
    assert LINK.search(reply["text"])


def test_without_a_public_url_the_reply_says_what_is_missing(slack: SlackDriver) -> None:
    slack.runtime.settings = slack.runtime.settings.model_copy(update={"public_url": None})
    slack.command("U0AINO", "dashboard")
    [reply] = replies(slack)
    assert "ONESCORE_PUBLIC_URL" in reply["text"] and "/login/" not in reply["text"]
