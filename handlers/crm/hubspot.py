"""HubSpot webhooks: the v3 request signature, and turning a delivery into queued deal changes.

HubSpot's Webhooks API posts a JSON array of up to 100 events that carry ids only; a workflow's
"Send a webhook" action posts one JSON object describing the enrolled deal. Both are signed the same
way, and both become "read deal N back" jobs: the worker asks HubSpot's API for the deal as it is
then, so the order in which HubSpot delivers events does not matter.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from handlers.crm.common import BadDelivery, Delivery, Unauthorized, is_number, load_json

SIGNATURE_HEADER = "X-HubSpot-Signature-v3"
TIMESTAMP_HEADER = "X-HubSpot-Request-Timestamp"
MAX_AGE_MS = 5 * 60 * 1000
JOB_KIND = "hubspot.deal"
DEAL_OBJECT_TYPE = "0-3"
HANDLED_ACTIONS = frozenset({"creation", "propertyChange", "restore"})
# The properties the read-back uses: a change to any other one cannot change what OneScore stores.
WATCHED_PROPERTIES = frozenset(
    {
        "dealname",
        "amount",
        "deal_currency_code",
        "pipeline",
        "dealstage",
        "closedate",
        "createdate",
        "hubspot_owner_id",
    }
)
# HubSpot decodes exactly these in the request URI before signing; every other escape stays as sent.
_SIGNED_URI_ESCAPES = re.compile(r"%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)", re.IGNORECASE)


def signed_uri(uri: str) -> str:
    return _SIGNED_URI_ESCAPES.sub(lambda match: chr(int(match.group(1), 16)), uri)


def signature_v3(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """base64(HMAC-SHA256(secret, method + URI + body + timestamp)), over the raw body bytes."""
    message = method.encode() + signed_uri(uri).encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def verify(secret: str | None, *, method: str, uri: str, body: bytes, headers: Mapping[str, str], now: datetime) -> str:
    """Raise Unauthorized unless the request is HubSpot's, signed within 5 minutes; returns the timestamp.

    A timestamp more than 5 minutes in the future is refused too: a captured request must not stay
    replayable for longer because the clock it names is skewed.
    """
    if not secret:
        raise Unauthorized("HubSpot webhooks are refused: HUBSPOT_CLIENT_SECRET is not set")
    signature = headers.get(SIGNATURE_HEADER)
    timestamp = headers.get(TIMESTAMP_HEADER)
    if not signature or not timestamp:
        raise Unauthorized(f"missing {SIGNATURE_HEADER} or {TIMESTAMP_HEADER}")
    if not is_number(timestamp) or len(timestamp) > 15:
        raise Unauthorized(f"{TIMESTAMP_HEADER} is not epoch milliseconds")
    if abs(int(now.timestamp() * 1000) - int(timestamp)) > MAX_AGE_MS:
        raise Unauthorized("the request is older than 5 minutes (or from the future)")
    expected = signature_v3(secret, method, uri, body, timestamp)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise Unauthorized("the HubSpot signature does not match")
    return timestamp


class Event(BaseModel):
    """One Webhooks API event. HubSpot's docs name its type `eventType`, deliveries `subscriptionType`."""

    model_config = ConfigDict(extra="ignore")

    objectId: int | str
    eventId: int | str | None = None
    subscriptionType: str | None = None
    eventType: str | None = None
    objectTypeId: str | None = None
    propertyName: str | None = None
    occurredAt: int | None = None
    portalId: int | str | None = None

    @field_validator("objectId")
    @classmethod
    def _numeric(cls, value: int | str) -> int | str:
        if not is_number(value):
            raise ValueError("objectId must be a number")
        return value

    @property
    def type(self) -> str:
        return self.subscriptionType or self.eventType or ""

    def is_deal_change(self) -> bool:
        scope, _, action = self.type.partition(".")
        is_deal = scope == "deal" or (scope == "object" and self.objectTypeId == DEAL_OBJECT_TYPE)
        if not is_deal or action not in HANDLED_ACTIONS:
            return False
        return action != "propertyChange" or self.propertyName in WATCHED_PROPERTIES

    def delivery(self) -> Delivery:
        deal_id = str(self.objectId)
        key = ":".join(
            str(part)
            for part in (
                "hubspot",
                self.portalId,
                self.type,
                deal_id,
                self.propertyName,
                self.eventId,
                self.occurredAt,
            )
        )
        return Delivery(JOB_KIND, key, {"deal_id": deal_id, "occurred_at": self.occurredAt})


def _workflow_deal_id(body: dict[str, Any]) -> str | None:
    """The deal a workflow's "Send a webhook" names: its record id, wherever the body format puts it."""
    properties = body.get("properties")
    candidates = [body.get("objectId"), body.get("dealId"), body.get("hs_object_id")]
    if isinstance(properties, dict):
        nested = properties.get("hs_object_id")
        candidates.append(nested.get("value") if isinstance(nested, dict) else nested)
    for candidate in candidates:
        value = str(candidate).strip() if isinstance(candidate, int | str) else ""
        if is_number(value):
            return value
    return None


def parse(body: bytes, timestamp: str) -> tuple[list[Delivery], int]:
    """The deal changes a delivery announces, and how many of its events were not about deals."""
    document = load_json(body)
    if isinstance(document, dict) and not (document.get("subscriptionType") or document.get("eventType")):
        deal_id = _workflow_deal_id(document)
        if deal_id is None:
            raise BadDelivery("a workflow webhook must carry the deal's record id (hs_object_id)")
        key = f"hubspot:workflow:{deal_id}:{timestamp}"
        return [Delivery(JOB_KIND, key, {"deal_id": deal_id, "occurred_at": None})], 0
    events = document if isinstance(document, list) else [document]
    try:
        parsed = [Event.model_validate(item) for item in events]
    except ValidationError as exc:
        raise BadDelivery(f"not a HubSpot webhook event: {exc.errors()[0]['msg']}") from exc
    deliveries = [event.delivery() for event in parsed if event.is_deal_change()]
    return deliveries, len(parsed) - len(deliveries)
