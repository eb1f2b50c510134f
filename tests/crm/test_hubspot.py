"""HubSpot over HTTP: signed deliveries (saved fixtures), read back from the fake HubSpot API."""

from __future__ import annotations

import copy
import json
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.notices.store import ADMIN_NOTICES_QUEUE
from bot.runtime import Runtime
from handlers.crm.hubspot import signature_v3, signed_uri
from handlers.crm.hubspot_api import HubSpotApi
from storage.models import JobStatus
from tests.conftest import START
from tests.crm.support import (
    closes,
    deal,
    fixture_bytes,
    fixture_json,
    jobs,
    nothing_stored,
    post_hubspot,
    settle,
)
from tests.fakes.crm_api import FakeCrm

WON_EVENT = fixture_json("hubspot_deal_closedwon_djhubspot.json")
CUSTOM_STAGE_EVENT = fixture_json("hubspot_deal_stage_custom_pipeline_djhubspot.json")
DEAL = "697680835"
EARLIER = START - timedelta(minutes=10)


def event(deal_id: str = DEAL, *, event_id: int = 1, occurred: int | None = None, **fields: object) -> dict:
    base = copy.deepcopy(WON_EVENT[0])
    base.update(objectId=int(deal_id), eventId=event_id, occurredAt=occurred or base["occurredAt"], **fields)
    return base


def test_the_v3_signature_reproduces_hubspots_published_test_vectors() -> None:
    vectors = fixture_json("hubspot_signature_test_vectors.json")["sdk_tests"]
    args = (vectors["http_method"], vectors["url"], vectors["request_body"].encode())
    expected = vectors["v3 (base64(hmac_sha256(secret, method+uri+body+timestamp)))"]
    assert signature_v3(vectors["client_secret"], *args, str(vectors["timestamp"])) == expected
    # HubSpot's Python SDK test (tests/spec/utils/test_signature.py) signs the same request at a later time.
    later = "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y="
    assert signature_v3(vectors["client_secret"], *args, "1693657560000") == later


def test_the_signed_uri_decodes_exactly_the_characters_hubspot_lists() -> None:
    raw = "https://x.example/hooks%2Fhubspot?a=%3a%40%21%24%27%28%29%2A%2C%3B%3F&b=%20%26%3D"
    assert signed_uri(raw) == "https://x.example/hooks/hubspot?a=:@!$'()*,;?&b=%20%26%3D"


def test_a_won_deal_is_read_back_from_hubspot_and_opens_one_round(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm
) -> None:
    fake_crm.hubspot_deal(DEAL, stage="closedwon", modified=EARLIER, currency="USD")
    response = post_hubspot(client, runtime, WON_EVENT)
    assert response.status_code == 200, response.text
    assert response.json() == {"received": 1, "queued": 1, "ignored": 0}
    settle(runtime)
    body = client.get(f"/api/deals/hubspot:{DEAL}").json()
    assert {k: body[k] for k in ("name", "stage", "owner", "amount", "currency", "source")} == {
        "name": "Acme renewal",
        "stage": "won",
        "owner": "aino@example.com",
        "amount": 50000,
        "currency": "USD",
        "source": "hubspot",
    }
    assert (body["created_at"], body["closed_at"]) == ("2026-10-01", "2026-11-24")
    assert closes(runtime) == [(f"hubspot:{DEAL}", "won", 1)]
    assert deal(runtime, f"hubspot:{DEAL}").owner_id is not None  # type: ignore[union-attr]


def test_a_custom_pipeline_stage_is_won_or_lost_by_its_metadata(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm
) -> None:
    custom_stage = CUSTOM_STAGE_EVENT["propertyValue"]
    fake_crm.hubspot_deal(DEAL, stage=custom_stage, modified=EARLIER, pipeline="renewals")
    fake_crm.hubspot_deal("42", stage="closedlost", modified=EARLIER)
    assert post_hubspot(client, runtime, CUSTOM_STAGE_EVENT).json()["queued"] == 1
    assert post_hubspot(client, runtime, [event("42", event_id=2)]).json()["queued"] == 1
    settle(runtime)
    assert sorted(closes(runtime)) == [("hubspot:42", "lost", 1), (f"hubspot:{DEAL}", "won", 1)]
    assert fake_crm.count("/crm/v3/pipelines/deals") == 1


def test_duplicate_and_retried_deliveries_change_nothing(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm
) -> None:
    fake_crm.hubspot_deal(DEAL, stage="closedwon", modified=EARLIER)
    first = post_hubspot(client, runtime, WON_EVENT)
    retried = post_hubspot(client, runtime, [dict(WON_EVENT[0], attemptNumber=4)])
    doubled = post_hubspot(client, runtime, WON_EVENT + WON_EVENT)
    assert [r.json()["queued"] for r in (first, retried, doubled)] == [1, 0, 0]
    settle(runtime)
    assert closes(runtime) == [(f"hubspot:{DEAL}", "won", 1)]
    assert fake_crm.count(f"/crm/v3/objects/deals/{DEAL}") == 1


def test_out_of_order_and_stale_events_never_move_a_deal_back(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm
) -> None:
    won_at = START - timedelta(minutes=2)
    fake_crm.hubspot_deal(DEAL, stage="closedwon", modified=won_at)
    post_hubspot(client, runtime, [event(event_id=2, occurred=int(won_at.timestamp() * 1000))])
    settle(runtime)
    # The event that moved the deal to "contract sent" arrives late: the stored deal already includes it.
    late = int((won_at - timedelta(minutes=5)).timestamp() * 1000)
    post_hubspot(client, runtime, [event(event_id=1, occurred=late, propertyValue="contractsent")])
    settle(runtime)
    assert fake_crm.count(f"/crm/v3/objects/deals/{DEAL}") == 1
    # A read-back that returns an older state (a lagging API replica) is ignored as stale.
    fake_crm.hubspot_deal(DEAL, stage="contractsent", modified=won_at - timedelta(minutes=5))
    post_hubspot(client, runtime, {"hs_object_id": DEAL})
    settle(runtime)
    assert fake_crm.count(f"/crm/v3/objects/deals/{DEAL}") == 2
    assert deal(runtime, f"hubspot:{DEAL}").stage == "won"  # type: ignore[union-attr]
    assert closes(runtime) == [(f"hubspot:{DEAL}", "won", 1)]


def test_a_deal_reopened_and_won_again_is_a_new_outcome(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm
) -> None:
    for number, stage in enumerate(("closedwon", "contractsent", "closedwon"), start=1):
        modified = START - timedelta(minutes=10 - number)
        fake_crm.hubspot_deal(DEAL, stage=stage, modified=modified)
        post_hubspot(client, runtime, [event(event_id=number, occurred=int(modified.timestamp() * 1000))])
        settle(runtime)
    assert closes(runtime) == [(f"hubspot:{DEAL}", "won", 1), (f"hubspot:{DEAL}", "won", 2)]


@pytest.mark.parametrize(
    ("case", "kwargs"),
    [
        ("wrong secret", {"secret": "not-the-secret"}),
        ("older than 5 minutes", {"at": START - timedelta(minutes=5, seconds=1)}),
        ("from the future", {"at": START + timedelta(minutes=6)}),
        ("signed for another URL", {"uri": "http://onescore.example.com/webhooks/hubspot"}),
    ],
)
def test_a_request_that_is_not_hubspots_gets_401_and_stores_nothing(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm, case: str, kwargs: dict
) -> None:
    fake_crm.hubspot_deal(DEAL, stage="closedwon", modified=EARLIER)
    response = post_hubspot(client, runtime, WON_EVENT, **kwargs)
    assert response.status_code == 401, case
    settle(runtime)
    assert nothing_stored(runtime)


def test_a_tampered_body_or_missing_headers_get_401(client: TestClient, runtime: Runtime) -> None:
    body = json.dumps(WON_EVENT).encode()
    signed = post_hubspot(client, runtime, body).request.headers
    headers = {k: signed[k] for k in ("X-HubSpot-Signature-v3", "X-HubSpot-Request-Timestamp")}
    tampered = body.replace(b"closedwon", b"closedlost")
    assert client.post("/webhooks/hubspot", content=tampered, headers=headers).status_code == 401
    assert client.post("/webhooks/hubspot", content=body).status_code == 401
    unsigned_time = dict(headers, **{"X-HubSpot-Request-Timestamp": "x"})
    assert client.post("/webhooks/hubspot", content=body, headers=unsigned_time).status_code == 401


def test_without_a_client_secret_every_webhook_is_refused(client: TestClient, runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"hubspot_client_secret": None})
    response = post_hubspot(client, runtime, WON_EVENT)
    assert response.status_code == 401
    assert "HUBSPOT_CLIENT_SECRET" in response.json()["detail"]
    assert nothing_stored(runtime)


def test_without_a_public_url_the_request_url_is_what_is_signed(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm
) -> None:
    runtime.settings = runtime.settings.model_copy(update={"public_url": None})
    assert post_hubspot(client, runtime, WON_EVENT).status_code == 401
    response = post_hubspot(client, runtime, WON_EVENT, uri="http://testserver/webhooks/hubspot")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b"[{",
        b"\xff\xfe not utf-8",
        b'[{"objectId": "abc", "subscriptionType": "deal.creation"}]',
        '[{"objectId": "١٢٣", "subscriptionType": "deal.creation"}]'.encode(),  # digits, but not ASCII ones
        b"[1, 2]",
        b"{}",
    ],
)
def test_a_malformed_delivery_gets_400_never_500(client: TestClient, runtime: Runtime, body: bytes) -> None:
    response = post_hubspot(client, runtime, body)
    assert response.status_code == 400, response.text
    assert nothing_stored(runtime)


def test_events_about_other_objects_are_acknowledged_and_dropped(client: TestClient, runtime: Runtime) -> None:
    contact_events = fixture_bytes("hubspot_webhooks_doc_example.json")
    description = [event(event_id=9, propertyName="description")]
    contact_object = [event(event_id=10, subscriptionType="object.propertyChange", objectTypeId="0-1")]
    for body in (contact_events, description, contact_object):
        response = post_hubspot(client, runtime, body)
        assert response.status_code == 200
        assert response.json()["queued"] == 0
    assert nothing_stored(runtime)


def test_generic_object_events_and_the_documented_eventtype_key_are_accepted(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm
) -> None:
    fake_crm.hubspot_deal(DEAL, stage="closedwon", modified=EARLIER)
    generic = event(event_id=3, subscriptionType="object.propertyChange", objectTypeId="0-3")
    documented = {k: v for k, v in event(event_id=4).items() if k != "subscriptionType"}
    documented["eventType"] = "deal.propertyChange"
    response = post_hubspot(client, runtime, [generic, documented])
    assert response.json() == {"received": 2, "queued": 2, "ignored": 0}
    settle(runtime)
    assert closes(runtime) == [(f"hubspot:{DEAL}", "won", 1)]


@pytest.mark.parametrize(
    "body",
    [
        {"objectId": int(DEAL), "properties": {"dealname": {"value": "Acme renewal"}}},
        {"properties": {"hs_object_id": {"value": DEAL}}},
        {"hs_object_id": DEAL, "dealname": "Acme renewal"},
    ],
)
def test_a_workflow_send_a_webhook_body_is_accepted(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm, body: dict
) -> None:
    fake_crm.hubspot_deal(DEAL, stage="closedlost", modified=EARLIER)
    assert post_hubspot(client, runtime, body).json()["queued"] == 1
    settle(runtime)
    assert closes(runtime) == [(f"hubspot:{DEAL}", "lost", 1)]


def test_an_api_outage_delays_processing_but_loses_nothing(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm
) -> None:
    fake_crm.hubspot_deal(DEAL, stage="closedwon", modified=EARLIER)
    fake_crm.outage = 503
    assert post_hubspot(client, runtime, WON_EVENT).status_code == 200
    settle(runtime)
    [job] = jobs(runtime)
    assert job.status == JobStatus.PENDING and job.run_after > runtime.now()
    assert "503" in (job.last_error or "")
    assert deal(runtime, f"hubspot:{DEAL}") is None
    for _ in range(3):  # still down at the first retries
        runtime.clock.set(job.run_after)  # type: ignore[attr-defined]
        settle(runtime)
        [job] = jobs(runtime)
        assert job.status == JobStatus.PENDING
    fake_crm.outage = None
    runtime.clock.set(job.run_after)  # type: ignore[attr-defined]
    settle(runtime)
    assert jobs(runtime)[0].status == JobStatus.DONE
    assert closes(runtime) == [(f"hubspot:{DEAL}", "won", 1)]


def test_a_429_is_retried_exactly_when_retry_after_says(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm
) -> None:
    fake_crm.hubspot_deal(DEAL, stage="closedwon", modified=EARLIER)
    fake_crm.fail("/crm/v3/objects/deals", status=429, retry_after="30")
    post_hubspot(client, runtime, WON_EVENT)
    settle(runtime)
    [job] = jobs(runtime)
    assert job.run_after == runtime.now() + timedelta(seconds=30)
    runtime.clock.advance(timedelta(seconds=30))  # type: ignore[attr-defined]
    settle(runtime)
    assert closes(runtime) == [(f"hubspot:{DEAL}", "won", 1)]


def test_a_deal_deleted_in_hubspot_before_the_read_back_is_skipped(client: TestClient, runtime: Runtime) -> None:
    post_hubspot(client, runtime, WON_EVENT)
    settle(runtime)
    [job] = jobs(runtime)
    assert job.status == JobStatus.DONE and job.result and "no longer" in job.result["skipped"]
    assert deal(runtime, f"hubspot:{DEAL}") is None


def test_an_unknown_stage_refreshes_the_cached_pipelines(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(HubSpotApi, "unknown_stage_refresh_seconds", 0.0)
    fake_crm.hubspot_deal(DEAL, stage="closedwon", modified=EARLIER)
    post_hubspot(client, runtime, WON_EVENT)
    settle(runtime)
    new_stage = {"id": "won-abroad", "metadata": {"isClosed": "true", "probability": "1"}}
    fake_crm.pipelines[0]["stages"].append(new_stage)
    fake_crm.hubspot_deal("43", stage="won-abroad", modified=EARLIER)
    post_hubspot(client, runtime, [event("43", event_id=5)])
    settle(runtime)
    assert fake_crm.count("/crm/v3/pipelines/deals") == 2
    assert ("hubspot:43", "won", 1) in closes(runtime)


def test_an_owner_who_is_not_a_member_is_stored_and_reported_to_admins_once(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm
) -> None:
    fake_crm.hubspot_deal(DEAL, stage="closedwon", modified=EARLIER, owner_id="102")
    fake_crm.hubspot_deal("44", stage="closedlost", modified=EARLIER, owner_id="102")
    post_hubspot(client, runtime, [event(event_id=1), event("44", event_id=2)])
    settle(runtime)
    stored = deal(runtime, f"hubspot:{DEAL}")
    assert stored is not None and stored.owner_email == "stranger@example.com" and stored.owner_id is None
    assert len(closes(runtime)) == 2
    [notice] = jobs(runtime, ADMIN_NOTICES_QUEUE)
    assert notice.payload["owner_email"] == "stranger@example.com"
    assert notice.payload["message"] == "notice.crm_owner_not_member"
    assert notice.payload["values"]["owner"] == "stranger@example.com"


def test_a_batch_of_100_events_is_acknowledged_fast(client: TestClient, runtime: Runtime) -> None:
    batch = [event(str(1000 + n), event_id=n) for n in range(100)]
    post_hubspot(client, runtime, batch[:1])  # warm up the app's first-request paths
    started = time.perf_counter()
    response = post_hubspot(client, runtime, batch)
    elapsed = time.perf_counter() - started
    assert response.json()["queued"] == 99
    assert elapsed < 1.0, f"acknowledged in {elapsed * 1000:.0f} ms"


def test_without_an_access_token_deliveries_are_kept_until_one_is_set(runtime: Runtime, fake_crm: FakeCrm) -> None:
    fake_crm.hubspot_deal(DEAL, stage="closedwon", modified=EARLIER)
    runtime.settings = runtime.settings.model_copy(update={"hubspot_access_token": None})
    app = create_app(runtime)
    app.state.crm_intake.worker.poll_interval = 0.01
    with TestClient(app) as client:
        assert post_hubspot(client, runtime, WON_EVENT).json()["queued"] == 1
        settle(runtime)
    [job] = jobs(runtime)
    assert job.status == JobStatus.PENDING and "HUBSPOT_ACCESS_TOKEN is not set" in (job.last_error or "")
    assert job.run_after == runtime.now() + timedelta(hours=1)
