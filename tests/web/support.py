"""Helpers for the dashboard tests: the organisation, deals and answers through the REST API, and
signing a browser-less client in exactly as a person does (open the link, press the button)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bot.access.links import sign_in_link
from bot.runtime import Runtime
from storage.models import Member
from tests.conftest import API_TOKEN

ORG = """
timezone: Europe/Helsinki
language: en
currency: EUR
fx_rates: {USD: 0.9213}
min_group_size: 1
teams:
  - {name: sales}
  - {name: marketing}
  - {name: product}
  - {name: hr, label: "HR & training"}
members:
  - {email: aino@example.com, name: Aino, team: sales, role: lead, slack_id: U0AINO}
  - {email: mikko@example.com, name: Mikko, team: marketing, language: fi, slack_id: U0MIKKO}
  - {email: olli@example.com, name: Olli, team: product, role: observer}
  - {email: sanna@example.com, name: Sanna, team: hr}
  - {email: ville@example.com, name: Ville, team: sales, role: admin}
"""
PUBLIC_URL = "http://testserver"
API = {"Authorization": f"Bearer {API_TOKEN}"}
HOSTILE = "<script>alert(1)</script>"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def member_id(runtime: Runtime, email: str) -> int:
    with Session(runtime.engine) as session:
        found = session.exec(select(Member.id).where(Member.email == email)).one()
    assert found is not None
    return found


def login_path(runtime: Runtime, email: str) -> str:
    url = sign_in_link(runtime, member_id(runtime, email)).url
    return url.removeprefix(PUBLIC_URL)


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, html
    return found.group(1)


def sign_in(client: TestClient, runtime: Runtime, email: str) -> None:
    path = login_path(runtime, email)
    page = client.get(path)
    assert page.status_code == 200, page.text
    signed = client.post(path, data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert signed.status_code == 303, signed.text


def put_deal(client: TestClient, external_id: str, **fields: Any) -> None:
    body = {
        "name": external_id.title(),
        "amount": 1000,
        "currency": "EUR",
        "stage": "won",
        "owner": "aino@example.com",
        "created_at": "2026-10-01",
        "closed_at": "2026-11-23",
        **fields,
    }
    response = client.put(f"/api/deals/{external_id}", json=body, headers=API)
    assert response.status_code in (200, 201), response.text


def add_answer(client: TestClient, external_id: str, member: str, team: str, text: str, **fields: Any) -> None:
    body = {"member": member, "helping_team": team, "impact": "strong", "text": text, **fields}
    response = client.post(f"/api/deals/{external_id}/answers", json=body, headers=API)
    assert response.status_code == 201, response.text
