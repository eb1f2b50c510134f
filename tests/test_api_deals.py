"""The deal ledger over REST, through the real app: bodies, idempotency, auth and bad input."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bot.runtime import Runtime
from storage.models import DealClose
from tests.factories import deal_body

ACME = deal_body()


def closes(runtime: Runtime) -> list[DealClose]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(DealClose)).all())


def test_put_creates_the_deal_and_get_returns_the_documented_body(client: TestClient) -> None:
    created = client.put("/api/deals/hubspot:123", json=ACME)
    assert created.status_code == 201, created.text
    body = client.get("/api/deals/hubspot:123").json()
    assert body["external_id"] == "hubspot:123"
    assert body["name"] == "Acme renewal"
    assert body["account"] == "Acme Oy"
    assert body["amount"] == 50000
    assert body["currency"] == "EUR"
    assert body["stage"] == "won"
    assert body["owner"] == "aino@example.com"
    assert body["participants"] == [{"member": "mikko@example.com", "team": "marketing"}]
    assert body["created_at"] == "2026-10-01"
    assert body["closed_at"] == "2026-11-24"
    assert body["asks"] == [] and body["answers"] == []


def test_the_same_put_twice_changes_nothing_and_records_one_close(client: TestClient, runtime: Runtime) -> None:
    first = client.put("/api/deals/d1", json=ACME)
    second = client.put("/api/deals/d1", json=ACME)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert [(c.outcome, c.seq) for c in closes(runtime)] == [("won", 1)]


def test_reopening_and_winning_again_is_a_new_close(client: TestClient, runtime: Runtime) -> None:
    client.put("/api/deals/d1", json=ACME)
    reopened = client.put("/api/deals/d1", json={"stage": "open"}).json()
    assert reopened["closed_at"] is None
    client.put("/api/deals/d1", json={"stage": "won", "closed_at": "2026-11-26"})
    client.put("/api/deals/d1", json={"stage": "won", "closed_at": "2026-11-26"})
    assert [(c.outcome, c.seq) for c in closes(runtime)] == [("won", 1), ("won", 2)]


def test_a_close_without_a_date_is_dated_today_in_the_organisations_time_zone(
    client: TestClient, runtime: Runtime
) -> None:
    from datetime import UTC, datetime

    runtime.clock.set(datetime(2026, 11, 29, 22, 30, tzinfo=UTC))  # type: ignore[attr-defined]
    body = client.put("/api/deals/late", json={"name": "Late", "stage": "lost"}).json()
    assert body["closed_at"] == "2026-11-30"  # already Monday in Helsinki


def test_a_partial_put_keeps_the_fields_it_does_not_name(client: TestClient) -> None:
    client.put("/api/deals/d1", json=ACME)
    body = client.put("/api/deals/d1", json={"amount": 61000.5}).json()
    assert body["amount"] == 61000.5
    assert body["name"] == "Acme renewal"
    assert body["participants"] == [{"member": "mikko@example.com", "team": "marketing"}]


def test_a_participant_team_defaults_to_the_members_home_team(client: TestClient) -> None:
    body = client.put("/api/deals/d2", json={"name": "X", "participants": [{"member": "Sanna@Example.com"}]}).json()
    assert body["participants"] == [{"member": "sanna@example.com", "team": "hr"}]


def test_concurrent_identical_puts_create_one_deal_and_one_close(client: TestClient, runtime: Runtime) -> None:
    statuses: list[int] = []

    def put() -> None:
        statuses.append(client.put("/api/deals/race", json=ACME).status_code)

    threads = [threading.Thread(target=put) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 7 + [201]
    assert len(closes(runtime)) == 1
    assert client.get("/api/deals").json()["total"] == 1


@pytest.mark.parametrize(
    "text",
    [
        "Kauppa äänestäjälle – Öljy 🎉🚀 👩‍👩‍👧",
        "x" * 10_000,
        "Rivi 1\nRivi 2\r\n\ttabs and {braces} and <b>html</b>",
    ],
)
def test_text_is_stored_exactly_as_given(client: TestClient, text: str) -> None:
    assert client.put("/api/deals/t", json={"name": text, "account": text}).status_code == 201
    body = client.get("/api/deals/t").json()
    assert body["name"] == text and body["account"] == text


def test_answers_are_logged_once_and_shown_with_the_deal(client: TestClient) -> None:
    client.put("/api/deals/d1", json=ACME)
    answer = {
        "member": "mikko@example.com",
        "helping_team": "marketing",
        "impact": "strong",
        "text": "Webinaari toi päättäjät paikalle 🎯",
    }
    first = client.post("/api/deals/d1/answers", json=answer)
    again = client.post("/api/deals/d1/answers", json=answer)
    assert (first.status_code, again.status_code) == (201, 200)
    answers = client.get("/api/deals/d1").json()["answers"]
    assert len(answers) == 1
    assert answers[0]["member"] == "mikko@example.com"
    assert answers[0]["helping_team"] == "marketing"
    assert answers[0]["impact"] == "strong"
    assert answers[0]["text"] == answer["text"]
    assert answers[0]["answered_at"].startswith("2026-11-25T10:00:00")


def test_list_filters_and_paginates(client: TestClient) -> None:
    for i in range(5):
        client.put(f"/api/deals/w{i}", json={"name": f"W{i}", "stage": "won", "closed_at": f"2026-11-0{i + 1}"})
    client.put("/api/deals/l1", json={"name": "L", "stage": "lost", "owner": "aino@example.com"})
    client.put("/api/deals/o1", json={"name": "O"})

    won = client.get("/api/deals", params={"stage": "won", "limit": 2}).json()
    assert won["total"] == 5 and len(won["deals"]) == 2
    rest = client.get("/api/deals", params={"stage": "won", "limit": 2, "offset": 4}).json()
    assert len(rest["deals"]) == 1
    between = client.get("/api/deals", params={"closed_from": "2026-11-02", "closed_to": "2026-11-03"}).json()
    assert sorted(d["external_id"] for d in between["deals"]) == ["w1", "w2"]
    owned = client.get("/api/deals", params={"owner": "AINO@example.com"}).json()
    assert [d["external_id"] for d in owned["deals"]] == ["l1"]


# --- authentication ---------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic dGVzdC1hcGktdG9rZW4=", "Bearer "])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/deals"),
        ("GET", "/api/deals/x"),
        ("PUT", "/api/deals/x"),
        ("POST", "/api/deals/x/answers"),
    ],
)
def test_every_api_call_needs_the_token(client: TestClient, method: str, path: str, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    client.headers.pop("Authorization")
    response = client.request(method, path, headers=headers, json=ACME)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_without_a_configured_token_the_api_refuses_everything_and_says_why(
    client: TestClient, runtime: Runtime
) -> None:
    runtime.settings.api_token = None
    response = client.get("/api/deals")
    assert response.status_code == 401
    assert "ONESCORE_API_TOKEN" in response.json()["detail"]


def test_healthz_is_open_and_reveals_nothing_more(client: TestClient) -> None:
    client.headers.pop("Authorization")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/deals/{external_id}", "/api/deals", "/api/deals/{external_id}/answers", "/healthz"} <= set(paths)


# --- bad input ----------------------------------------------------------------------------------


def field_of(response) -> str:  # type: ignore[no-untyped-def]
    return ".".join(str(p) for p in response.json()["detail"][0]["loc"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "amount": "lots"}, "body.amount"),
        ({"name": "X", "amount": -5}, "body.amount"),
        ({"name": "X", "amount": 1e20}, "body.amount"),
        ({"name": "X", "stage": "maybe"}, "body.stage"),
        ({"name": "X", "currency": "euro"}, "body.currency"),
        ({"name": "X", "closed_at": "yesterday"}, "body.closed_at"),
        ({"name": "X", "colour": "red"}, "body.colour"),
        ({"name": ""}, "body.name"),
        ({"name": "   "}, "body.name"),
        ({"name": "nul \u0000 inside"}, "body.name"),
        ({"name": "x" * 20_001}, "body.name"),
        ({"amount": 5}, "body.name"),
        ({"name": "X", "owner": "nobody@example.com"}, "body.owner"),
        ({"name": "X", "participants": [{"member": "ghost@example.com"}]}, "body.participants.0.member"),
        (
            {"name": "X", "participants": [{"member": "mikko@example.com", "team": "legal"}]},
            "body.participants.0.team",
        ),
        ({"name": "X", "participants": "mikko"}, "body.participants"),
    ],
)
def test_bad_deal_bodies_get_422_naming_the_field(client: TestClient, body: dict, field: str) -> None:
    response = client.put("/api/deals/bad", json=body)
    assert response.status_code == 422, response.text
    assert field_of(response) == field
    assert client.get("/api/deals/bad").status_code == 404


def test_unknown_owner_error_names_the_email(client: TestClient) -> None:
    response = client.put("/api/deals/bad", json={"name": "X", "owner": "nobody@example.com"})
    assert "nobody@example.com" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'"just a string"', "application/json"),
        (b"\xff\xfe garbage", "application/json"),
        (b'{"name": "\\ud800"}', "application/json"),
        (b"name=x", "application/x-www-form-urlencoded"),
        (b"", "application/json"),
    ],
)
def test_malformed_bodies_get_4xx_never_500(client: TestClient, content: bytes, content_type: str) -> None:
    response = client.put("/api/deals/bad", content=content, headers={"content-type": content_type})
    assert 400 <= response.status_code < 500, response.text


def test_an_over_long_external_id_is_refused(client: TestClient) -> None:
    assert client.put("/api/deals/" + "x" * 300, json={"name": "X"}).status_code == 422


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"member": "ghost@example.com", "helping_team": "marketing", "impact": "some", "text": "t"},
            "body.member",
        ),
        (
            {"member": "mikko@example.com", "helping_team": "legal", "impact": "some", "text": "t"},
            "body.helping_team",
        ),
        (
            {"member": "mikko@example.com", "helping_team": "marketing", "impact": "huge", "text": "t"},
            "body.impact",
        ),
        (
            {"member": "mikko@example.com", "helping_team": "marketing", "impact": "some", "text": ""},
            "body.text",
        ),
        ({"member": "mikko@example.com", "helping_team": "marketing", "impact": "some"}, "body.text"),
    ],
)
def test_bad_answers_get_422_naming_the_field(client: TestClient, body: dict, field: str) -> None:
    client.put("/api/deals/d1", json=ACME)
    response = client.post("/api/deals/d1/answers", json=body)
    assert response.status_code == 422, response.text
    assert field_of(response) == field


def test_an_answer_for_an_unknown_deal_is_404(client: TestClient) -> None:
    body = {"member": "mikko@example.com", "helping_team": "marketing", "impact": "some", "text": "t"}
    assert client.post("/api/deals/nope/answers", json=body).status_code == 404


@pytest.mark.parametrize("body", [b"\x00", b"{", b'{"amount": ' + b"9" * 5000 + b"}", b"[" * 10_000])
@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "Basic dXNlcjpwYXNz"])
def test_without_the_token_a_malformed_body_is_still_401(
    client: TestClient, body: bytes, authorization: str | None
) -> None:
    """FastAPI reads the body before its dependencies run; the token must be checked before that."""
    headers = {"content-type": "application/json", "authorization": authorization or ""}
    for method, path in (("PUT", "/api/deals/x"), ("POST", "/api/deals/x/answers")):
        response = client.request(method, path, content=body, headers=headers)
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["www-authenticate"] == "Bearer"
