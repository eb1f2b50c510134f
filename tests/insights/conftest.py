"""The planted corpus, put in through the REST API as an integration would."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.insights.planted import ORG, PLANTED, Planted

SALES = ("aino", "pekka", "liisa", "sakari")
CORROBORATION = [("decisive", "strong"), ("decisive", "some"), ("some", "some"), ("none", "decisive")]
"""(owner's impact, helper's impact) about marketing on one deal each: 2 of 4 pairs agree within one step."""


@pytest.fixture
def org_yaml() -> str:
    return ORG


def put_deal(
    client: TestClient,
    external_id: str,
    owner: str,
    helper: str | None,
    *,
    won: bool,
    currency: str = "EUR",
    closed_at: str = "2026-11-10",
):
    body = {
        "name": f"Deal {external_id}",
        "amount": 1000,
        "currency": currency,
        "stage": "won" if won else "lost",
        "owner": f"{owner}@example.com",
        "participants": [{"member": f"{helper}@example.com"}] if helper else [],
        "created_at": "2026-10-01",
        "closed_at": closed_at,
    }
    response = client.put(f"/api/deals/{external_id}", json=body)
    assert response.status_code in (200, 201), response.text


def post_answer(client: TestClient, external_id: str, author: str, team: str, impact: str, text: str, quotable: bool):
    body = {
        "member": f"{author}@example.com",
        "helping_team": team,
        "impact": impact,
        "text": text,
        "quotable": quotable,
    }
    response = client.post(f"/api/deals/{external_id}/answers", json=body)
    assert response.status_code == 201, response.text


def plant(client: TestClient, answers: list[Planted]) -> None:
    for index, answer in enumerate(answers):
        owner = answer.author if answer.author in SALES else "aino"
        helper = None if answer.author in SALES else answer.author
        currency = "USD" if index == 0 else "EUR"
        put_deal(client, f"p{index}", owner, helper, won=answer.won, currency=currency)
        post_answer(client, f"p{index}", answer.author, answer.team, answer.impact, answer.text, answer.quotable)


@pytest.fixture
def planted(client: TestClient) -> TestClient:
    plant(client, PLANTED)
    for index, (owner_impact, helper_impact) in enumerate(CORROBORATION):
        put_deal(client, f"c{index}", "aino", "mikko", won=True)
        post_answer(client, f"c{index}", "aino", "marketing", owner_impact, "👍", True)
        post_answer(client, f"c{index}", "mikko", "marketing", helper_impact, "🎉🙌", True)
    return client
