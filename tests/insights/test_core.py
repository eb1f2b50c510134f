"""The insights core on its own: odd texts, determinism, the cache, the weekly line and the Finnish words."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from scipy import sparse
from sqlmodel import Session, col, select

from bot.insights.cache import insights_for
from bot.insights.corpus import answer_summary, load_corpus
from bot.insights.growth import weekly_line
from bot.insights.lexicon import MAX_TERM_LETTERS, Lexicon
from bot.insights.report import compute_insights
from bot.insights.request import insights_view
from bot.periods import Period
from bot.runtime import Runtime
from storage.db import session_scope
from storage.models import Answer, InsightsCache, Member, Team
from tests.insights.conftest import plant, post_answer, put_deal
from tests.insights.planted import PLANTED, Planted

QUARTER = Period.parse("2026-Q4")


def test_inflected_forms_share_a_lemma_and_odd_texts_have_no_terms() -> None:
    lexicon = Lexicon()
    texts = ["Webinaarissa", "webinaarin jälkeen", "webinaareista", "", "👍🎉🙌", "ok", "2026-11-10", "The webinars"]
    forms, per_text = lexicon.read(texts)
    assert per_text.tolist() == [1, 2, 1, 0, 0, 1, 0, 2]

    rows = np.repeat(np.arange(len(texts)), per_text)
    counts = sparse.csr_matrix((np.ones(forms.size, dtype=np.float32), (rows, lexicon.canonical(forms))))
    terms, vocabulary = lexicon.lemma_matrix(counts)
    lemmas = [sorted(vocabulary[c] for c in terms[row].indices) for row in range(len(texts))]
    assert lemmas[0] == lemmas[2] == ["webinaari"]
    assert "webinaari" in lemmas[1]
    assert lemmas[7] == ["webinar"]  # "the" is a stop word
    assert lemmas[3] == lemmas[4] == lemmas[6] == []


def test_a_run_of_letters_longer_than_any_word_is_no_term() -> None:
    """Pasted base64, a key held down: it may recur in answers, but it never labels a theme."""
    lexicon = Lexicon()
    texts = ["a" * 5_000 + " webinaari", "webinaarissa " + "a" * 5_000, "lentokonesuihkuturbiinimoottori auttoi"]
    forms, per_text = lexicon.read(texts)
    rows = np.repeat(np.arange(len(texts)), per_text)
    counts = sparse.csr_matrix((np.ones(forms.size, dtype=np.float32), (rows, lexicon.canonical(forms))))
    _terms, vocabulary = lexicon.lemma_matrix(counts)
    assert max(len(term) for term in vocabulary) <= MAX_TERM_LETTERS
    assert "webinaari" in vocabulary and any(term.startswith("lentokone") for term in vocabulary)


def test_empty_emoji_only_short_and_very_long_answers_are_handled(client: TestClient, runtime: Runtime) -> None:
    plant(client, PLANTED)
    odd = [
        Planted("odd", "aino", "marketing", "👍🎉"),
        Planted("odd", "pekka", "marketing", "ok"),
        Planted("odd", "liisa", "marketing", ("Webinaari ja webinaarissa tietoturva 😀 " * 600)[:20_000]),
    ]
    for index, answer in enumerate(odd, start=100):
        put_deal(client, f"p{index}", answer.author, None, won=True)
        post_answer(client, f"p{index}", answer.author, answer.team, answer.impact, answer.text, True)
    with session_scope(runtime.engine) as session:  # chat forms may leave the text empty
        answer = session.exec(select(Answer).where(Answer.text == "ok")).one()
        answer.text = ""
    body = client.get("/api/insights", params={"period": "2026-Q4"}).json()
    marketing = next(team for team in body["teams"] if team["team"] == "marketing")
    assert marketing["answers"] == 28  # 25 planted with some impact, and the three odd ones
    assert len(odd[2].text) == 20_000
    quoted = [e["text"] for t in marketing["themes"] for e in t["examples"]]
    assert all(text in {a.text for a in PLANTED + odd} for text in quoted)  # quoted whole, never cut


def test_the_same_answers_give_the_same_themes_whatever_the_string_hashing(
    client: TestClient, runtime: Runtime
) -> None:
    plant(client, PLANTED)
    with Session(runtime.engine) as session:
        first = compute_insights(session, runtime.org, QUARTER)
        assert compute_insights(session, runtime.org, QUARTER) == first
    script = (
        "import sys, json\n"
        "from sqlmodel import Session\n"
        "from bot.insights.report import compute_insights\n"
        "from bot.organisation import load_organisation\n"
        "from bot.periods import Period\n"
        "from storage.db import make_engine\n"
        "from pathlib import Path\n"
        "org = load_organisation(Path(sys.argv[2]))\n"
        "with Session(make_engine(sys.argv[1])) as s:\n"
        "    print(compute_insights(s, org, Period.parse('2026-Q4')).model_dump_json())\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script, str(runtime.engine.url.render_as_string(hide_password=False)),
             str(runtime.settings.config_path)],
            env={"PYTHONHASHSEED": seed}, capture_output=True, text=True, check=True, cwd=Path(__file__).parents[2],
        ).stdout
        for seed in ("1", "2")
    }  # fmt: skip
    assert outputs == {first.model_dump_json() + "\n"}


def test_no_weekly_line_when_the_top_theme_did_not_grow(client: TestClient, runtime: Runtime) -> None:
    """October held every kind of help twice over; November (so far) once: nothing grew, so the card
    says nothing rather than announce last month's help as news."""
    plant(client, PLANTED)
    for copy in ("a", "b"):
        for index, answer in enumerate(PLANTED):
            owner = "aino" if answer.team != "sales" else answer.author
            put_deal(client, f"oct{copy}{index}", owner, None, won=answer.won, closed_at="2026-10-08")
            post_answer(client, f"oct{copy}{index}", answer.author, answer.team, answer.impact, answer.text, True)
    assert insights_for(runtime.engine, runtime.org, Period.parse("2026-11")).teams[1].themes, "November has themes"
    assert weekly_line(runtime.engine, runtime.org, Period.parse("2026-W47"), "en") is None


def test_an_answer_no_longer_quotable_leaves_the_cached_examples_at_once(client: TestClient, runtime: Runtime) -> None:
    plant(client, PLANTED)
    before = insights_for(runtime.engine, runtime.org, QUARTER)
    quoted = [e.text for t in before.teams for theme in t.themes for e in theme.examples]
    with session_scope(runtime.engine) as session:
        answer = session.exec(select(Answer).where(Answer.text == quoted[0])).one()
        answer.quotable = False  # no change of updated_at: the probe alone would not notice
    after = insights_for(runtime.engine, runtime.org, QUARTER)
    assert quoted[0] not in [e.text for t in after.teams for theme in t.themes for e in theme.examples]


def test_the_weekly_line_names_the_grown_theme_in_english_and_finnish(client: TestClient, runtime: Runtime) -> None:
    plant(client, PLANTED)
    week = Period.parse("2026-W47")
    english = weekly_line(runtime.engine, runtime.org, week, "en")
    finnish = weekly_line(runtime.engine, runtime.org, week, "fi")
    assert english is not None and finnish is not None
    assert english.startswith("Marketing's most common help this month: ")
    assert "6 answers, deals won 83%" in english
    assert finnish.startswith("Tiimin Markkinointi yleisin apu tässä kuussa: ")
    assert "6 vastausta, voitetut kaupat 83\u00a0%" in finnish
    assert weekly_line(runtime.engine, runtime.org, Period.parse("2026-W50"), "en") is None  # December: nothing yet


@pytest.mark.parametrize("language", ["en", "fi"])
def test_the_chat_view_in_both_languages(client: TestClient, runtime: Runtime, language: str) -> None:
    plant(client, PLANTED)
    view = insights_view(insights_for(runtime.engine, runtime.org, QUARTER), runtime, language)
    headings = [section.heading for section in view.sections]
    if language == "fi":
        assert view.title == "Havainnot · Q4/2026"
        assert "Mikä olisi auttanut menetetyissä kaupoissa" in headings
    else:
        assert view.title == "Insights · Q4 2026"
        assert "What could have helped on lost deals" in headings


def test_a_change_in_another_period_keeps_the_result_and_one_in_this_period_renews_it(
    client: TestClient, runtime: Runtime
) -> None:
    plant(client, PLANTED)
    insights_for(runtime.engine, runtime.org, QUARTER)

    def computed_at() -> object:
        with Session(runtime.engine) as session:
            return session.exec(select(InsightsCache.computed_at).where(InsightsCache.key == "2026-Q4")).one()

    first = computed_at()
    later = {"name": "Later", "amount": 5, "currency": "EUR", "stage": "won", "owner": "aino@example.com",
             "closed_at": "2027-01-15"}  # fmt: skip
    assert client.put("/api/deals/later", json=later).status_code == 201
    post_answer(client, "later", "minna", "marketing", "strong", "A webinar in January.", True)
    assert insights_for(runtime.engine, runtime.org, QUARTER).teams and computed_at() == first
    post_answer(client, "p1", "pekka", "marketing", "strong", "One more webinar answer.", True)
    insights_for(runtime.engine, runtime.org, QUARTER)
    assert computed_at() != first


def test_the_corpus_sums_its_answers_up_exactly_as_sql_does(client: TestClient, runtime: Runtime) -> None:
    """The cache's fingerprint is taken from the corpus when it is computed, and from SQL when it is checked."""
    plant(client, PLANTED)
    with Session(runtime.engine) as session:
        for period in (QUARTER, Period.parse("2027-Q1")):
            assert load_corpus(session, runtime.org, period).summary == answer_summary(session, period)


def test_an_answer_deleted_or_blanked_behind_the_bots_back_renews_the_cached_result(
    client: TestClient, runtime: Runtime
) -> None:
    """Neither the latest id nor the latest change moves: the database's own change counter shows it."""
    plant(client, PLANTED)

    def marketing_answers() -> int | None:
        [marketing] = insights_for(runtime.engine, runtime.org, QUARTER, team="marketing").teams
        return marketing.answers

    before = marketing_answers()
    assert before is not None and before > 1
    with session_scope(runtime.engine) as session:
        team = session.exec(select(Team.id).where(Team.name == "marketing")).one()
        oldest = session.exec(
            select(Answer.id).where(Answer.helping_team_id == team, Answer.impact != "none").order_by(Answer.id)
        ).first()
        session.connection().exec_driver_sql(f"DELETE FROM answers WHERE id = {oldest}")
    assert marketing_answers() == before - 1
    with session_scope(runtime.engine) as session:
        session.connection().exec_driver_sql("UPDATE answers SET text = ''")
    [marketing] = insights_for(runtime.engine, runtime.org, QUARTER, team="marketing").teams
    assert marketing.too_few_answers and marketing.themes == []


def test_writes_about_another_period_leave_the_cached_result_served_as_it_was(
    client: TestClient, runtime: Runtime
) -> None:
    """A deal closed in January and its answer move January's counter only: the quarter before is
    served on its probe alone, so its stored row is not even written again; an answer about one of
    the quarter's own deals moves the probe."""
    plant(client, PLANTED)

    def stored_probe() -> str:
        insights_for(runtime.engine, runtime.org, QUARTER)
        with Session(runtime.engine) as session:
            row = session.get(InsightsCache, QUARTER.label)
            assert row is not None
            return row.probe

    before = stored_probe()
    put_deal(client, "later", "aino", "mikko", won=True, closed_at="2027-01-12")
    post_answer(client, "later", "mikko", "marketing", "strong", "Webinaari tammikuussa 🎉", True)
    assert stored_probe() == before
    post_answer(client, "p0", "mikko", "marketing", "strong", "Webinaari auttoi taas", True)
    assert stored_probe() != before


def test_a_team_whose_every_theme_has_too_few_people_says_so(client: TestClient, runtime: Runtime) -> None:
    """Three people write about marketing, each about a kind of help of their own: every theme found
    has one author, so none is shown, and the API says there were too few rather than "no themes"."""
    kinds = {
        "minna": "The security review checklist answered their audit questions",
        "mari": "A roadmap session about the reporting module convinced them",
        "mikko": "The integration sandbox let their developers test the connector",
    }
    number = 0
    for author, text in kinds.items():
        for repeat in range(3):
            number += 1
            put_deal(client, f"solo{number}", "aino", author, won=True)
            post_answer(client, f"solo{number}", author, "marketing", "strong", f"{text} ({repeat + 1})", True)
    [marketing] = client.get("/api/insights", params={"period": "2026-Q4", "team": "marketing"}).json()["teams"]
    assert marketing["hidden"] is False and marketing["answers"] == 9
    assert marketing["themes"] == [] and marketing["too_few_answers"] is True


def test_member_moves_that_a_checksum_would_miss_renew_the_cached_result(planted: TestClient, runtime: Runtime) -> None:
    """Mikko (marketing's helper in the corroboration pairs) goes to hr and Olli to marketing, chosen
    so that the sum of member id × team id stays the same: the result must follow the new teams."""
    insights_for(runtime.engine, runtime.org, QUARTER)
    with session_scope(runtime.engine) as session:
        teams = {team.name: team.id for team in session.exec(select(Team)).all()}
        members = {m.email: m for m in session.exec(select(Member).order_by(col(Member.id))).all()}
        checksum = sum((m.team_id or 0) * (m.id or 0) for m in members.values())
        members["mikko@example.com"].team_id = teams["hr"]
        members["olli@example.com"].team_id = teams["marketing"]
        assert sum((m.team_id or 0) * (m.id or 0) for m in members.values()) == checksum, "the moves cancel out"
    with Session(runtime.engine) as session:
        fresh = compute_insights(session, runtime.org, QUARTER)
    assert insights_for(runtime.engine, runtime.org, QUARTER) == fresh
