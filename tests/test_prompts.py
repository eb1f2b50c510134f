"""The question catalogue and every user-facing text, against the real language files.

Broken catalogues are real files too: copies of the shipped ones, edited and written to a temporary
directory, then loaded through the same loader start-up uses.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import prompts
from prompts import (
    MESSAGES,
    CatalogueError,
    deal_intro,
    default_catalogue,
    format_money,
    format_number,
    format_percent,
    load_catalogue,
    message,
    resolve_language,
    select_question,
    team_label,
)
from prompts.spec import QUESTION_CASES, QUESTION_KEY_MAX

PACKAGE_DIR = Path(prompts.__file__).parent
NBSP = "\u00a0"
Files = dict[str, Any]


def shipped(language: str) -> Files:
    return yaml.safe_load((PACKAGE_DIR / f"{language}.yaml").read_text(encoding="utf-8"))


def write_catalogue(folder: Path, edit: Callable[[Files, Files], None] | None = None) -> Path:
    """The shipped en and fi files, changed by `edit(en, fi)`, written to `folder`."""
    en, fi = copy.deepcopy(shipped("en")), copy.deepcopy(shipped("fi"))
    if edit is not None:
        edit(en, fi)
    for code, data in (("en", en), ("fi", fi)):
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        (folder / f"{code}.yaml").write_text(text, encoding="utf-8")
    return folder


def ask(language: str | None, outcome: str = "won", **overrides: Any) -> prompts.Question:
    arguments: dict[str, Any] = {
        "asked_is_owner": True,
        "asked_team": "sales",
        "helping_team": "marketing",
        "owner_team": "sales",
        "deal": "Acme renewal",
    }
    arguments.update(overrides)
    return select_question(language, outcome, **arguments)


# Loading the shipped files


def test_every_language_loads_and_the_cache_is_shared() -> None:
    catalogue = load_catalogue()
    assert catalogue.languages == ("en", "fi")
    assert default_catalogue() is default_catalogue()


@pytest.mark.parametrize("language", ["en", "fi"])
def test_every_message_fills_in_with_the_values_it_requires(language: str) -> None:
    for key, entry in MESSAGES.items():
        values = {name: f"<{name}>" for name in entry.placeholders}
        text = message(language, key, **values)
        assert text.strip(), key
        assert "{" not in text, key
        for name in entry.required:
            assert f"<{name}>" in text, (key, name)


@pytest.mark.parametrize("language", ["en", "fi"])
@pytest.mark.parametrize("case", sorted(QUESTION_CASES))
def test_every_question_case_has_a_generic_wording(language: str, case: str) -> None:
    outcome, role, relation = case.split(".")
    helping = "sales" if relation == "own_team" else "legal"
    question = ask(language, outcome, asked_is_owner=role == "owner", helping_team=helping, asked_team="sales")
    assert question.key == case
    assert "Acme renewal" in question.text
    if relation == "about_team":
        assert "legal" in question.text


def test_question_keys_fit_the_column_that_stores_them() -> None:
    for outcome in ("won", "lost"):
        for owner in (True, False):
            for team in ("sales", "marketing", "product", "customer_success", "hr", "finance", "logistics"):
                key = ask("en", outcome, asked_is_owner=owner, helping_team=team, asked_team="marketing").key
                assert len(key) <= QUESTION_KEY_MAX


# Choosing the question


def test_owner_is_asked_about_another_team_with_that_teams_wording() -> None:
    assert ask("en", helping_team="logistics") == prompts.Question(
        "won.owner.about_team", "How did logistics help win Acme renewal?"
    )
    question = ask("en", helping_team="marketing")
    assert question.key == "won.owner.about_team.marketing"
    assert question.text.startswith("How did marketing help win Acme renewal?")


def test_participant_is_asked_how_their_own_work_helped_the_owners_team() -> None:
    question = ask("en", asked_is_owner=False, asked_team="marketing", helping_team="marketing")
    assert question == prompts.Question("won.participant.own_team", "How did your work help sales win Acme renewal?")


def test_hr_gets_training_wording_as_helper_and_as_the_team_asked_about() -> None:
    own = ask("en", asked_is_owner=False, asked_team="hr", helping_team="hr")
    assert own == prompts.Question(
        "won.participant.own_team.hr", "How did training or coaching help sales win Acme renewal?"
    )
    about = ask("en", asked_is_owner=False, asked_team="marketing", helping_team="HR")
    assert about.key == "won.participant.about_team.hr"
    assert "training" in about.text and "HR" in about.text


def test_lost_deals_ask_what_could_have_helped() -> None:
    question = ask("en", "lost", helping_team="marketing")
    assert question == prompts.Question(
        "lost.owner.about_team", "What could marketing have done to help win Acme renewal?"
    )
    participant = ask("en", "lost", asked_is_owner=False, asked_team="marketing", helping_team="marketing")
    assert participant.text == "What could your team have done to help sales win Acme renewal?"


def test_finnish_questions_keep_team_names_in_the_nominative() -> None:
    assert ask("fi", helping_team="logistics") == prompts.Question(
        "won.owner.about_team", "Miten logistiikka auttoi voittamaan kaupan Acme renewal?"
    )
    assert ask("fi", asked_is_owner=False, asked_team="marketing", helping_team="marketing").text == (
        "Miten työsi auttoi, kun myynti voitti kaupan Acme renewal?"
    )
    hr = ask("fi", asked_is_owner=False, asked_team="hr", helping_team="hr")
    assert hr.key == "won.participant.own_team.hr"
    assert hr.text == "Miten koulutus tai valmennus auttoi, kun myynti voitti kaupan Acme renewal?"
    assert ask("fi", "lost", helping_team="marketing").text == (
        "Mitä markkinointi olisi voinut tehdä, jotta kauppa Acme renewal olisi voitettu?"
    )
    assert ask("fi", helping_team="field_sales").text == ("Miten field sales auttoi voittamaan kaupan Acme renewal?")


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"helping_team": "hr"},
        {"asked_is_owner": False, "asked_team": "hr", "helping_team": "hr"},
        {"asked_is_owner": False, "asked_team": "marketing", "helping_team": "product"},
        {"helping_team": "sales"},
    ],
)
@pytest.mark.parametrize("outcome", ["won", "lost"])
def test_the_key_is_the_same_whatever_the_language(outcome: str, overrides: dict[str, Any]) -> None:
    assert ask("en", outcome, **overrides).key == ask("fi", outcome, **overrides).key


def test_the_organisations_label_replaces_the_team_name() -> None:
    labels = {"hr": "HR & training", "Sales": "Myyntitiimi"}
    en = ask("en", helping_team="hr", labels=labels)
    assert en.text == "How did training or coaching from HR & training help you win Acme renewal?"
    fi = ask("fi", asked_is_owner=False, asked_team="marketing", helping_team="marketing", labels=labels)
    assert fi.text == "Miten työsi auttoi, kun Myyntitiimi voitti kaupan Acme renewal?"
    assert team_label("fi", "customer_success") == "asiakasmenestys"
    assert team_label("en", "customer_success") == "customer success"
    assert team_label("fi", "hr", "HR & koulutus") == "HR & koulutus"
    assert team_label("fi", "hr", "  ") == "HR"


def test_unknown_languages_fall_back_to_english_and_locales_are_understood() -> None:
    assert resolve_language("fi-FI") == "fi"
    assert resolve_language("FI_fi") == "fi"
    assert resolve_language("sv") == "en"
    assert resolve_language(None) == "en"
    assert ask("sv") == ask("en")
    assert ask("fi-FI") == ask("fi")
    assert message("de", "button.answer") == "Answer"
    assert message("fi", "button.answer") == "Vastaa"


def test_an_unknown_outcome_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="outcome"):
        ask("en", "open")


# Safe substitution


@pytest.mark.parametrize("language", ["en", "fi"])
def test_user_text_survives_exactly(language: str) -> None:
    deal = "Äänekosken Öljy – kesä {deal} {0} {{x}} } { 🚀🇫🇮"
    question = ask(language, deal=deal, helping_team="hr", labels={"hr": "Koulutus {team}"})
    assert deal in question.text
    assert "Koulutus {team}" in question.text
    usage = message(language, "scores.usage", args="{x} {{y}} ö", scores="/scores")
    assert "{x} {{y}} ö" in usage
    quote = message(language, "scorecard.highlight", text="Säästö {amount} 💶", team="myynti", deal=deal)
    assert "Säästö {amount} 💶" in quote and deal in quote


def test_message_refuses_missing_unexpected_and_none_values() -> None:
    with pytest.raises(TypeError, match="missing deal"):
        message("en", "ask.thanks")
    with pytest.raises(TypeError, match="unexpected dael"):
        message("en", "ask.thanks", deal="Acme", dael="Acme")
    with pytest.raises(TypeError, match="None"):
        message("fi", "ask.thanks", deal=None)
    with pytest.raises(KeyError, match=r"ask\.thank"):
        message("en", "ask.thank", deal="Acme")


def test_optional_placeholders_must_still_be_passed() -> None:
    """Finnish leaves {team} out of this one; passing it anyway is what keeps English correct."""
    assert message("fi", "ask.declined_lost", deal="Acme", team="myynti") == "Kirjattu: ei lisättävää kaupasta Acme."
    with pytest.raises(TypeError, match="missing team"):
        message("fi", "ask.declined_lost", deal="Acme")


def test_deal_intro_leaves_out_what_is_unknown() -> None:
    amount = format_money("fi", 50000, "EUR")
    assert deal_intro("fi", "won", "Kesä {x}", account="Acme Oy", amount=amount, owner="Aino") == (
        f"Kauppa voitettu: Kesä {{x}} (Acme Oy, 50{NBSP}000{NBSP}€, vastuuhenkilö Aino)"
    )
    assert deal_intro("en", "lost", "Acme", owner="Aino") == "Deal lost: Acme (owner Aino)"
    assert deal_intro("en", "won", "Acme") == "Deal won: Acme"


def test_numbers_follow_the_readers_language() -> None:
    assert format_money("en", 50000, "EUR") == "€50,000"
    assert format_money("en", 1234.5, "SEK") == f"1,234.50{NBSP}SEK"
    assert format_money("fi", 1234.5, "usd") == f"1{NBSP}234,50{NBSP}$"
    assert format_money("en", -5, "GBP") == "-£5"
    assert format_percent("fi", 0.4249) == f"42{NBSP}%"
    assert format_percent("en", 0.5) == "50%"
    assert format_number("fi", 12.25, 1) == "12,3"
    assert format_number("en", -0.2) == "0"


# Broken catalogues fail at load, naming the file and the key


def _set(data: Files, dotted: str, value: Any) -> None:
    *path, last = dotted.split(".")
    for name in path:
        data = data[name]
    data[last] = value


def _delete(data: Files, dotted: str) -> None:
    *path, last = dotted.split(".")
    for name in path:
        data = data[name]
    del data[last]


BROKEN: dict[str, tuple[Callable[[Files, Files], None], str, list[str]]] = {
    "unknown placeholder in an English question": (
        lambda en, fi: _set(en, "questions.won.owner.about_team.default", "How did {team} help win {dael}?"),
        "en.yaml",
        ["questions.won.owner.about_team", "unknown placeholder {dael}", "{deal}"],
    ),
    "unknown placeholder in a Finnish message": (
        lambda en, fi: _set(fi, "messages.ask.thanks", "Kiitos! {kauppa}"),
        "fi.yaml",
        ["messages.ask.thanks", "unknown placeholder {kauppa}"],
    ),
    "required placeholder missing": (
        lambda en, fi: _set(fi, "questions.lost.owner.about_team.default", "Mitä {team} olisi voinut tehdä?"),
        "fi.yaml",
        ["questions.lost.owner.about_team", "required placeholder {deal} is missing"],
    ),
    "about_team question that does not name the team": (
        lambda en, fi: _set(en, "questions.won.participant.about_team.hr", "How did training help {deal}?"),
        "en.yaml",
        ["questions.won.participant.about_team.hr", "{team}"],
    ),
    "Finnish message missing": (
        lambda en, fi: _delete(fi, "messages.scorecard.win_rate"),
        "fi.yaml",
        ["messages.scorecard.win_rate", "missing"],
    ),
    "Finnish question variant missing": (
        lambda en, fi: _delete(fi, "questions.won.owner.about_team.hr"),
        "fi.yaml",
        ["questions.won.owner.about_team.hr", "missing"],
    ),
    "Finnish key English lacks": (
        lambda en, fi: _set(fi, "messages.button.maybe", "Ehkä"),
        "fi.yaml",
        ["messages.button.maybe", "unknown key"],
    ),
    "Finnish team label English lacks": (
        lambda en, fi: _set(fi, "teams.legal", "lakiasiat"),
        "fi.yaml",
        ["teams.legal", "unknown key"],
    ),
    "English message the code needs": (
        lambda en, fi: (_delete(en, "messages.button.edit"), _delete(fi, "messages.button.edit")),
        "en.yaml",
        ["messages.button.edit", "missing"],
    ),
    "English message the code does not know": (
        lambda en, fi: (
            _set(en, "messages.button.later", "Later"),
            _set(fi, "messages.button.later", "Myöhemmin"),
        ),
        "en.yaml",
        ["messages.button.later", "unknown key"],
    ),
    "misspelt question case": (
        lambda en, fi: _set(en, "questions.won.owner.abuot_team", "How did {team} help win {deal}?"),
        "en.yaml",
        ["questions.won.owner.abuot_team", "unknown question"],
    ),
    "generic question missing": (
        lambda en, fi: _delete(en, "questions.lost.participant.own_team.default"),
        "en.yaml",
        ["questions.lost.participant.own_team", "missing"],
    ),
    "format spec in a placeholder": (
        lambda en, fi: _set(fi, "messages.ask.thanks", "Kiitos! {deal!r}"),
        "fi.yaml",
        ["messages.ask.thanks", "{deal}", "plain"],
    ),
    "unbalanced brace": (
        lambda en, fi: _set(en, "messages.ask.thanks", "Thanks! {deal"),
        "en.yaml",
        ["messages.ask.thanks", "braces"],
    ),
    "modal title too long for Slack": (
        lambda en, fi: _set(fi, "messages.modal.title", "Vastauksesi tähän kysymykseen"),
        "fi.yaml",
        ["messages.modal.title", "24"],
    ),
    "a number instead of a text": (
        lambda en, fi: _set(fi, "messages.button.answer", 42),
        "fi.yaml",
        ["messages.button.answer", "non-empty text"],
    ),
    "an empty text": (
        lambda en, fi: _set(fi, "messages.button.answer", "  "),
        "fi.yaml",
        ["messages.button.answer", "non-empty text"],
    ),
    "team label key in capitals": (
        lambda en, fi: (_set(en, "teams.Legal", "legal"), _set(fi, "teams.Legal", "lakiasiat")),
        "en.yaml",
        ["teams.Legal", "lower case"],
    ),
    "unknown section": (
        lambda en, fi: en.update(extras={"x": "y"}),
        "en.yaml",
        ["extras", "unknown section"],
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_catalogue_fails_at_load_naming_file_and_key(tmp_path: Path, name: str) -> None:
    edit, file, fragments = BROKEN[name]
    write_catalogue(tmp_path, edit)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(tmp_path)
    text = str(caught.value)
    assert text.startswith(str(tmp_path / file) + ": ")
    for fragment in fragments:
        assert fragment in text


def test_the_unedited_copy_loads(tmp_path: Path) -> None:
    """The broken-catalogue tests mean something only if the copy itself is fine."""
    catalogue = load_catalogue(write_catalogue(tmp_path))
    assert catalogue.message("fi", "button.edit") == "Muokkaa"


def test_a_duplicated_key_is_refused_not_silently_overwritten(tmp_path: Path) -> None:
    write_catalogue(tmp_path)
    path = tmp_path / "fi.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "teams:\n  sales: myyjät\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="duplicate key 'teams'"):
        load_catalogue(tmp_path)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    write_catalogue(tmp_path)
    (tmp_path / "fi.yaml").write_text("teams:\n  sales: [myynti\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"fi\.yaml: line \d+: not valid YAML"):
        load_catalogue(tmp_path)


def test_an_unquoted_yes_key_is_explained(tmp_path: Path) -> None:
    write_catalogue(tmp_path)
    path = tmp_path / "fi.yaml"
    text = path.read_text(encoding="utf-8").replace("'yes':", "yes:")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match="quote yes/no"):
        load_catalogue(tmp_path)


def test_english_must_exist_and_files_must_be_named_by_language(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match=r"en\.yaml: \(file\): missing"):
        load_catalogue(tmp_path)
    write_catalogue(tmp_path)
    (tmp_path / "finnish.yaml").write_text((tmp_path / "fi.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(CatalogueError, match="language code"):
        load_catalogue(tmp_path)
