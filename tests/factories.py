"""Test data built in one place: the "Acme renewal" deal most scenarios close, and organisation members.

A test names only what it is about (`deal_body(stage="lost")`, `deal_body(omit=("account",))`), so
a reader sees at a glance what differs from the usual deal, and a change to the deal's shape is made
here once instead of in every module that used to carry its own copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import yaml

ACME_RENEWAL: dict[str, Any] = {
    "name": "Acme renewal",
    "account": "Acme Oy",
    "amount": 50000,
    "currency": "EUR",
    "stage": "won",
    "owner": "aino@example.com",
    "participants": [{"member": "mikko@example.com", "team": "marketing"}],
    "created_at": "2026-10-01",
    "closed_at": "2026-11-24",
}


def deal_body(*, omit: Iterable[str] = (), **overrides: Any) -> dict[str, Any]:
    """The "Acme renewal" deal as `PUT /api/deals/{id}` takes it: won by Aino (sales) with Mikko
    (marketing); `overrides` replace fields, `omit` leaves fields out (absent, not null)."""
    body = {key: value for key, value in ACME_RENEWAL.items() if key not in set(omit)}
    body["participants"] = [dict(entry) for entry in body.get("participants", [])]
    return {**body, **overrides}


def participant(member: str, team: str) -> dict[str, str]:
    """A deal's participant: the member's email and the team they worked in on it."""
    return {"member": member, "team": team}


def member(name: str, team: str, **fields: Any) -> dict[str, Any]:
    """An organisation file's member entry; the email is the name's at example.com unless given."""
    return {"email": f"{name.lower()}@example.com", "name": name, "team": team, **fields}


def organisation_yaml(members: Sequence[dict[str, Any]], teams: Sequence[str | dict[str, str]], **settings: Any) -> str:
    """An organisation file with these members and teams (a team as a name or as {name, label})."""
    entries = [{"name": team} if isinstance(team, str) else dict(team) for team in teams]
    document = {**settings, "teams": entries, "members": list(members)}
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
