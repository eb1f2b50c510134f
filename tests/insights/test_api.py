"""`GET /api/insights` over HTTP on the planted corpus: grouping, privacy, figures, auth and 422s."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bot.runtime import Runtime
from storage.models import InsightsCache
from tests.insights.conftest import post_answer
from tests.insights.planted import PLANTED

CONTRACT_KEYS = {"period", "teams", "lost_lessons", "corroboration"}
THEME_KEYS = {"label", "terms", "answers", "deals", "won_revenue", "win_rate", "examples"}


def insights(client: TestClient, **params: str) -> dict[str, Any]:
    response = client.get("/api/insights", params={"period": "2026-Q4", **params})
    assert response.status_code == 200, response.text
    return response.json()


def team(body: dict[str, Any], name: str) -> dict[str, Any]:
    return next(entry for entry in body["teams"] if entry["team"] == name)


def groups_of(theme: dict[str, Any]) -> Counter[str]:
    """Which planted groups the theme's examples and terms come from, by the texts quoted."""
    texts = {answer.text: answer.group for answer in PLANTED}
    return Counter(texts[example["text"]] for example in theme["examples"])


def theme_with(body: dict[str, Any], team_name: str, term: str) -> dict[str, Any]:
    [found] = [theme for theme in team(body, team_name)["themes"] if term in theme["terms"]]
    return found


def test_the_contract_keys_and_the_period(planted: TestClient) -> None:
    body = insights(planted)
    assert set(body) >= CONTRACT_KEYS
    assert body["period"] == "2026-Q4"
    assert all(set(theme) == THEME_KEYS for entry in body["teams"] for theme in entry["themes"])
    assert all(set(lesson) == {"label", "terms", "answers", "examples"} for lesson in body["lost_lessons"])
    assert [entry["team"] for entry in body["teams"]] == ["sales", "marketing", "product", "hr"]


def test_inflected_finnish_forms_are_one_theme_and_kinds_of_help_stay_apart(planted: TestClient) -> None:
    body = insights(planted)
    finnish = theme_with(body, "marketing", "webinaari")  # webinaarissa, webinaarin, webinaariin, webinaareista
    english = theme_with(body, "marketing", "webinar")  # webinar, webinars
    case = theme_with(body, "marketing", "case")
    assert (finnish["answers"], english["answers"], case["answers"]) == (6, 6, 5)
    assert finnish["label"].startswith("webinaari") and english["label"].startswith("webinar")
    assert set(groups_of(finnish)) == {"webinar_fi"} and set(groups_of(english)) == {"webinar_en"}
    assert set(groups_of(case)) == {"case_en"}
    assert "webinar" not in case["terms"] and "case" not in english["terms"]


def test_a_theme_needs_answers_from_enough_people(planted: TestClient) -> None:
    """The podcast answers come from two people (min_group_size is 3): no theme shows them."""
    body = insights(planted)
    marketing = team(body, "marketing")
    assert all("podcast" not in theme["terms"] for theme in marketing["themes"])
    assert all(groups_of(theme)["podcast"] == 0 for theme in marketing["themes"])


def test_teams_hidden_on_the_scorecard_stay_hidden(planted: TestClient) -> None:
    """hr has one member; product is hidden with it so that subtraction reveals no one."""
    body = insights(planted)
    scores = {entry["team"]: entry["hidden"] for entry in planted.get("/api/scores?period=2026-Q4").json()["teams"]}
    for name in ("product", "hr"):
        assert scores[name] is True
        entry = team(body, name)
        assert (entry["hidden"], entry["answers"], entry["themes"]) == (True, None, [])
    corroboration = {entry["team"]: entry for entry in body["corroboration"]}
    assert corroboration["product"] == {"team": "product", "pairs": None, "agreement": None}
    assert "demo" not in str(body)


def test_examples_quote_only_quotable_answers(planted: TestClient) -> None:
    body = insights(planted)
    private = {answer.text for answer in PLANTED if not answer.quotable}
    quoted = [example["text"] for entry in body["teams"] for theme in entry["themes"] for example in theme["examples"]]
    quoted += [example["text"] for lesson in body["lost_lessons"] for example in lesson["examples"]]
    assert quoted and not private & set(quoted)
    assert all(example["deal"].startswith("Deal p") for entry in body["teams"] for theme in entry["themes"]
               for example in theme["examples"])  # fmt: skip


def test_won_revenue_and_win_rate_of_the_deals_whose_answers_show_a_theme(planted: TestClient) -> None:
    body = insights(planted)
    english = theme_with(body, "marketing", "webinar")
    assert english["deals"] == 6
    assert english["won_revenue"] == 4920.0  # 920 (USD 1000 at 0.92) + four deals of EUR 1000; one lost
    assert english["win_rate"] == 0.8333
    case = theme_with(body, "marketing", "case")
    assert (case["deals"], case["won_revenue"], case["win_rate"]) == (5, 3000.0, 0.6)
    marketing = team(body, "marketing")
    assert marketing["answers"] == 32  # 25 planted with some impact, and 7 of the corroborating answers
    assert marketing["win_rate"] == 0.8276  # 24 of 29 deals won


def test_lost_lessons_gather_what_could_have_helped(planted: TestClient) -> None:
    body = insights(planted)
    [price] = [lesson for lesson in body["lost_lessons"] if lesson["terms"][0] == "price"]
    assert price["answers"] == 4  # the four about price, none of the lost deals' webinar or case study answers
    quoted = {example["text"] for example in price["examples"]}
    assert quoted and all("price" in text.lower() for text in quoted)


def test_corroboration_counts_pairs_that_agree_within_one_step(planted: TestClient) -> None:
    body = insights(planted)
    corroboration = {entry["team"]: entry for entry in body["corroboration"]}
    assert corroboration["marketing"] == {"team": "marketing", "pairs": 4, "agreement": 0.5}
    assert corroboration["sales"] == {"team": "sales", "pairs": 0, "agreement": None}


def test_one_team(planted: TestClient) -> None:
    body = insights(planted, team="Marketing")
    assert [entry["team"] for entry in body["teams"]] == ["marketing"]
    assert [entry["team"] for entry in body["corroboration"]] == ["marketing"]


def test_too_few_answers_says_so(client: TestClient) -> None:
    body = insights(client)
    assert all(entry["too_few_answers"] and entry["themes"] == [] for entry in body["teams"] if not entry["hidden"])
    assert body["lost_too_few_answers"] is True and body["lost_lessons"] == []


@pytest.mark.parametrize(
    ("params", "parameter"),
    [({"period": "2026-Q5"}, "period"), ({"period": "soon"}, "period"), ({"team": "finance"}, "team")],
)
def test_a_bad_period_or_team_is_a_422_naming_it(client: TestClient, params: dict[str, str], parameter: str) -> None:
    response = client.get("/api/insights", params={"period": "2026-Q4", **params})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", parameter]


def test_unauthenticated_is_401(client: TestClient) -> None:
    response = client.get("/api/insights", params={"period": "2026-Q4"}, headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401


def test_cached_until_an_answer_of_the_period_changes(planted: TestClient) -> None:
    first = insights(planted)
    assert insights(planted) == first
    post_answer(planted, "p1", "pekka", "marketing", "strong", "Another webinar sealed it.", True)
    assert theme_with(insights(planted), "marketing", "webinar")["answers"] == 7


def test_an_erased_persons_quotes_leave_the_cache_and_the_insights(planted: TestClient, runtime: Runtime) -> None:
    """The cache keeps answer ids, never texts: forgetting a person must not leave their words there."""
    body = insights(planted)
    quoted = {example["text"] for entry in body["teams"] for theme in entry["themes"] for example in theme["examples"]}
    author = next(answer.author for answer in PLANTED if answer.text in quoted)
    words = {answer.text for answer in PLANTED if answer.author == author} & quoted
    assert words

    assert planted.delete(f"/api/members/{author}@example.com").status_code == 204

    with Session(runtime.engine) as session:
        cached = [json.dumps(row.payload, ensure_ascii=False) for row in session.exec(select(InsightsCache)).all()]
    assert cached and not any(text in payload for text in words for payload in cached)
    after = insights(planted)
    still = {example["text"] for entry in after["teams"] for theme in entry["themes"] for example in theme["examples"]}
    assert not words & still
