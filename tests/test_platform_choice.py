"""Which chat platform an ask goes out on when several are on: the one that knows the member wins."""

from __future__ import annotations

from dataclasses import dataclass

from bot.ports import Contact
from bot.rounds.release import platform_for
from storage.models import Member


@dataclass
class ReachesByIdOrEmail:
    name: str

    def reaches(self, contact: Contact) -> bool:
        return bool(contact.platform_user_id or contact.email)


SLACK, TEAMS = ReachesByIdOrEmail("slack"), ReachesByIdOrEmail("teams")


def test_a_member_known_only_in_teams_is_asked_in_teams_even_when_slack_comes_first() -> None:
    mikko = Member(id=1, email="mikko@example.com", teams_id="29:mikko")
    assert platform_for(mikko, [SLACK, TEAMS]) is TEAMS


def test_a_member_known_only_in_slack_is_asked_in_slack() -> None:
    aino = Member(id=2, email="aino@example.com", slack_id="U0AINO")
    assert platform_for(aino, [TEAMS, SLACK]) is SLACK


def test_a_member_known_nowhere_goes_to_the_first_platform_that_can_look_them_up() -> None:
    sanna = Member(id=3, email="sanna@example.com")
    assert platform_for(sanna, [SLACK, TEAMS]) is SLACK


def test_nobody_reachable_means_no_platform() -> None:
    assert platform_for(Member(id=4), [SLACK, TEAMS]) is None
