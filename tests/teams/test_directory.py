"""The directory from Teams: the roster of a team the bot is installed in fills the mapped team.

The fake Bot Connector serves rosters page by page; the bot learns the team (and its name) from
the install activity, exactly as Teams sends it.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.fakes.bot_connector import ROSTER, UPDATE, TeamsPerson
from tests.teams.conftest import AINO, TEAM_ID, TeamsDriver, card_text, find_action

ORG_YAML = """
timezone: Europe/Helsinki
language: en
ask_hours: always
teams:
  - {name: sales, teams_team: "sales TEAM"}
  - {name: marketing, teams_team: "19:not-installed@thread.tacv2"}
  - {name: product}
members:
  - {email: aino@example.com, name: Aino, team: product, teams_id: "29:aino"}
"""

PEOPLE = [TeamsPerson(f"29:p{n}", f"Henkilö {n} ä", f"aad-p{n}", f"p{n}@example.com") for n in range(5)]


@pytest.fixture
def org_yaml() -> str:
    return ORG_YAML


@pytest.fixture
def installed(teams: TeamsDriver) -> TeamsDriver:
    teams.fake.roster_page_size = 2
    for person in PEOPLE:
        teams.fake.add_person(person, teams=(TEAM_ID,))
    assert teams.install_in_team(AINO).status_code in (200, 201, 202)
    return teams


def sync(teams: TeamsDriver) -> list[Any]:
    return teams.client.portal.call(teams.client.app.state.directory_sync.run)  # type: ignore[union-attr]


def members(teams: TeamsDriver) -> dict[str, dict[str, Any]]:
    return {m["email"]: m for m in teams.client.get("/api/members").json()["members"]}


def test_the_roster_of_a_team_named_by_its_name_fills_the_mapped_team(installed: TeamsDriver) -> None:
    (report,) = sync(installed)
    assert report.error is None and report.added == 8  # the fixture's Mikko, Sanna and Stranger, and five more
    assert len(installed.fake.calls(ROSTER)) == 5  # nine people, two a page
    found = members(installed)
    assert {found[p.email]["team"] for p in PEOPLE} == {"sales"}
    assert found["p1@example.com"]["name"] == "Henkilö 1 ä"
    assert found["p1@example.com"]["platforms"] == ["teams"]
    assert found["aino@example.com"]["team"] == "product"  # the file names her team


def test_an_unknown_teams_team_is_one_line_naming_the_key(
    installed: TeamsDriver, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        (report,) = sync(installed)
        sync(installed)
    lines = [r.getMessage() for r in caplog.records if "teams[1].teams_team" in r.getMessage()]
    assert len(lines) == 1 and "19:not-installed@thread.tacv2" in lines[0]
    assert report.unknown_groups == ["teams[1].teams_team '19:not-installed@thread.tacv2'"]


def test_a_roster_that_cannot_be_read_keeps_the_last_known_directory(
    installed: TeamsDriver, caplog: pytest.LogCaptureFixture
) -> None:
    sync(installed)
    before = members(installed)
    installed.fake.state.rosters[TEAM_ID] = [AINO.id]
    installed.fake.fail(ROSTER, 500)
    with caplog.at_level(logging.WARNING):
        (report,) = sync(installed)
    assert report.error is not None
    assert members(installed) == before
    assert any("last known directory stays" in r.getMessage() for r in caplog.records)


def test_someone_in_a_roster_named_on_a_deal_is_asked_their_team_first(installed: TeamsDriver) -> None:
    response = installed.client.put(
        "/api/deals/crm:9",
        json={
            "name": "Oulun kauppa",
            "amount": 5000,
            "stage": "won",
            "owner": "aino@example.com",
            "participants": [{"member": "p3@example.com", "team": "marketing"}],
            "closed_at": "2026-11-24",
        },
    )
    assert response.status_code == 201, response.text
    assert members(installed)["p3@example.com"]["team"] is None
    installed.pump()
    ((sent, card),) = installed.sent_cards(PEOPLE[3])
    assert "Which team are you in?" in card_text(card)
    choose = find_action(card, "member.team")
    answered = installed.execute(PEOPLE[3], choose, {"member_team": "marketing"}, sent=sent)
    assert answered.status_code == 200
    shown = answered.json()["value"]
    assert "Which team are you in?" not in card_text(shown)
    assert find_action(shown, "ask.answer")
    assert members(installed)["p3@example.com"]["team"] == "marketing"
    installed.pump()
    assert [c.activity_id for c in installed.fake.calls(UPDATE)] == [sent]


def test_the_team_choice_also_arrives_as_an_action_submit(installed: TeamsDriver) -> None:
    """Clients without Universal Actions send the fallback `Action.Submit`; the card is then updated."""
    installed.client.put(
        "/api/deals/crm:10",
        json={
            "name": "Tampereen kauppa",
            "amount": 700,
            "stage": "won",
            "owner": "p4@example.com",
            "participants": [{"member": "aino@example.com"}],
            "closed_at": "2026-11-24",
        },
    )
    installed.pump()
    sent, card = installed.sent_cards(PEOPLE[4])[0]
    choose = find_action(card, "member.team")
    assert installed.submit(PEOPLE[4], choose, {"member_team": "sales"}, sent=sent).status_code in (200, 201, 202)
    installed.pump()
    assert members(installed)["p4@example.com"]["team"] == "sales"
    updated = [c for c in installed.fake.calls(UPDATE) if c.activity_id == sent]
    assert updated and "Which team are you in?" not in card_text(updated[-1].body["attachments"][0]["content"])
    stranger = installed.submit(PEOPLE[0], choose, {"member_team": "marketing"}, sent=sent)
    assert stranger.status_code in (200, 201, 202)
    assert members(installed)["p4@example.com"]["team"] == "sales"


def test_a_deal_naming_several_roster_people_reads_the_roster_once(installed: TeamsDriver) -> None:
    response = installed.client.put(
        "/api/deals/crm:11",
        json={
            "name": "Porin kauppa",
            "stage": "open",
            "owner": "p0@example.com",
            "participants": [{"member": "p1@example.com"}, {"member": "p2@example.com"}],
        },
    )
    assert response.status_code == 201, response.text
    assert len(installed.fake.calls(ROSTER)) == 5  # nine people, two a page: one pass for all three
    assert {"p0@example.com", "p1@example.com", "p2@example.com"} <= members(installed).keys()


def test_someone_gone_from_every_roster_is_never_asked_until_they_are_back(installed: TeamsDriver) -> None:
    sync(installed)
    installed.fake.state.rosters[TEAM_ID].remove(PEOPLE[1].id)
    (report,) = sync(installed)
    assert report.deactivated == 1
    found = members(installed)
    assert found["p1@example.com"]["active"] is False
    assert found["aino@example.com"]["active"] and found["p2@example.com"]["active"]
    installed.client.put(
        "/api/deals/crm:12",
        json={
            "name": "Vaasan kauppa",
            "amount": 900,
            "stage": "won",
            "owner": "aino@example.com",
            "participants": [{"member": "p1@example.com", "team": "sales"}, {"member": "p2@example.com"}],
            "closed_at": "2026-11-24",
        },
    )
    installed.pump()
    assert not installed.sent_cards(PEOPLE[1])
    assert installed.sent_cards(PEOPLE[2])
    installed.fake.state.rosters[TEAM_ID].append(PEOPLE[1].id)
    sync(installed)
    assert members(installed)["p1@example.com"]["active"] is True
