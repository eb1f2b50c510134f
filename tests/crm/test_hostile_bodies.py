"""HubSpot and Pipedrive webhooks with hostile bodies: 401 without the CRM's proof, 400 with it, never 5xx."""

from __future__ import annotations

import gzip
import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.runtime import Runtime
from tests.crm.support import basic_auth, hubspot_headers, nothing_stored

EVENT = {"objectId": 1, "subscriptionType": "deal.creation", "eventId": 1, "occurredAt": 1}
HOSTILE = {
    "deeply nested array": b"[" * 100_000 + b"]" * 100_000,
    "deeply nested object": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "not UTF-8": b'{"title": "\xff\xfe\xe4 caf\xe9"}',
    "gzip": gzip.compress(json.dumps([EVENT]).encode()),
    "a number with 5000 digits": b'[{"objectId": ' + b"9" * 5000 + b', "subscriptionType": "deal.creation"}]',
    "NUL bytes": b"\x00" * 64,
    "empty": b"",
    "a lone surrogate as the id": b'{"meta": {"version": "2.0", "entity": "deal", "action": "change"}, '
    b'"data": {"id": "\\ud800"}}',
}
HOSTILE_NAMES = list(HOSTILE)
JSON_DOCUMENTS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
).map(lambda value: json.dumps(value).encode())


@pytest.mark.parametrize("case", HOSTILE_NAMES)
def test_hubspot_unsigned_is_401_whatever_the_body(client: TestClient, runtime: Runtime, case: str) -> None:
    response = client.post("/webhooks/hubspot", content=HOSTILE[case], headers={"Content-Type": "application/json"})
    assert response.status_code == 401, case
    assert nothing_stored(runtime)


@pytest.mark.parametrize("case", HOSTILE_NAMES)
def test_hubspot_signed_but_hostile_is_400(client: TestClient, runtime: Runtime, case: str) -> None:
    body = HOSTILE[case]
    response = client.post("/webhooks/hubspot", content=body, headers=hubspot_headers(body, runtime.now()))
    assert response.status_code == 400, case
    assert "detail" in response.json()
    assert nothing_stored(runtime)


@pytest.mark.parametrize("case", HOSTILE_NAMES)
def test_pipedrive_without_basic_auth_is_401_whatever_the_body(client: TestClient, runtime: Runtime, case: str) -> None:
    response = client.post("/webhooks/pipedrive", content=HOSTILE[case], headers={"Content-Type": "application/json"})
    assert response.status_code == 401, case
    assert nothing_stored(runtime)


@pytest.mark.parametrize("case", HOSTILE_NAMES)
def test_pipedrive_authenticated_but_hostile_is_400(client: TestClient, runtime: Runtime, case: str) -> None:
    response = client.post("/webhooks/pipedrive", content=HOSTILE[case], headers=basic_auth())
    assert response.status_code == 400, case
    assert nothing_stored(runtime)


def test_a_non_ascii_basic_auth_header_is_401(client: TestClient) -> None:
    headers = {"Authorization": "Basic äö🚀".encode(), "Content-Type": b"application/json"}
    assert client.post("/webhooks/pipedrive", content=b"{}", headers=headers).status_code == 401


def test_a_lone_surrogate_in_a_queued_deal_is_stored_or_refused_never_500(client: TestClient, runtime: Runtime) -> None:
    body = (
        b'{"meta": {"version": "2.0", "entity": "deal", "action": "change"}, '
        b'"data": {"id": 7, "title": "Caf\\u00e9 \\ud800 \\ud83d\\ude80", "status": "open"}}'
    )
    response = client.post("/webhooks/pipedrive", content=body, headers=basic_auth())
    assert response.status_code in (200, 400)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=2048) | JSON_DOCUMENTS)
def test_any_body_signed_or_not_is_never_a_server_error(client: TestClient, runtime: Runtime, body: bytes) -> None:
    signed = client.post("/webhooks/hubspot", content=body, headers=hubspot_headers(body, runtime.now()))
    unsigned = client.post("/webhooks/hubspot", content=body)
    authenticated = client.post("/webhooks/pipedrive", content=body, headers=basic_auth())
    anonymous = client.post("/webhooks/pipedrive", content=body)
    assert signed.status_code in (200, 400)
    assert authenticated.status_code in (200, 400)
    assert unsigned.status_code == anonymous.status_code == 401
