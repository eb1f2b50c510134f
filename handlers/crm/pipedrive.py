"""Pipedrive webhooks: HTTP basic auth, and turning a v1 or v2 deal delivery into a queued deal change.

Pipedrive sends the deal's state with the event (v2 `data`, v1 `current`), so what is queued is that
state; only the owner's email needs the API later. The dedupe key hashes the state itself, because
Pipedrive's retries re-send it unchanged while the envelope (`attempt`, `retry`) differs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from handlers.crm.common import BadDelivery, Delivery, Unauthorized, is_number, load_json

JOB_KIND = "pipedrive.deal"
V2_ACTIONS = frozenset({"create", "change"})
V1_ACTIONS = frozenset({"added", "updated"})
RECORD_FIELDS = (
    "id",
    "title",
    "value",
    "currency",
    "status",
    "org_name",
    "add_time",
    "update_time",
    "won_time",
    "lost_time",
    "close_time",
)


def verify(user: str | None, password: str | None, authorization: str | None) -> None:
    """Raise Unauthorized unless the request carries the configured basic-auth pair (constant time)."""
    if not (user and password):
        raise Unauthorized(
            "Pipedrive webhooks are refused: PIPEDRIVE_WEBHOOK_USER and PIPEDRIVE_WEBHOOK_PASSWORD are not set"
        )
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        raise Unauthorized("missing HTTP basic auth")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Unauthorized("malformed HTTP basic auth") from exc
    given_user, separator, given_password = decoded.partition(b":")
    user_ok = hmac.compare_digest(given_user, user.encode())
    password_ok = hmac.compare_digest(given_password, password.encode())
    if not (separator and user_ok and password_ok):
        raise Unauthorized("wrong Pipedrive webhook user or password")


def _ref(value: Any, key: str = "id") -> Any:
    """Pipedrive gives a related record as its id, or (in v1 API shapes) as an object holding it."""
    return value.get(key) if isinstance(value, dict) else value


def _record(deal: dict[str, Any]) -> dict[str, Any]:
    """The fields OneScore reads, whichever webhook version sent them."""
    record = {field: deal.get(field) for field in RECORD_FIELDS if deal.get(field) is not None}
    owner = deal.get("owner_id", deal.get("user_id"))
    record["owner_id"] = _ref(owner)
    if isinstance(owner, dict) and owner.get("email"):
        record["owner_email"] = owner["email"]
    org = deal.get("org_id")
    record["org_id"] = _ref(org, "value")
    if isinstance(org, dict) and org.get("name"):
        record["org_name"] = org["name"]
    return record


def _deal_of(document: dict[str, Any]) -> Any:
    """The deal's current state if the delivery is a deal created or changed, else None."""
    meta = document.get("meta")
    if not isinstance(meta, dict):
        raise BadDelivery("a Pipedrive webhook has a `meta` object")
    if "data" in document or str(meta.get("version", "")).startswith("2"):
        is_deal_change = meta.get("entity") == "deal" and meta.get("action") in V2_ACTIONS
        return document.get("data") if is_deal_change else None
    action, _, entity = str(document.get("event") or f"{meta.get('action')}.{meta.get('object')}").partition(".")
    return document.get("current") if entity == "deal" and action in V1_ACTIONS else None


def parse(body: bytes) -> tuple[list[Delivery], int]:
    """The deal change a delivery announces (none for other objects or deletions), and the ignored count."""
    document = load_json(body)
    if not isinstance(document, dict):
        raise BadDelivery("a Pipedrive webhook is a JSON object")
    deal = _deal_of(document)
    if deal is None:
        return [], 1
    if not isinstance(deal, dict) or not is_number(deal.get("id")):
        raise BadDelivery("the deal in a Pipedrive webhook has a numeric `id`")
    record = _record(deal)
    state = hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return [Delivery(JOB_KIND, f"pipedrive:deal:{record['id']}:{state}", {"record": record})], 0
