"""The REST API at the edges of the calendar and of numbers: a 422 naming the field, never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ORG_YAML

DEAL = {"name": "Pääkaupunki 🚀", "amount": 1000, "currency": "EUR", "stage": "won", "owner": "aino@example.com"}


@pytest.fixture
def org_yaml() -> str:
    return ORG_YAML + "min_group_size: 1\n"


def problem(response: object, field: str) -> str:
    """The message of the 422 entry naming `field` (the test fails if there is none)."""
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    for entry in response.json()["detail"]:  # type: ignore[attr-defined]
        if entry["loc"][-1] == field:
            return entry["msg"]
    raise AssertionError(f"no 422 entry for {field}: {response.text}")  # type: ignore[attr-defined]


def test_a_naive_source_updated_at_is_422_not_500(client: TestClient) -> None:
    assert client.put("/api/deals/a", json={**DEAL, "source_updated_at": "2026-01-02T00:00:00Z"}).status_code == 201
    response = client.put("/api/deals/a", json={**DEAL, "source_updated_at": "2026-01-01T00:00:00"})
    assert "timezone" in problem(response, "source_updated_at")
    response = client.put("/api/deals/b", json={**DEAL, "source_updated_at": "2026-01-01T00:00:00"})
    problem(response, "source_updated_at")


@pytest.mark.parametrize("field", ["created_at", "closed_at"])
@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01",
        "9999-12-31",
        "1899-12-31",
        "9999-01-01",
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:59:59-05:00",
        "0001-01-01T00:00:00",
        "9998-12-31T23:59:59-12:00",  # 9999-01-01 in Helsinki
        "1900-01-01T00:00:00+14:00",  # 1899-12-31 in Helsinki
    ],
)
def test_dates_outside_the_supported_calendar_are_422_saying_so(client: TestClient, field: str, value: str) -> None:
    response = client.put("/api/deals/edge", json={**DEAL, field: value})
    assert "1900-01-01 to 9998-12-31" in problem(response, field)


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00"])
def test_a_source_updated_at_outside_the_calendar_is_422(client: TestClient, value: str) -> None:
    response = client.put("/api/deals/edge", json={**DEAL, "source_updated_at": value})
    assert "supported" in problem(response, "source_updated_at")


def test_the_first_and_last_supported_days_are_recorded_and_scored(client: TestClient) -> None:
    first = {**DEAL, "created_at": "1900-01-01T23:00:00+14:00", "closed_at": "1900-01-01"}
    assert client.put("/api/deals/first", json=first).status_code == 201
    last = {**DEAL, "created_at": "9998-12-31", "closed_at": "9998-12-31T20:00:00+00:00"}
    assert client.put("/api/deals/last", json=last).status_code == 201
    assert client.get("/api/deals/last").json()["closed_at"] == "9998-12-31"
    for params, period in (
        ({"week": "1900-W01"}, "1900-W01"),
        ({"period": "1900-01"}, "1900-01"),
        ({"period": "1900-Q1"}, "1900-Q1"),
        ({"period": "9998-W53"}, "9998-W53"),
        ({"period": "9998-12"}, "9998-12"),
        ({"period": "9998-Q4"}, "9998-Q4"),
    ):
        response = client.get("/api/scores", params=params)
        assert response.status_code == 200, (params, response.text)
        body = response.json()
        assert (body["period"], body["deals_won"], body["won_revenue"]) == (period, 1, 1000.0)
        assert len(body["trend"]) == (0 if period.startswith("1900") else 4)
        assert client.get("/api/scores.csv", params=params).status_code == 200


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("week", "0001-W01"),
        ("week", "9999-W52"),
        ("week", "1899-W52"),
        ("period", "0001-01"),
        ("period", "0001-Q1"),
        ("period", "0001-W01"),
        ("period", "9999-W52"),
        ("period", "9999-12"),
        ("period", "9999-Q4"),
        ("period", "0000-01"),
    ],
)
def test_periods_outside_the_calendar_are_422_naming_the_parameter(
    client: TestClient, parameter: str, value: str
) -> None:
    for path in ("/api/scores", "/api/scores.csv"):
        response = client.get(path, params={parameter: value})
        assert "supported calendar" in problem(response, parameter)


@pytest.mark.parametrize(
    "amount",
    ["1e16", "1000000000000000", "NaN", "Infinity", "-Infinity", "-1", "-0.01", "1e400", "9" * 5000],
)
def test_amounts_that_cannot_be_money_are_refused_with_a_reason(client: TestClient, amount: str) -> None:
    """422 naming `amount`; a number too long for any JSON parser to read is a 400 for the body."""
    body = f'{{"name": "x", "amount": {amount}}}'.encode()
    response = client.put("/api/deals/money", content=body, headers={"content-type": "application/json"})
    if response.status_code == 400:
        assert len(amount) > 400 and response.json()["detail"]
    else:
        problem(response, "amount")


def test_the_largest_amount_is_kept_to_the_cent(client: TestClient) -> None:
    response = client.put("/api/deals/max", json={**DEAL, "amount": "999999999999999.99", "closed_at": "2026-11-24"})
    assert response.status_code == 201
    assert client.get("/api/scores").json()["won_revenue"] == 999999999999999.99


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    day=st.dates(),
    instant=st.datetimes(timezones=st.timezones() | st.none()),
    week=st.integers(0, 9999).map(lambda year: f"{year:04d}"),
)
def test_any_date_instant_or_period_is_a_2xx_or_a_422(
    client: TestClient, day: object, instant: object, week: str
) -> None:
    for field, value in (
        ("closed_at", str(day)),
        ("created_at", instant.isoformat()),
        ("source_updated_at", instant.isoformat()),
    ):  # type: ignore[attr-defined]
        response = client.put("/api/deals/any", json={**DEAL, field: value})
        assert response.status_code in (200, 201, 422), (field, value, response.text)
    for params in (
        {"week": f"{week}-W01"},
        {"period": f"{week}-12"},
        {"period": f"{week}-Q4"},
        {"week": f"{week}-W53"},
    ):
        response = client.get("/api/scores", params=params)
        assert response.status_code in (200, 422), (params, response.text)
