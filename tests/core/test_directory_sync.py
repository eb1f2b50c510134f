"""The directory sync and the look-up by email, driven directly with an in-memory directory."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.durable.leases import try_acquire
from bot.people.discovery import PeopleFinder
from bot.people.roster import MemberChange, change_member
from bot.people.source import PlatformPerson
from bot.people.sync import LEASE_NAME, DirectorySync
from bot.runtime import Runtime
from storage.db import run_transaction
from storage.models import Member, Team
from tests.core.memory_directory import MemoryDirectory

ORG = """
timezone: Europe/Helsinki
teams:
  - {name: sales, slack_usergroup: "@sales"}
  - {name: marketing, slack_usergroup: "@marketing"}
  - {name: product}
members:
  - {email: aino@example.com, name: Aino, team: sales, role: admin}
  - {email: mikko@example.com, name: Mikko}
"""
PIRJO = PlatformPerson("U0PIRJO", "pirjo@example.com", "Pirjo")
MIKKO = PlatformPerson("U0MIKKO", "mikko@example.com", "Mikko")
AINO = PlatformPerson("U0AINO", "aino@example.com", "Aino")


@pytest.fixture
def org_yaml() -> str:
    return ORG


@pytest.fixture
def directory(runtime: Runtime) -> MemoryDirectory:
    runtime.sync_organisation()
    return MemoryDirectory(groups={"@sales": [PIRJO, AINO], "@marketing": [MIKKO]})


def team_of(runtime: Runtime, email: str) -> str | None:
    with Session(runtime.engine) as session:
        member = session.exec(select(Member).where(Member.email == email)).one()
        team = session.get(Team, member.team_id) if member.team_id else None
        return team.name if team else None


def member(runtime: Runtime, email: str) -> Member:
    with Session(runtime.engine) as session:
        return session.exec(select(Member).where(Member.email == email)).one()


def test_groups_fill_teams_and_the_file_wins(runtime: Runtime, directory: MemoryDirectory) -> None:
    (report,) = asyncio.run(DirectorySync(runtime, {"slack": directory}).run())
    assert (report.seen, report.added, report.error) == (3, 1, None)
    assert team_of(runtime, "pirjo@example.com") == "sales"
    assert team_of(runtime, "mikko@example.com") == "marketing"  # in the file, but the file names no team
    assert team_of(runtime, "aino@example.com") == "sales"
    assert member(runtime, "pirjo@example.com").slack_id == "U0PIRJO"
    directory.groups["@marketing"].append(AINO)
    directory.groups["@sales"].remove(AINO)
    asyncio.run(DirectorySync(runtime, {"slack": directory}).run())
    assert team_of(runtime, "aino@example.com") == "sales"  # the file names her team


def test_a_team_an_admin_set_is_kept_by_later_syncs(runtime: Runtime, directory: MemoryDirectory) -> None:
    sync = DirectorySync(runtime, {"slack": directory})
    asyncio.run(sync.run())
    run_transaction(
        runtime.engine,
        lambda s: change_member(s, runtime.org, "pirjo@example.com", MemberChange(team="product"), runtime.now()),
    )
    asyncio.run(sync.run())
    assert team_of(runtime, "pirjo@example.com") == "product"


def test_one_replica_at_a_time(runtime: Runtime, directory: MemoryDirectory) -> None:
    assert try_acquire(runtime.engine, LEASE_NAME, "the other replica", runtime.now(), timedelta(minutes=15))
    assert asyncio.run(DirectorySync(runtime, {"slack": directory}).run()) is None
    assert team_of(runtime, "mikko@example.com") is None


def test_an_outage_changes_nothing(runtime: Runtime, directory: MemoryDirectory) -> None:
    sync = DirectorySync(runtime, {"slack": directory})
    asyncio.run(sync.run())
    directory.down = "Slack answered fatal_error"
    directory.groups["@sales"] = []
    (report,) = asyncio.run(sync.run())
    assert report.error == "Slack answered fatal_error"
    assert "the last known directory stays" in report.line()
    assert team_of(runtime, "pirjo@example.com") == "sales" and member(runtime, "pirjo@example.com").active


def test_deleted_people_turn_inactive_and_back(runtime: Runtime, directory: MemoryDirectory) -> None:
    sync = DirectorySync(runtime, {"slack": directory})
    asyncio.run(sync.run())
    gone = PlatformPerson("U0PIRJO", "pirjo@example.com", "Pirjo", active=False)
    stranger = PlatformPerson("U0GONE", "gone@example.com", "Gone", active=False)
    directory.groups["@sales"] = [gone]
    directory.everyone = [gone, stranger]
    (report,) = asyncio.run(sync.run())
    assert report.deactivated == 1
    assert not member(runtime, "pirjo@example.com").active
    with Session(runtime.engine) as session:
        assert session.exec(select(Member).where(Member.email == "gone@example.com")).first() is None
    directory.groups["@sales"] = [PIRJO]
    directory.everyone = []
    asyncio.run(sync.run())
    assert member(runtime, "pirjo@example.com").active


def test_people_found_by_email_become_members_without_a_team(runtime: Runtime, directory: MemoryDirectory) -> None:
    teams = MemoryDirectory(name="teams", id_field="teams_id", everyone=[PlatformPerson("29:t", "tuuli@example.com")])
    directory.down = "Slack answered ratelimited"
    finder = PeopleFinder(runtime, {"slack": directory, "teams": teams})
    added = asyncio.run(finder.adopt(["Tuuli@Example.com", "aino@example.com", None, "nobody@example.com"]))
    assert added == ["tuuli@example.com"]
    tuuli = member(runtime, "tuuli@example.com")
    assert (tuuli.teams_id, tuuli.team_id, tuuli.source) == ("29:t", None, "platform")
    assert "aino@example.com" not in directory.lookups  # known members are never looked up
    assert asyncio.run(finder.adopt(["tuuli@example.com"])) == []


def test_a_person_deleted_on_one_platform_stays_inactive_while_another_lists_them(
    runtime: Runtime, directory: MemoryDirectory
) -> None:
    teams = MemoryDirectory(name="teams", id_field="teams_id", groups={"@sales": [PlatformPerson("29:p", PIRJO.email)]})
    sync = DirectorySync(runtime, {"slack": directory, "teams": teams})
    asyncio.run(sync.run())
    gone = PlatformPerson("U0PIRJO", "pirjo@example.com", "Pirjo", active=False)
    directory.groups["@sales"], directory.everyone = [], [gone]
    slack_report, teams_report = asyncio.run(sync.run())
    assert (slack_report.deactivated, teams_report.error) == (1, None)
    assert not member(runtime, "pirjo@example.com").active
    assert member(runtime, "pirjo@example.com").teams_id == "29:p"
