"""`GET/PUT /api/members` and `/onescore settings member …`: admins change a member's team or role,
and the organisation file still wins where it names the member."""

from __future__ import annotations

from typing import Any

import pytest

from tests.slack.conftest import SlackDriver

ORG_YAML = """
timezone: Europe/Helsinki
language: en
teams:
  - {name: sales, slack_usergroup: S0SALES01}
  - {name: marketing}
  - {name: hr, label: "HR & koulutus"}
members:
  - {email: aino@example.com, name: Aino, team: sales, role: admin, slack_id: U0AINO}
  - {email: mikko@example.com, name: Mikko, slack_id: U0MIKKO, language: fi}
"""


@pytest.fixture
def org_yaml() -> str:
    return ORG_YAML


@pytest.fixture
def synced(slack: SlackDriver) -> SlackDriver:
    slack.fake.add_user("U0PIRJO", "pirjo@example.com", name="Pirjo")
    slack.fake.add_usergroup("S0SALES01", "sales", ["U0PIRJO"])
    slack.client.portal.call(slack.app.state.directory_sync.run)  # type: ignore[union-attr]
    return slack


def member(slack: SlackDriver, email: str) -> dict[str, Any]:
    return next(m for m in slack.client.get("/api/members").json()["members"] if m["email"] == email)


def test_the_members_api_needs_the_token(synced: SlackDriver) -> None:
    assert synced.client.get("/api/members", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert (
        synced.client.put("/api/members/pirjo@example.com", content=b"{", headers={"Authorization": ""}).status_code
        == 401
    )


def test_an_admin_moves_a_platform_member_and_the_next_sync_keeps_it(synced: SlackDriver) -> None:
    response = synced.client.put("/api/members/pirjo@example.com", json={"team": "HR & koulutus", "role": "lead"})
    assert response.status_code == 200, response.text
    assert response.json() | {"platforms": ["slack"]} == {
        "email": "pirjo@example.com",
        "name": "Pirjo",
        "team": "hr",
        "role": "lead",
        "platforms": ["slack"],
        "active": True,
        "source": "platform",
    }
    synced.client.portal.call(synced.app.state.directory_sync.run)  # type: ignore[union-attr]
    assert member(synced, "pirjo@example.com")["team"] == "hr"


def test_the_file_wins_where_it_names_the_member(synced: SlackDriver) -> None:
    refused = synced.client.put("/api/members/aino@example.com", json={"team": "marketing"})
    assert refused.status_code == 409
    assert refused.json()["file_decides"] == ["team"]
    role = synced.client.put("/api/members/mikko@example.com", json={"role": "admin"})
    assert role.status_code == 409 and role.json()["file_decides"] == ["role"]
    team = synced.client.put("/api/members/mikko@example.com", json={"team": "marketing"})
    assert team.status_code == 200  # the file names no team for Mikko
    assert member(synced, "aino@example.com")["team"] == "sales"


def test_bad_changes_are_clear_4xx(synced: SlackDriver) -> None:
    assert synced.client.put("/api/members/nobody@example.com", json={"team": "sales"}).status_code == 404
    unknown = synced.client.put("/api/members/pirjo@example.com", json={"team": "legal"})
    assert unknown.status_code == 422 and "legal" in unknown.text
    assert synced.client.put("/api/members/pirjo@example.com", json={"role": "boss"}).status_code == 422
    assert synced.client.put("/api/members/pirjo@example.com", json={"colour": "red"}).status_code == 422
    assert synced.client.put("/api/members/pirjo@example.com", content=b"\xff\xfe").status_code == 422


def test_an_admin_changes_a_member_with_onescore_settings(synced: SlackDriver) -> None:
    synced.command("U0AINO", "settings member <mailto:pirjo@example.com|pirjo@example.com> team marketing")
    (reply,) = synced.fake.calls("response_url:cmd1")
    assert reply.args["text"] == "pirjo@example.com: team marketing, role member."
    assert member(synced, "pirjo@example.com")["team"] == "marketing"

    synced.command("U0AINO", "settings member aino@example.com role member")
    assert "organisation file decides role" in synced.fake.calls("response_url:cmd3")[0].args["text"]
    synced.command("U0AINO", "settings member pirjo@example.com role boss")
    assert "boss" in synced.fake.calls("response_url:cmd5")[0].args["text"]


def test_only_admins_change_members(synced: SlackDriver) -> None:
    synced.command("U0MIKKO", "settings member pirjo@example.com team marketing")
    (reply,) = synced.fake.calls("response_url:cmd1")
    assert reply.args["text"] == "Vain ylläpitäjät voivat muuttaa OneScoren asetuksia."
    assert member(synced, "pirjo@example.com")["team"] == "sales"
