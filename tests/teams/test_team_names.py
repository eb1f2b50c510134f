"""The Teams twin of `/onescore join customer success`: a team typed or chosen in Teams is read with the
organisation's one team rule, in `scores team NAME` and in an answer card."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from storage.models import Team
from tests.teams.conftest import MIKKO, ORG_YAML, STRANGER, TeamsDriver, card_text, find_action, personal_chat
from tests.teams.test_ask_flow import ANSWER, answers, mikko_asked


@pytest.fixture
def org_yaml() -> str:
    return ORG_YAML.replace("  - {name: product}\n", "  - {name: product}\n  - {name: customer_success}\n")


@pytest.mark.parametrize("spelling", ["customer success", "Customer_Success", "CUSTOMER   success"])
def test_scores_for_customer_success_works_however_it_is_spelt(teams: TeamsDriver, spelling: str) -> None:
    teams.say(STRANGER, f"scores last team {spelling}")
    [reply] = teams.replies(personal_chat(STRANGER))
    assert "Scorecard – Week 47, 2026 – Customer success" in card_text(reply["attachments"][0]["content"])


def test_an_answer_naming_the_helping_team_by_its_spoken_name_is_stored_for_that_team(teams: TeamsDriver) -> None:
    sent, card = mikko_asked(teams)
    click = teams.submit(MIKKO, find_action(card, "ask.answer"), {**ANSWER, "team": "Customer Success"}, sent=sent)
    assert click.status_code == 202
    [answer] = answers(teams)
    with Session(teams.runtime.engine) as session:
        team = session.get(Team, answer.helping_team_id)
        assert team is not None and team.name == "customer_success"
