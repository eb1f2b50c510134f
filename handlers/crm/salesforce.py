"""Salesforce Outbound Messages: the SOAP body for Opportunities, checked against our organisation id.

Salesforce proves nothing but the organisation id inside the body, so the XML is parsed before the
check (a body that does not parse proves nothing, so it is refused as unauthenticated) — with
defusedxml refusing any DTD, which rules out entity expansion (billion laughs) and external
entities before a single entity is read. An Outbound Message carries the fields the admin
chose, so no API read-back is needed; the owner's email and the account's name come from two formula
fields (`Owner_Email__c`, `Account_Name__c`) because an Opportunity itself holds only their ids.
"""

from __future__ import annotations

import hmac
import re
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring

from handlers.crm.common import (
    BadDelivery,
    DealSnapshot,
    Delivery,
    Unauthorized,
    amount,
    currency,
    day,
    email,
    instant,
    text,
)
from storage.models import Stage

JOB_KIND = "salesforce.opportunity"
MAX_NOTIFICATIONS = 100
OWNER_EMAIL_FIELD = "Owner_Email__c"
ACCOUNT_NAME_FIELD = "Account_Name__c"
SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}"
OUTBOUND = "{http://soap.sforce.com/2005/09/outbound}"
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
ACK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:out="http://soap.sforce.com/2005/09/outbound">'
    "<soapenv:Body><out:notificationsResponse><out:Ack>true</out:Ack></out:notificationsResponse>"
    "</soapenv:Body></soapenv:Envelope>"
)
_ID = re.compile(r"[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?")
_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def _checksum(id15: str) -> str:
    """The 3 characters Salesforce appends to make an id case-insensitive: one per 5-character chunk,
    encoding which of its characters are upper-case letters."""
    return "".join(
        _CHECKSUM_ALPHABET[sum(1 << i for i, c in enumerate(id15[k : k + 5]) if "A" <= c <= "Z")] for k in (0, 5, 10)
    )


def canonical_id(value: str | None) -> str | None:
    """The case-sensitive 15-character form of a Salesforce id, or None if `value` is not a valid id."""
    if value is None or not _ID.fullmatch(value):
        return None
    if len(value) == 18 and value[15:].upper() != _checksum(value[:15]):
        return None
    return value[:15]


def expected_org(configured: str | None) -> str:
    """The configured organisation's 15-character id; Unauthorized (refuse everything) when unusable."""
    if not configured:
        raise Unauthorized("Salesforce outbound messages are refused: SALESFORCE_ORG_ID is not set")
    expected = canonical_id(configured.strip())
    if expected is None:
        raise Unauthorized("SALESFORCE_ORG_ID is not a 15- or 18-character Salesforce organisation id")
    return expected


def verify(expected: str, given: str | None) -> None:
    got = canonical_id(given) or ""
    if not hmac.compare_digest(got.encode(), expected.encode()):
        raise Unauthorized("the outbound message is from another Salesforce organisation")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _fields(sobject: Element) -> dict[str, str | None]:
    return {_local(child.tag): None if child.get(f"{XSI}nil") == "true" else text(child.text) for child in sobject}


def read(body: bytes) -> Element:
    """The XML document, before anything in it is believed.

    Salesforce's only proof is the organisation id inside the body, so a body that does not parse
    (bad XML, a DTD, an encoding that does not exist or that expat cannot decode) carries no proof
    at all: it is unauthenticated, whatever else is wrong with it. Any failure of the parser on
    these bytes means just that, so every one of them is caught.
    """
    try:
        return fromstring(body, forbid_dtd=True)
    except Exception as exc:
        raise Unauthorized(f"not a readable Salesforce outbound message: {type(exc).__name__}") from exc


def organization_id(root: Element) -> str | None:
    return text(root.findtext(f"{SOAP}Body/{OUTBOUND}notifications/{OUTBOUND}OrganizationId"))


def notifications(root: Element) -> list[dict[str, str | None]]:
    """Each notification's fields (plus `_notification` and `_type`), from a message already verified."""
    envelope = root.find(f"{SOAP}Body/{OUTBOUND}notifications")
    if envelope is None:
        raise BadDelivery("not a Salesforce outbound message (no notifications element)")
    items = envelope.findall(f"{OUTBOUND}Notification")
    if not 1 <= len(items) <= MAX_NOTIFICATIONS:
        raise BadDelivery(f"an outbound message has 1 to {MAX_NOTIFICATIONS} notifications")
    result = []
    for item in items:
        sobject = item.find(f"{OUTBOUND}sObject")
        notification_id = text(item.findtext(f"{OUTBOUND}Id"))
        if sobject is None or canonical_id(notification_id) is None:
            raise BadDelivery("each notification has an Id and an sObject")
        fields = _fields(sobject)
        fields["_notification"] = notification_id
        fields["_type"] = (sobject.get(f"{XSI}type") or "").rpartition(":")[2]
        result.append(fields)
    return result


def deliveries(org_id: str, notifications: list[dict[str, str | None]]) -> tuple[list[Delivery], int]:
    """Queued changes for the live Opportunities among the notifications, and how many were ignored.

    `org_id` is the verified 15-character id, so one change has one key whichever form Salesforce sent.
    """
    result = []
    for fields in notifications:
        if fields["_type"] != "Opportunity" or fields.get("IsDeleted") == "true":
            continue
        if canonical_id(fields.get("Id")) is None:
            raise BadDelivery("an Opportunity notification carries the record's Id")
        key = f"salesforce:{org_id}:{fields['_notification']}"
        result.append(Delivery(JOB_KIND, key, {"fields": fields}))
    return result, len(notifications) - len(result)


def _stage(fields: dict[str, Any]) -> Stage | None:
    closed, won = fields.get("IsClosed"), fields.get("IsWon")
    if closed == "false":
        return Stage.OPEN
    if closed == "true" and won in ("true", "false"):
        return Stage.WON if won == "true" else Stage.LOST
    return None


def snapshot(fields: dict[str, Any]) -> DealSnapshot:
    opportunity = str(fields["Id"])
    return DealSnapshot(
        crm="salesforce",
        crm_id=opportunity,
        name=text(fields.get("Name")) or f"Salesforce opportunity {opportunity}",
        account=text(fields.get(ACCOUNT_NAME_FIELD)),
        amount=amount(fields.get("Amount"), field="Amount", deal=f"salesforce:{opportunity}"),
        currency=currency(fields.get("CurrencyIsoCode")),
        stage=_stage(fields),
        owner_email=email(fields.get(OWNER_EMAIL_FIELD)),
        owner_ref=text(fields.get("OwnerId")),
        created_at=day(fields.get("CreatedDate")),
        closed_at=day(fields.get("CloseDate")),
        updated_at=instant(fields.get("SystemModstamp")) or instant(fields.get("LastModifiedDate")),
    )
