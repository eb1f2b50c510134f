"""`/api/scores` and `/api/scores.csv` over HTTP: the contract keys, periods, teams, auth and 422s."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ORG_YAML

PRODUCT_KEYS = {
    "period", "currency", "won_revenue", "deals_won", "deals_lost", "win_rate", "median_cycle_days",
    "collaboration_coverage", "answer_rate", "teams", "trend", "highlights",
}  # fmt: skip


@pytest.fixture
def org_yaml() -> str:
    return ORG_YAML + "min_group_size: 1\n"


def deal(client: TestClient, external_id: str, amount: int, closed_at: str, stage: str = "won") -> None:
    body = {
        "name": external_id.title(),
        "amount": amount,
        "currency": "EUR",
        "stage": stage,
        "owner": "aino@example.com",
        "created_at": "2026-10-01",
        "closed_at": closed_at,
    }
    assert client.put(f"/api/deals/{external_id}", json=body).status_code == 201


def answer(client: TestClient, external_id: str, impact: str = "strong") -> None:
    body = {"member": "mikko@example.com", "helping_team": "marketing", "impact": impact, "text": "Webinar."}
    assert client.post(f"/api/deals/{external_id}/answers", json=body).status_code == 201


@pytest.fixture
def week_of_deals(client: TestClient) -> None:
    deal(client, "acme", 1000, "2026-11-23")
    answer(client, "acme")
    deal(client, "beta", 300, "2026-11-24", stage="lost")
    deal(client, "gamma", 500, "2026-11-17")
    deal(client, "delta", 200, "2026-10-02")


@pytest.mark.usefixtures("week_of_deals")
def test_the_current_week_so_far_by_default(client: TestClient) -> None:
    response = client.get("/api/scores")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= PRODUCT_KEYS
    assert body["period"] == "2026-W48"
    assert (body["won_revenue"], body["deals_won"], body["deals_lost"], body["win_rate"]) == (1000.0, 1, 1, 0.5)
    assert body["collaboration_coverage"] == 1.0
    teams = {t["team"]: t for t in body["teams"]}
    assert teams["sales"]["attributed_revenue"] == 600.0  # decisive 3 : strong 2
    assert teams["marketing"] == {
        "team": "marketing",
        "influenced_revenue": 1000.0,
        "attributed_revenue": 400.0,
        "answers": 1,
        "hidden": False,
    }
    assert [p["period"] for p in body["trend"]] == ["2026-W44", "2026-W45", "2026-W46", "2026-W47"]
    assert body["trend"][-1] == {"period": "2026-W47", "won_revenue": 500.0, "win_rate": 1.0}


@pytest.mark.usefixtures("week_of_deals")
def test_a_given_week_a_month_and_a_quarter(client: TestClient) -> None:
    assert client.get("/api/scores", params={"week": "2026-W47"}).json()["won_revenue"] == 500.0
    november = client.get("/api/scores", params={"period": "2026-11"}).json()
    assert (november["period"], november["won_revenue"], november["deals_won"]) == ("2026-11", 1500.0, 2)
    assert [p["period"] for p in november["trend"]] == ["2026-07", "2026-08", "2026-09", "2026-10"]
    q4 = client.get("/api/scores", params={"period": "2026-q4"}).json()
    assert (q4["period"], q4["won_revenue"], q4["deals_won"], q4["deals_lost"]) == ("2026-Q4", 1700.0, 3, 1)


@pytest.mark.usefixtures("week_of_deals")
def test_one_team(client: TestClient) -> None:
    body = client.get("/api/scores", params={"team": "Marketing"}).json()
    assert [t["team"] for t in body["teams"]] == ["marketing"]
    assert body["won_revenue"] == 1000.0
    by_label = client.get("/api/scores", params={"team": "HR & training"}).json()
    assert [t["team"] for t in by_label["teams"]] == ["hr"]


@pytest.mark.parametrize(
    ("params", "parameter", "words"),
    [
        ({"week": "2026-W54"}, "week", "2026 has 53 ISO weeks"),
        ({"week": "2026-11"}, "week", "not an ISO week"),
        ({"week": "soon"}, "week", "is not a period"),
        ({"period": "2026-13"}, "period", "the month must be 01–12"),
        ({"period": "2026-Q5"}, "period", "the quarter must be Q1–Q4"),
        ({"week": "2026-W48", "period": "2026-11"}, "period", "not both"),
        ({"team": "legal"}, "team", "unknown team 'legal'"),
    ],
)
def test_bad_parameters_are_422_naming_the_parameter(
    client: TestClient, params: dict[str, str], parameter: str, words: str
) -> None:
    for path in ("/api/scores", "/api/scores.csv"):
        response = client.get(path, params=params)
        assert response.status_code == 422, response.text
        [error] = response.json()["detail"]
        assert error["loc"] == ["query", parameter]
        assert words in error["msg"]


@pytest.mark.usefixtures("week_of_deals")
def test_csv_is_the_same_scorecard_for_spreadsheets(client: TestClient) -> None:
    response = client.get("/api/scores.csv", params={"week": "2026-W48"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="onescore-2026-W48.csv"' in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    figures = dict(row for row in rows[: rows.index([])] if row != ["figure", "value"])
    assert figures["period"] == "2026-W48"
    assert figures["won_revenue"] == "1000.00"
    assert ["marketing", "1000.00", "400.00", "1", "false"] in rows


@pytest.mark.parametrize("path", ["/api/scores", "/api/scores.csv"])
def test_no_token_no_scores(client: TestClient, path: str) -> None:
    assert client.get(path, headers={"Authorization": ""}).status_code == 401
    assert client.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_csv_opens_in_excel_with_finnish_letters_and_emoji_intact(client: TestClient) -> None:
    """Excel reads a CSV as the local ANSI code page unless it starts with a UTF-8 byte order mark."""
    body = {
        "name": "Pääkaupunki Öy 🚀",
        "amount": 700,
        "currency": "EUR",
        "stage": "won",
        "owner": "aino@example.com",
        "closed_at": "2026-11-24",
    }
    assert client.put("/api/deals/paa", json=body).status_code == 201
    text = {"member": "mikko@example.com", "helping_team": "marketing", "impact": "strong"}
    answer = {**text, "text": "Webinaari äänestä ö 🚀", "quotable": True}
    assert client.post("/api/deals/paa/answers", json=answer).status_code == 201
    response = client.get("/api/scores.csv", params={"week": "2026-W48"})
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["figure", "value"]
    assert ["Pääkaupunki Öy 🚀", "marketing", "Webinaari äänestä ö 🚀"] in rows
