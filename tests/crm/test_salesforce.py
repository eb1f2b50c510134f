"""Salesforce over HTTP: Outbound Messages (saved fixture), the organisation id, the SOAP ack, hostile XML."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from bot.notices.store import ADMIN_NOTICES_QUEUE
from bot.runtime import Runtime
from handlers.crm.salesforce import canonical_id
from tests.crm.support import (
    SALESFORCE_ORG,
    closes,
    deal,
    fixture_bytes,
    jobs,
    nothing_stored,
    post_salesforce,
    settle,
)

OPEN = fixture_bytes("salesforce_outbound_opportunity.xml")
OPPORTUNITY = "salesforce:0065w000023STAmAAO"
NOTIFICATION = b"<Id>04l5w00005286hAAAQ</Id>"
OUTBOUND = "{http://soap.sforce.com/2005/09/outbound}"


def message(
    *,
    closed: bool = False,
    won: bool = False,
    modified: str = "2020-05-09T03:04:32.000Z",
    notification: str = "04l5w00005286hAAAQ",
    owner_email: str | None = "aino@example.com",
    org: str = SALESFORCE_ORG,
) -> bytes:
    """The saved Outbound Message with its state changed, plus the owner-email formula field."""
    body = OPEN.replace(b"<sf:IsClosed>false", b"<sf:IsClosed>" + str(closed).lower().encode())
    body = body.replace(b"<sf:IsWon>false", b"<sf:IsWon>" + str(won).lower().encode())
    body = body.replace(b"2020-05-09T03:04:32.000Z</sf:SystemModstamp>", f"{modified}</sf:SystemModstamp>".encode())
    body = body.replace(NOTIFICATION, f"<Id>{notification}</Id>".encode())
    body = body.replace(b"00D5w000004qGTOEA2", org.encode())
    if owner_email:
        field = f"<sf:Owner_Email__c>{owner_email}</sf:Owner_Email__c>\n    </sObject>".encode()
        body = body.replace(b"</sObject>", field)
    return body


def acknowledged(response: object) -> bool:
    root = ElementTree.fromstring(response.content)  # type: ignore[attr-defined]
    return root.findtext(f".//{OUTBOUND}notificationsResponse/{OUTBOUND}Ack") == "true"


def test_the_saved_message_is_acknowledged_and_its_opportunity_recorded(client: TestClient, runtime: Runtime) -> None:
    response = post_salesforce(client, OPEN)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert acknowledged(response)
    assert acknowledged(type("R", (), {"content": fixture_bytes("salesforce_ack_response.xml")})())
    settle(runtime)
    body = client.get(f"/api/deals/{OPPORTUNITY}").json()
    assert (body["name"], body["stage"], body["amount"], body["currency"]) == (
        "Backpackers, Inc. (Sample)",
        "open",
        45000,
        "EUR",
    )
    assert (body["created_at"], body["closed_at"], body["source"]) == ("2020-05-08", None, "salesforce")


def test_won_and_lost_open_rounds_once_whatever_the_duplicates(client: TestClient, runtime: Runtime) -> None:
    won = message(closed=True, won=True)
    post_salesforce(client, won)
    post_salesforce(client, won)  # Salesforce re-sends a message it saw no ack for
    post_salesforce(client, message(closed=True, won=True, notification="04l5w00005286hBAAQ"))
    settle(runtime)
    assert len(jobs(runtime)) == 2
    assert closes(runtime) == [(OPPORTUNITY, "won", 1)]
    stored = deal(runtime, OPPORTUNITY)
    assert stored is not None and stored.owner_email == "aino@example.com" and stored.owner_id is not None
    assert stored.closed_at is not None and stored.closed_at.isoformat() == "2020-07-11"


def test_a_lost_opportunity_is_a_lost_outcome(client: TestClient, runtime: Runtime) -> None:
    post_salesforce(client, message(closed=True, won=False))
    settle(runtime)
    assert closes(runtime) == [(OPPORTUNITY, "lost", 1)]


def test_an_older_message_arriving_late_never_moves_the_opportunity_back(client: TestClient, runtime: Runtime) -> None:
    post_salesforce(client, message(closed=True, won=True, modified="2020-05-10T09:00:00.000Z"))
    settle(runtime)
    post_salesforce(client, message(modified="2020-05-10T08:00:00.000Z", notification="04l5w00005286hCAAQ"))
    settle(runtime)
    assert deal(runtime, OPPORTUNITY).stage == "won"  # type: ignore[union-attr]
    assert closes(runtime) == [(OPPORTUNITY, "won", 1)]


def test_15_and_18_character_organisation_ids_are_the_same_organisation(client: TestClient, runtime: Runtime) -> None:
    assert canonical_id("00D5w000004qGTOEA2") == canonical_id("00D5w000004qGTO") == "00D5w000004qGTO"
    assert canonical_id("00D5w000004qgto") == "00D5w000004qgto"  # 15-character ids are case-sensitive
    assert post_salesforce(client, message(org="00D5w000004qGTO")).status_code == 200
    runtime.settings = runtime.settings.model_copy(update={"salesforce_org_id": "00D5w000004qGTO"})
    assert post_salesforce(client, message(org="00D5w000004qGTOea2")).status_code == 200


@pytest.mark.parametrize(
    ("case", "org"),
    [
        ("another organisation", "00D5w000004qXXXEA2"),
        ("wrong case in the 15-character id", "00D5w000004qgto"),
        ("an 18-character id whose checksum is wrong", "00D5w000004qGTOAAA"),
        ("no id", ""),
    ],
)
def test_a_message_from_another_organisation_gets_401_and_stores_nothing(
    client: TestClient, runtime: Runtime, case: str, org: str
) -> None:
    response = post_salesforce(client, message(closed=True, won=True, org=org))
    assert response.status_code == 401, case
    assert b"Fault" in response.content
    settle(runtime)
    assert nothing_stored(runtime)


@pytest.mark.parametrize("configured", [None, "", "not-an-org-id"])
def test_without_a_usable_organisation_id_every_message_is_refused(
    client: TestClient, runtime: Runtime, configured: str | None
) -> None:
    runtime.settings = runtime.settings.model_copy(update={"salesforce_org_id": configured})
    assert post_salesforce(client, OPEN).status_code == 401
    assert nothing_stored(runtime)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
<notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>&lol9;</OrganizationId>
</notifications></soapenv:Body></soapenv:Envelope>"""

EXTERNAL_ENTITY = OPEN.replace(
    b'<?xml version="1.0" encoding="UTF-8"?>',
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE x [<!ENTITY leak SYSTEM "file:///etc/passwd">]>',
).replace(b"<sf:Name>Backpackers, Inc. (Sample)</sf:Name>", b"<sf:Name>&leak;</sf:Name>")


def declaring(encoding: str) -> bytes:
    return OPEN.replace(b'encoding="UTF-8"', f'encoding="{encoding}"'.encode())


@pytest.mark.parametrize(
    ("case", "body"),
    [
        ("truncated", OPEN[:300]),
        ("not XML", b"Ack me"),
        ("empty", b""),
        ("not UTF-8", OPEN.replace(b"Backpackers", b"Backp\xe4\xff\xfeckers")),
        (
            "another SOAP message",
            b'<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body/></e:Envelope>',
        ),
        ("billion laughs", BILLION_LAUGHS),
        ("external entity", EXTERNAL_ENTITY),
        ("deeply nested", b"<a>" * 100_000 + b"</a>" * 100_000),
        *((f"encoding {name}", declaring(name)) for name in ("x-nonexistent", "utf-32", "UTF-7", "utf-16", "cp037")),
    ],
)
def test_xml_that_cannot_be_read_carries_no_organisation_id_so_it_is_401_never_500(
    client: TestClient, runtime: Runtime, case: str, body: bytes
) -> None:
    response = post_salesforce(client, body)
    assert response.status_code == 401, case
    assert b"Fault" in response.content
    assert b"passwd" not in response.content and b"root:" not in response.content
    assert nothing_stored(runtime)


def test_an_encoding_expat_reads_is_accepted_like_utf_8(client: TestClient, runtime: Runtime) -> None:
    body = declaring("ISO-8859-1").replace(b"Backpackers", b"B\xe4ckpackers")
    assert post_salesforce(client, body).status_code == 200
    settle(runtime)
    found = deal(runtime, OPPORTUNITY)
    assert found is not None and found.name.startswith("Bäckpackers")


def test_a_message_from_our_organisation_without_notifications_is_400(client: TestClient, runtime: Runtime) -> None:
    head = OPEN.replace(NOTIFICATION, b"").split(b"<Notification>")[0]
    body = head + b"</notifications></soapenv:Body></soapenv:Envelope>"
    response = post_salesforce(client, body)
    assert response.status_code == 400
    assert nothing_stored(runtime)


def test_one_hundred_notifications_are_accepted_and_a_hundred_and_one_refused(
    client: TestClient, runtime: Runtime
) -> None:
    head, rest = OPEN.split(b"<Notification>", 1)
    notification, tail = rest.split(b"</Notification>", 1)

    def batch(count: int) -> bytes:
        items = b"".join(
            b"<Notification>"
            + notification.replace(b"04l5w00005286hAAAQ", f"04l5w0000{n:06d}".encode())
            + b"</Notification>"
            for n in range(count)
        )
        return head + items + tail

    assert post_salesforce(client, batch(101)).status_code == 400
    assert post_salesforce(client, batch(100)).status_code == 200
    assert len(jobs(runtime)) == 100


def test_other_objects_are_acknowledged_and_dropped(client: TestClient, runtime: Runtime) -> None:
    lead = OPEN.replace(b'xsi:type="sf:Opportunity"', b'xsi:type="sf:Lead"')
    response = post_salesforce(client, lead)
    assert response.status_code == 200 and acknowledged(response)
    assert nothing_stored(runtime)


def test_an_owner_without_the_email_field_is_stored_and_reported(client: TestClient, runtime: Runtime) -> None:
    post_salesforce(client, message(closed=True, won=True, owner_email=None))
    settle(runtime)
    assert closes(runtime) == [(OPPORTUNITY, "won", 1)]
    [notice] = jobs(runtime, ADMIN_NOTICES_QUEUE)
    assert notice.payload["owner_ref"] == "0055w00000BhqR0AAJ"
