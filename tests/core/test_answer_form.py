"""`read_answer_form` and the one team rule: what both platforms' answer forms mean, read without either."""

from __future__ import annotations

import pytest

from bot.organisation import Organisation, TeamEntry
from bot.rounds.answer_form import HELPING_TEAM, IMPACT, TEXT, FormErrors, Problem, read_answer_form
from bot.rounds.answers import AnswerForm
from storage.models import Impact

ORG = Organisation(
    teams=[TeamEntry(name="sales"), TeamEntry(name="customer_success"), TeamEntry(name="hr", label="HR & training")]
)


def read(**given: object) -> AnswerForm | FormErrors:
    values: dict = {"helping_team": "sales", "impact": "strong", "text": "Shared the pricing deck.", "quotable": True}
    return read_answer_form(ORG, **{**values, **given})


def test_a_complete_form_is_the_answer_to_store() -> None:
    assert read() == AnswerForm(
        helping_team="sales", impact=Impact.STRONG, text="Shared the pricing deck.", quotable=True
    )


@pytest.mark.parametrize("text", ["", "   ", None])
def test_a_blank_text_keeps_the_stored_one(text: str | None) -> None:
    form = read(text=text, quotable=False)
    assert isinstance(form, AnswerForm) and form.text is None and form.quotable is False


@pytest.mark.parametrize(
    ("typed", "team"),
    [("Customer Success", "customer_success"), (" customer_success ", "customer_success"), ("hr & TRAINING", "hr")],
)
def test_the_helping_team_is_read_with_the_organisations_team_rule(typed: str, team: str) -> None:
    form = read(helping_team=typed)
    assert isinstance(form, AnswerForm) and form.helping_team == team


def test_a_team_the_file_does_not_list_is_passed_on_for_the_database_to_judge() -> None:
    form = read(helping_team=" Legal ")
    assert isinstance(form, AnswerForm) and form.helping_team == "legal"


@pytest.mark.parametrize(
    ("given", "errors"),
    [
        ({"helping_team": None}, {HELPING_TEAM: Problem.MISSING}),
        ({"helping_team": "  "}, {HELPING_TEAM: Problem.MISSING}),
        ({"impact": None}, {IMPACT: Problem.MISSING}),
        ({"impact": "huge"}, {IMPACT: Problem.MISSING}),
        ({"text": "nul \x00 byte"}, {TEXT: Problem.NOT_STORABLE}),
        ({"text": "lone \ud800"}, {TEXT: Problem.NOT_STORABLE}),
        ({"helping_team": None, "impact": None}, {HELPING_TEAM: Problem.MISSING, IMPACT: Problem.MISSING}),
    ],
)
def test_every_problem_is_named_by_its_field(given: dict, errors: dict) -> None:
    assert read(**given) == FormErrors(errors)


@pytest.mark.parametrize(
    "spelling", ["customer success", "CUSTOMER_SUCCESS", "  customer   success ", "Customer_ Success"]
)
def test_find_team_accepts_any_case_spaces_or_underscores(spelling: str) -> None:
    found = ORG.find_team(spelling)
    assert found is not None and found.name == "customer_success"


def test_find_team_knows_a_team_by_its_label_and_nothing_by_no_words() -> None:
    assert ORG.find_team("HR  &  training") == TeamEntry(name="hr", label="HR & training")
    assert ORG.find_team("") is None and ORG.find_team("   ") is None and ORG.find_team("astronauts") is None
