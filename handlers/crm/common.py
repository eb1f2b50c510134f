"""What the three CRM edges share: refusals, the queued delivery, the neutral deal snapshot, parsing.

Each CRM module turns its own webhook into `Delivery`s (what the queue keeps) and, in the worker,
into a `DealSnapshot` (the deal as the CRM describes it now), which becomes the same `DealInput` a
REST PUT builds — so a deal from a CRM is validated and recorded exactly like any other.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.ledger.schemas import MAX_AMOUNT, DealInput
from storage.models import Stage

log = logging.getLogger(__name__)

CLOSED = (Stage.WON, Stage.LOST)


class Unauthorized(Exception):
    """The delivery did not prove it comes from the CRM: answer 401 and store nothing."""


class BadDelivery(Exception):
    """The body is not something this CRM sends (malformed JSON or XML, wrong shape): answer 400."""


@dataclass(frozen=True)
class Delivery:
    """One deal change announced by a CRM, as the durable queue keeps it until it is processed.

    `dedupe_key` names the change itself (not the HTTP attempt), so a retried or replayed delivery
    is queued once.
    """

    kind: str
    dedupe_key: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class DealSnapshot:
    """A deal as the CRM describes it now. None means "the CRM did not say": the stored value stays.

    `owner_ref` is the CRM's own id of the owner, kept to report an owner we cannot match by email.
    """

    crm: str
    crm_id: str
    name: str | None = None
    account: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    stage: Stage | None = None
    owner_email: str | None = None
    owner_ref: str | None = None
    created_at: date | datetime | None = None
    closed_at: date | datetime | None = None
    updated_at: datetime | None = None

    @property
    def external_id(self) -> str:
        return f"{self.crm}:{self.crm_id}"

    def to_input(self) -> DealInput:
        """Only what the CRM said; a close date only for a closed deal (HubSpot's `closedate` on an
        open deal is a forecast, not a close)."""
        values: dict[str, Any] = {
            "name": self.name,
            "account": self.account,
            "amount": self.amount,
            "currency": self.currency,
            "stage": self.stage,
            "owner": self.owner_email,
            "created_at": self.created_at,
            "closed_at": self.closed_at if self.stage in CLOSED else None,
            "source_updated_at": self.updated_at,
        }
        return DealInput(**{k: v for k, v in values.items() if v is not None})


def load_json(body: bytes) -> Any:
    """A webhook's JSON, or BadDelivery for anything the parser cannot take.

    Hostile bodies fail in more ways than malformed syntax: bytes that are no Unicode encoding
    (gzip sent without its header), numbers with thousands of digits (ValueError), nesting deeper
    than the interpreter's stack (RecursionError). Every one is the sender's mistake, never ours.
    """
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BadDelivery(f"the body is not JSON we can read: {type(exc).__name__}") from exc


def is_number(value: Any) -> bool:
    """A CRM record id as OneScore accepts it: ASCII digits only (`str.isdigit` also takes other scripts')."""
    return (
        isinstance(value, int | str) and not isinstance(value, bool) and str(value).isascii() and str(value).isdigit()
    )


def text(value: Any) -> str | None:
    """A CRM field as stripped text; empty means absent."""
    if value is None:
        return None
    result = str(value).strip()
    return result or None


def amount(value: Any, *, field: str, deal: str) -> Decimal | None:
    """A CRM amount, or None (with a warning) when it is not one the ledger can hold."""
    raw = text(value)
    if raw is None:
        return None
    try:
        number = Decimal(raw)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number < 0 or number >= MAX_AMOUNT:
        log.warning("%s: %s %r is not an amount we can record; keeping the stored one", deal, field, raw)
        return None
    return number


def currency(value: Any) -> str | None:
    code = text(value)
    return code.upper() if code and len(code) == 3 and code.isalpha() else None


def email(value: Any) -> str | None:
    address = text(value)
    return address.lower() if address and "@" in address and len(address) <= 320 else None


def instant(value: Any) -> datetime | None:
    """A CRM timestamp: ISO 8601, Pipedrive's `YYYY-MM-DD HH:MM:SS` (UTC), or epoch milliseconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC)
    raw = text(value)
    if raw is None:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def day(value: Any) -> date | datetime | None:
    """A calendar day or an instant (the ledger turns an instant into the organisation's day)."""
    raw = text(value)
    if raw is not None and len(raw) == 10:
        try:
            return date.fromisoformat(raw)
        except ValueError:
            return None
    return instant(value)
