"""The directory from Slack: user groups mapped in the organisation file fill their teams.

Driven from outside: the fake Slack answers `usergroups.list`, `usergroups.users.list` and
`users.list` (paged at 200), the sync runs as the service's own job (or the CLI), and what it did
is read back through `GET /api/members` and through the asks a closed deal sends.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.people.sync import PlatformReport
from bot.runtime import Runtime
from bot.settings import Settings
from tests.conftest import API_TOKEN
from tests.fakes.slack_api import FakeSlack
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, SlackDriver

ROOT = Path(__file__).resolve().parents[2]

ORG_YAML = """
timezone: Europe/Helsinki
language: en
ask_hours: always
teams:
  - {name: sales, slack_usergroup: "@sales"}
  - {name: marketing, slack_usergroup: S0MKTG001}
  - {name: product}
  - {name: hr, slack_usergroup: S0NOSUCH}
members:
  - {email: aino@example.com, name: Aino, team: sales, role: admin, slack_id: U0AINO}
  - {email: mikko@example.com, name: Mikko, team: marketing, slack_id: U0MIKKO}
"""


@pytest.fixture
def org_yaml() -> str:
    return ORG_YAML


@pytest.fixture
def fake(fake: FakeSlack) -> FakeSlack:
    fake.add_user("U0PIRJO", "pirjo@example.com", name="Pirjo Päivärinta")
    fake.add_user("U0TEEMU", "teemu@example.com", name="Teemu")
    fake.add_user("U0GONE", "gone@example.com", name="Gone", deleted=True)
    fake.add_user("U0ROBOT", "robot@example.com", name="Robot", is_bot=True)
    fake.add_usergroup("S0SALES01", "sales", ["U0PIRJO", "U0MIKKO", "U0GONE"])
    fake.add_usergroup("S0MKTG001", "marketing", ["U0TEEMU", "U0ROBOT"])
    return fake


def sync(slack: SlackDriver) -> list[PlatformReport]:
    return slack.client.portal.call(slack.app.state.directory_sync.run)  # type: ignore[union-attr]


def members(slack: SlackDriver) -> dict[str, dict[str, Any]]:
    response = slack.client.get("/api/members")
    assert response.status_code == 200, response.text
    return {m["email"]: m for m in response.json()["members"]}


def test_members_of_mapped_user_groups_become_members_of_their_team(slack: SlackDriver) -> None:
    (report,) = sync(slack)
    assert report.error is None
    found = members(slack)
    assert found["pirjo@example.com"] | {"platforms": None} == {
        "email": "pirjo@example.com",
        "name": "Pirjo Päivärinta",
        "team": "sales",
        "role": "member",
        "platforms": None,
        "active": True,
        "source": "platform",
    }
    assert found["pirjo@example.com"]["platforms"] == ["slack"]
    assert found["teemu@example.com"]["team"] == "marketing"
    assert found["mikko@example.com"]["team"] == "marketing"  # the file names his team: the file wins
    assert found["mikko@example.com"]["source"] == "file"
    assert "robot@example.com" not in found and "gone@example.com" not in found  # bots and the deleted: never added


def test_a_second_sync_changes_nothing_and_follows_a_move_between_groups(slack: SlackDriver) -> None:
    sync(slack)
    (again,) = sync(slack)
    assert (again.added, again.moved) == (0, 0)
    slack.fake.state.usergroups["S0SALES01"].users.remove("U0PIRJO")
    slack.fake.state.usergroups["S0MKTG001"].users.append("U0PIRJO")
    (moved,) = sync(slack)
    assert moved.moved == 1
    assert members(slack)["pirjo@example.com"]["team"] == "marketing"


def test_users_are_read_200_a_page(slack: SlackDriver) -> None:
    for n in range(450):
        slack.fake.add_user(f"U1{n:05d}", f"person{n}@example.com", name=f"Person {n}")
    slack.fake.state.usergroups["S0MKTG001"].users += [f"U1{n:05d}" for n in range(450)]
    (report,) = sync(slack)
    calls = slack.fake.calls("users.list")
    assert len(calls) == 3  # 450 + the fixture's people, at most 200 a page
    assert all(int(c.args["limit"]) == 200 for c in calls)
    assert report.added == 2 + 450
    assert not slack.fake.calls("users.info")  # everyone came from the list


def test_an_unknown_user_group_is_one_line_naming_the_key(slack: SlackDriver, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        (report,) = sync(slack)
        sync(slack)
    lines = [r.getMessage() for r in caplog.records if "teams[3].slack_usergroup" in r.getMessage()]
    assert len(lines) == 1
    assert "S0NOSUCH" in lines[0] and "onescore.yaml" in lines[0]
    assert report.unknown_groups == ["teams[3].slack_usergroup 'S0NOSUCH'"]
    assert members(slack)["pirjo@example.com"]["team"] == "sales"  # the other groups still synced


def test_a_slack_outage_keeps_the_last_known_directory(slack: SlackDriver, caplog: pytest.LogCaptureFixture) -> None:
    sync(slack)
    before = members(slack)
    slack.fake.state.usergroups["S0SALES01"].users.clear()
    slack.fake.fail("users.list", 500, times=5)
    with caplog.at_level(logging.WARNING):
        (report,) = sync(slack)
    assert report.error is not None
    assert members(slack) == before
    assert any("last known directory stays" in r.getMessage() for r in caplog.records)


def test_people_deleted_on_slack_are_marked_inactive_and_never_asked(slack: SlackDriver) -> None:
    sync(slack)
    slack.fake.state.users["U0PIRJO"].deleted = True
    (report,) = sync(slack)
    assert report.deactivated == 1
    assert members(slack)["pirjo@example.com"]["active"] is False
    response = slack.client.put(
        "/api/deals/crm:1",
        json={
            "name": "Acme",
            "amount": 1000,
            "stage": "won",
            "owner": "aino@example.com",
            "participants": [{"member": "pirjo@example.com", "team": "marketing"}, {"member": "mikko@example.com"}],
            "closed_at": "2026-11-24",
        },
    )
    assert response.status_code == 201, response.text
    slack.pump()
    assert slack.dms("U0MIKKO")
    assert not slack.dms("U0PIRJO")


def test_onescore_sync_directory_on_the_command_line(fake: FakeSlack, settings: Settings, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": settings.database_url,
        "ONESCORE_CONFIG": str(settings.config_path),
        "ONESCORE_API_TOKEN": API_TOKEN,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "sync-directory"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "slack: 5 people in mapped groups, 2 added" in done.stdout
    assert "teams[3].slack_usergroup: no Slack user group 'S0NOSUCH'" in done.stderr
    fake.fail("usergroups.list", 500, times=5)
    failed = subprocess.run(
        [sys.executable, "-m", "bot.cli", "sync-directory"], env=env, capture_output=True, text=True, timeout=120
    )
    assert failed.returncode == 1
    assert "the last known directory stays" in failed.stdout


def test_the_service_syncs_at_start(runtime: Runtime, fake: FakeSlack) -> None:
    """With its background jobs on, the service runs the sync as soon as it starts (then hourly)."""
    with TestClient(create_app(runtime), headers={"Authorization": f"Bearer {API_TOKEN}"}) as client:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            found = {m["email"] for m in client.get("/api/members").json()["members"]}
            if "pirjo@example.com" in found:
                break
            time.sleep(0.1)
    assert {"pirjo@example.com", "teemu@example.com"} <= found


def test_a_rate_limited_page_is_waited_out_as_slack_asks(slack: SlackDriver) -> None:
    slack.fake.fail("users.list", 429, retry_after=1)
    (report,) = sync(slack)
    assert report.error is None and report.added == 2
    assert [c.status for c in slack.fake.calls("users.list", ok_only=False)] == [429, 200]
