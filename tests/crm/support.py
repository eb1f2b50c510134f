"""Sending signed webhooks to the test app, and waiting for (and looking at) what the worker did."""

from __future__ import annotations

import base64
import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from bot.runtime import Runtime
from handlers.crm.hubspot import signature_v3
from handlers.crm.worker import CRM_QUEUE
from storage.models import Deal, DealClose, Job, JobStatus

FIXTURES = Path(__file__).parent.parent / "fixtures" / "crm"  # verbatim copies; see SOURCES.md there
HUBSPOT_SECRET = "test-hubspot-client-secret"
PIPEDRIVE_USER = "onescore"
PIPEDRIVE_PASSWORD = "test-pipedrive-password"
SALESFORCE_ORG = "00D5w000004qGTOEA2"
PUBLIC_URL = "https://onescore.example.com"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> Any:
    return json.loads(fixture_bytes(name))


def hubspot_headers(
    body: bytes, at: datetime, *, secret: str = HUBSPOT_SECRET, uri: str | None = None
) -> dict[str, str]:
    timestamp = str(int(at.timestamp() * 1000))
    uri = uri or f"{PUBLIC_URL}/webhooks/hubspot"
    return {
        "Content-Type": "application/json",
        "X-HubSpot-Signature-v3": signature_v3(secret, "POST", uri, body, timestamp),
        "X-HubSpot-Request-Timestamp": timestamp,
    }


def post_hubspot(client: TestClient, runtime: Runtime, payload: Any, **kwargs: Any) -> httpx.Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = hubspot_headers(body, kwargs.pop("at", runtime.now()), **kwargs)
    return client.post("/webhooks/hubspot", content=body, headers=headers)


def basic_auth(user: str = PIPEDRIVE_USER, password: str = PIPEDRIVE_PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}", "Content-Type": "application/json"}


def post_pipedrive(client: TestClient, payload: Any, **auth: str) -> httpx.Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post("/webhooks/pipedrive", content=body, headers=basic_auth(**auth))


def post_salesforce(client: TestClient, body: bytes) -> httpx.Response:
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    return client.post("/webhooks/salesforce", content=body, headers=headers)


def settle(runtime: Runtime, timeout: float = 10.0) -> None:
    """Wait until the worker has handled every CRM job due now (retries scheduled later stay queued)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(runtime.engine) as session:
            due = session.exec(
                select(Job.id).where(
                    Job.queue == CRM_QUEUE,
                    Job.status == JobStatus.PENDING.value,
                    col(Job.run_after) <= runtime.now(),
                )
            ).first()
        if due is None:
            return
        time.sleep(0.01)
    raise AssertionError("the CRM worker did not finish its due jobs in time")


def jobs(runtime: Runtime, queue: str = CRM_QUEUE) -> list[Job]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(Job).where(Job.queue == queue).order_by(col(Job.id))).all())


def deal(runtime: Runtime, external_id: str) -> Deal | None:
    with Session(runtime.engine) as session:
        return session.exec(select(Deal).where(Deal.external_id == external_id)).first()


def deals(runtime: Runtime) -> list[Deal]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(Deal)).all())


def closes(runtime: Runtime) -> list[tuple[str, str, int]]:
    """(deal external id, outcome, seq) for every recorded close: each one opens a question round."""
    with Session(runtime.engine) as session:
        rows = session.exec(
            select(Deal.external_id, DealClose.outcome, DealClose.seq)
            .join(Deal, col(Deal.id) == DealClose.deal_id)
            .order_by(col(DealClose.id))
        ).all()
        return [tuple(row) for row in rows]  # type: ignore[misc]


def nothing_stored(runtime: Runtime) -> bool:
    return not jobs(runtime) and not deals(runtime)
