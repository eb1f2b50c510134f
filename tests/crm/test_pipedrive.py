"""Pipedrive over HTTP: v1 and v2 deliveries (saved fixtures), owners looked up in the fake users API."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.notices.store import ADMIN_NOTICES_QUEUE
from bot.runtime import Runtime
from storage.models import JobStatus
from tests.crm.support import (
    closes,
    deal,
    fixture_bytes,
    fixture_json,
    jobs,
    nothing_stored,
    post_pipedrive,
    settle,
)
from tests.fakes.crm_api import FakeCrm

V1_WON = fixture_json("pipedrive_v1_deal_won_pintegration.json")
V2_CHANGE = fixture_json("pipedrive_v2_deal_change_prismatic.json")


def v2(status: str, update_time: str, *, deal_id: int = 1, attempt: int = 1, **data: Any) -> dict[str, Any]:
    body = copy.deepcopy(V2_CHANGE)
    body["meta"].update(attempt=attempt, entity_id=deal_id)
    body["data"].update(id=deal_id, status=status, update_time=update_time, **data)
    body["previous"] = {"status": "open"} if status != "open" else None
    return body


def test_a_v1_won_deal_is_recorded_with_its_owner_and_opens_one_round(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm
) -> None:
    response = post_pipedrive(client, V1_WON)
    assert response.status_code == 200, response.text
    assert response.json() == {"received": 1, "queued": 1, "ignored": 0}
    settle(runtime)
    body = client.get("/api/deals/pipedrive:21").json()
    assert {k: body[k] for k in ("name", "stage", "owner", "amount", "currency", "source")} == {
        "name": "Gwendolyn Baumbach deal",
        "stage": "won",
        "owner": "aino@example.com",
        "amount": 17.51,
        "currency": "EUR",
        "source": "pipedrive",
    }
    assert (body["created_at"], body["closed_at"]) == ("2015-10-13", "2015-10-13")
    assert closes(runtime) == [("pipedrive:21", "won", 1)]


def test_a_v2_change_is_recorded_with_its_owner_and_organisation(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm
) -> None:
    assert post_pipedrive(client, V2_CHANGE).json()["queued"] == 1
    settle(runtime)
    body = client.get("/api/deals/pipedrive:1").json()
    assert (body["stage"], body["owner"], body["account"]) == ("open", "mikko@example.com", "Acme Oy")
    assert (body["amount"], body["currency"], body["closed_at"]) == (2, "USD", None)
    assert closes(runtime) == []


def test_won_and_lost_open_rounds_once_whatever_the_retries(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm
) -> None:
    won = v2("won", "2024-09-28T10:00:00Z", won_time="2024-09-28T10:00:00Z")
    lost = v2("lost", "2024-09-28T11:00:00Z", deal_id=2, lost_time="2024-09-28T11:00:00Z")
    assert [post_pipedrive(client, body).json()["queued"] for body in (won, lost)] == [1, 1]
    retries = [dict(won, meta=dict(won["meta"], attempt=n)) for n in (2, 3, 4)]
    assert [post_pipedrive(client, body).json()["queued"] for body in retries] == [0, 0, 0]
    settle(runtime)
    assert sorted(closes(runtime)) == [("pipedrive:1", "won", 1), ("pipedrive:2", "lost", 1)]
    assert deal(runtime, "pipedrive:1").closed_at.isoformat() == "2024-09-28"  # type: ignore[union-attr]
    assert fake_crm.count("/v1/users/18487521") == 1  # the owner is cached


def test_an_out_of_order_or_replayed_older_state_never_moves_the_deal_back(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm
) -> None:
    post_pipedrive(client, v2("won", "2024-09-28T10:00:00Z"))
    settle(runtime)
    post_pipedrive(client, v2("open", "2024-09-28T09:00:00Z", title="renamed before it was won"))
    post_pipedrive(client, V2_CHANGE)  # the original "open" delivery, replayed days later
    settle(runtime)
    stored = deal(runtime, "pipedrive:1")
    assert stored is not None and (stored.stage, stored.name) == ("won", "test deal")
    assert closes(runtime) == [("pipedrive:1", "won", 1)]


def test_a_deal_reopened_and_won_again_is_a_new_outcome(client: TestClient, runtime: Runtime) -> None:
    for hour, status in ((10, "won"), (11, "open"), (12, "won")):
        post_pipedrive(client, v2(status, f"2024-09-28T{hour}:00:00Z"))
        settle(runtime)
    assert closes(runtime) == [("pipedrive:1", "won", 1), ("pipedrive:1", "won", 2)]


@pytest.mark.parametrize(
    ("case", "auth"),
    [
        ("wrong password", {"password": "guess"}),
        ("wrong user", {"user": "someone"}),
        ("empty password", {"password": ""}),
    ],
)
def test_wrong_credentials_get_401_and_store_nothing(
    client: TestClient, runtime: Runtime, case: str, auth: dict[str, str]
) -> None:
    response = post_pipedrive(client, V1_WON, **auth)
    assert response.status_code == 401, case
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    settle(runtime)
    assert nothing_stored(runtime)


def test_missing_or_malformed_basic_auth_gets_401(client: TestClient, runtime: Runtime) -> None:
    body = fixture_bytes("pipedrive_v1_deal_won_pintegration.json")
    for headers in ({}, {"Authorization": "Basic !!!"}, {"Authorization": "Bearer x"}):
        assert client.post("/webhooks/pipedrive", content=body, headers=headers).status_code == 401
    assert nothing_stored(runtime)


def test_without_webhook_credentials_every_webhook_is_refused(client: TestClient, runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"pipedrive_webhook_password": None})
    response = post_pipedrive(client, V1_WON)
    assert response.status_code == 401 and "PIPEDRIVE_WEBHOOK_PASSWORD" in response.json()["detail"]
    assert nothing_stored(runtime)


@pytest.mark.parametrize(
    "body",
    [
        b'{"meta": ',
        fixture_bytes("pipedrive_v2_format_doc.json"),  # the docs' envelope: a // comment, not JSON
        b"[]",
        b'{"data": {"id": 1}}',
        b'{"meta": {"version": "2.0", "entity": "deal", "action": "change"}, "data": {"id": "../1"}}',
    ],
)
def test_a_malformed_delivery_gets_400_never_500(client: TestClient, runtime: Runtime, body: bytes) -> None:
    response = post_pipedrive(client, body)
    assert response.status_code == 400, response.text
    assert nothing_stored(runtime)


def test_other_objects_and_deletions_are_acknowledged_and_dropped(client: TestClient, runtime: Runtime) -> None:
    person = dict(V2_CHANGE, meta=dict(V2_CHANGE["meta"], entity="person"))
    deleted = dict(V2_CHANGE, meta=dict(V2_CHANGE["meta"], action="delete"), data=None)
    v1_person = dict(V1_WON, event="updated.person", meta=dict(V1_WON["meta"], object="person"))
    for body in (person, deleted, v1_person):
        response = post_pipedrive(client, body)
        assert response.status_code == 200 and response.json()["ignored"] == 1
    assert nothing_stored(runtime)


def test_a_users_api_outage_delays_processing_but_loses_nothing(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm
) -> None:
    fake_crm.fail("/v1/users", status=500, times=2)
    post_pipedrive(client, V1_WON)
    settle(runtime)
    [job] = jobs(runtime)
    assert job.status == JobStatus.PENDING and "500" in (job.last_error or "")
    assert deal(runtime, "pipedrive:21") is None
    for _ in range(2):
        runtime.clock.set(jobs(runtime)[0].run_after)  # type: ignore[attr-defined]
        settle(runtime)
    assert jobs(runtime)[0].status == JobStatus.DONE
    assert closes(runtime) == [("pipedrive:21", "won", 1)]


def test_a_429_from_pipedrive_waits_for_retry_after(client: TestClient, runtime: Runtime, fake_crm: FakeCrm) -> None:
    fake_crm.fail("/v1/users", status=429, retry_after="7")
    post_pipedrive(client, V1_WON)
    settle(runtime)
    assert jobs(runtime)[0].run_after == runtime.now() + timedelta(seconds=7)
    runtime.clock.advance(timedelta(seconds=7))  # type: ignore[attr-defined]
    settle(runtime)
    assert closes(runtime) == [("pipedrive:21", "won", 1)]


def test_owners_who_are_not_members_are_stored_and_reported(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm
) -> None:
    fake_crm.pipedrive_users["555"] = {"email": "stranger@example.com"}
    post_pipedrive(client, v2("won", "2024-09-28T10:00:00Z", owner_id=555))
    post_pipedrive(client, v2("won", "2024-09-28T10:00:00Z", deal_id=3, owner_id=556))  # no such user
    post_pipedrive(client, v2("won", "2024-09-28T10:00:00Z", deal_id=4, owner_id="../me"))  # never asked for
    settle(runtime)
    stored = deal(runtime, "pipedrive:1")
    assert stored is not None and stored.owner_email == "stranger@example.com" and stored.owner_id is None
    notices = {job.payload["deal"]: job.payload for job in jobs(runtime, ADMIN_NOTICES_QUEUE)}
    assert notices["pipedrive:1"]["owner_email"] == "stranger@example.com"
    assert notices["pipedrive:3"]["owner_ref"] == "556"
    assert notices["pipedrive:3"]["message"] == "notice.crm_owner_without_email"
    assert len(closes(runtime)) == 3
    assert fake_crm.count("/v1/users/me") == 0 and fake_crm.count("/v1/users/..") == 0


def test_an_oversized_body_is_refused_before_it_is_read_whole(client: TestClient, runtime: Runtime) -> None:
    huge = b'{"meta": {}, "pad": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    assert post_pipedrive(client, huge).status_code == 413
    assert nothing_stored(runtime)


def test_the_three_webhooks_are_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/webhooks/hubspot", "/webhooks/pipedrive", "/webhooks/salesforce"} <= paths.keys()
