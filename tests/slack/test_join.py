"""`/onescore join NAME` reads a team with the same rule as `/scores team NAME`: name or label, any case,
spaces or underscores."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from storage.models import Member, Team
from tests.conftest import ORG_YAML
from tests.slack.conftest import SlackDriver
from tests.slack.test_home_and_commands import replies


@pytest.fixture
def org_yaml() -> str:
    return ORG_YAML.replace("  - {name: product}\n", "  - {name: product}\n  - {name: customer_success}\n")


def team_of(slack: SlackDriver, slack_id: str) -> str | None:
    with Session(slack.runtime.engine) as session:
        member = session.exec(select(Member).where(Member.slack_id == slack_id)).one()
        team = session.get(Team, member.team_id) if member.team_id is not None else None
        return team.name if team else None


@pytest.mark.parametrize("spelling", ["customer success", "Customer_Success", "  CUSTOMER   success"])
def test_join_customer_success_works_however_it_is_spelt(slack: SlackDriver, spelling: str) -> None:
    assert slack.command("U0STRANGER", f"join {spelling}").status_code == 200
    assert replies(slack) == ["You're now in customer success."]
    assert team_of(slack, "U0STRANGER") == "customer_success"


def test_join_by_a_label_and_scores_for_the_same_words_agree(slack: SlackDriver) -> None:
    slack.command("U0STRANGER", "join hr & TRAINING")
    slack.command("U0STRANGER", "team customer success", command="/scores")
    joined, shown = replies(slack)
    assert joined == "You're now in HR & training."
    assert team_of(slack, "U0STRANGER") == "hr"
    assert "There's no team" not in shown


def test_join_with_no_team_names_the_teams_instead_of_joining_one(slack: SlackDriver) -> None:
    slack.command("U0STRANGER", "join")
    [reply] = replies(slack)
    assert reply.startswith("There's no team called “”") and "`customer_success`" in reply
