"""Admins hear, in a Slack DM, once and in their own language, that a CRM deal's owner is not a member."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.durable.jobs import enqueue
from bot.notices.store import ADMIN_NOTICES_QUEUE, CRM_OWNER_UNMATCHED
from bot.runtime import Runtime
from bot.settings import Settings
from storage.db import session_scope
from storage.models import JobStatus
from tests.conftest import API_TOKEN, ORG_YAML, START
from tests.crm.support import fixture_json, jobs, post_hubspot, post_pipedrive
from tests.fakes.crm_api import FakeCrm
from tests.fakes.slack_api import FakeSlack

WON_EVENT = fixture_json("hubspot_deal_closedwon_djhubspot.json")
PIPEDRIVE_WON = fixture_json("pipedrive_v2_deal_change_prismatic.json")
DEAL = str(WON_EVENT[0]["objectId"])
EARLIER = START - timedelta(minutes=10)
ADMIN_SLACK_ID = "U0EEVA"


@pytest.fixture
def org_yaml() -> str:
    return (
        ORG_YAML
        + f"  - {{email: eeva@example.com, name: Eeva, role: admin, slack_id: {ADMIN_SLACK_ID}}}\n"
        + "  - {email: gone@example.com, name: Gone, role: admin}\n"  # in no Slack workspace: skipped
    )


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        slack.add_user(ADMIN_SLACK_ID, "eeva@example.com", name="Eeva")
        slack.add_user("U0AINO", "aino@example.com", name="Aino")
        yield slack


@pytest.fixture
def settings(settings: Settings, fake_slack: FakeSlack) -> Settings:
    return settings.model_copy(
        update={
            "slack_bot_token": "xoxb-test-token",
            "slack_signing_secret": "test-signing-secret",
            "slack_api_url": fake_slack.api_url,
        }
    )


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    """The app with its workers driven by the test (`pump`), so every step is deterministic."""
    app = create_app(runtime, background=False)
    app.state.chat["slack"].platform.per_channel_interval = 0
    with TestClient(app, headers={"Authorization": f"Bearer {API_TOKEN}"}) as client:
        yield client


def pump(client: TestClient) -> None:
    """Process the CRM deliveries due now, then send the admin notices they queued."""
    state = client.app.state  # type: ignore[attr-defined]
    client.portal.call(state.crm_intake.worker.drain)  # type: ignore[union-attr]
    client.portal.call(state.admin_notices.drain)  # type: ignore[union-attr]


def dms(fake_slack: FakeSlack) -> list[dict[str, Any]]:
    return [call.args for call in fake_slack.calls("chat.postMessage")]


def hubspot_event(deal_id: str, event_id: int) -> dict[str, Any]:
    return {**WON_EVENT[0], "objectId": int(deal_id), "eventId": event_id}


def test_the_admin_gets_one_plain_dm_naming_the_unknown_owner_however_often_it_happens(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm, fake_slack: FakeSlack
) -> None:
    fake_crm.hubspot_deal(DEAL, stage="closedwon", modified=EARLIER, owner_id="102", name="Q4 <!channel> & co")
    assert post_hubspot(client, runtime, [hubspot_event(DEAL, 1)]).status_code == 200
    pump(client)
    [dm] = dms(fake_slack)
    assert dm["channel"] == ADMIN_SLACK_ID
    assert "stranger@example.com" in dm["text"] and "not a member" in dm["text"]
    assert "Q4 &lt;!channel&gt; &amp; co" in dm["text"] and dm["mrkdwn"] in (False, "false", "0")
    assert "blocks" not in dm

    fake_crm.hubspot_deal("44", stage="closedlost", modified=EARLIER, owner_id="102")
    post_hubspot(client, runtime, [hubspot_event(DEAL, 1)])  # the same delivery again
    post_hubspot(client, runtime, [hubspot_event("44", 2)])  # another deal of the same stranger
    pump(client)
    assert len(dms(fake_slack)) == 1
    sends = {job.payload["member_id"]: job for job in jobs(runtime, ADMIN_NOTICES_QUEUE) if job.kind == "notice.send"}
    assert [job.status for job in sends.values()] == [JobStatus.DONE.value] * 2
    assert sum("skipped" in (job.result or {}) for job in sends.values()) == 1  # gone@ is in no workspace


def test_a_rate_limited_notice_waits_as_long_as_slack_says(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm, fake_slack: FakeSlack
) -> None:
    fake_crm.pipedrive_users["555"] = {"email": "stranger@example.com"}
    fake_slack.fail("chat.postMessage", 429, retry_after=30)
    won = copy.deepcopy(PIPEDRIVE_WON)
    won["data"].update(status="won", owner_id=555, update_time="2024-09-28T10:00:00Z")
    won["previous"] = {"status": "open"}
    post_pipedrive(client, won)
    pump(client)
    assert dms(fake_slack) == []
    runtime.clock.advance(timedelta(seconds=29))  # type: ignore[attr-defined]
    pump(client)
    assert dms(fake_slack) == []
    runtime.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
    pump(client)
    [dm] = dms(fake_slack)
    assert dm["channel"] == ADMIN_SLACK_ID and "stranger@example.com" in dm["text"]


@pytest.mark.parametrize("org_yaml", [ORG_YAML])
def test_without_an_admin_the_notice_is_kept_for_later(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm, fake_slack: FakeSlack
) -> None:
    fake_crm.hubspot_deal(DEAL, stage="closedwon", modified=EARLIER, owner_id="102")
    post_hubspot(client, runtime, [hubspot_event(DEAL, 1)])
    pump(client)
    [notice] = jobs(runtime, ADMIN_NOTICES_QUEUE)
    assert notice.status == JobStatus.PENDING.value and "no admin" in (notice.last_error or "")
    assert dms(fake_slack) == []


FINNISH_ADMIN = (
    ORG_YAML + f"  - {{email: eeva@example.com, name: Eeva, role: admin, language: fi, slack_id: {ADMIN_SLACK_ID}}}\n"
)


@pytest.mark.parametrize("org_yaml", [FINNISH_ADMIN])
def test_an_admin_reads_the_notice_in_their_own_language(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm, fake_slack: FakeSlack
) -> None:
    fake_crm.hubspot_deal(DEAL, stage="closedwon", modified=EARLIER, owner_id="102", name="Äänekosken laajennus 🚀")
    post_hubspot(client, runtime, [hubspot_event(DEAL, 1)])
    pump(client)
    [dm] = dms(fake_slack)
    assert dm["text"].startswith("HubSpot-kaupan ”Äänekosken laajennus 🚀” omistaja stranger@example.com ei ole")


def test_a_notice_queued_as_text_by_an_earlier_version_is_still_delivered(
    client: TestClient, runtime: Runtime, fake_slack: FakeSlack
) -> None:
    with session_scope(runtime.engine) as session:
        enqueue(
            session,
            queue=ADMIN_NOTICES_QUEUE,
            kind=CRM_OWNER_UNMATCHED,
            payload={"text": "The HubSpot deal “Old” is owned by old@example.com, who is not a member."},
            now=runtime.now(),
        )
    pump(client)
    [dm] = dms(fake_slack)
    assert dm["text"].startswith("The HubSpot deal “Old” is owned by old@example.com")


def test_an_owner_the_crm_names_who_is_on_slack_becomes_a_member_and_no_admin_is_bothered(
    client: TestClient, runtime: Runtime, fake_crm: FakeCrm, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("U0STRANGER", "stranger@example.com", name="Stranger Ståhlberg")
    fake_crm.hubspot_deal(DEAL, stage="closedwon", modified=EARLIER, owner_id="102", name="Q4")
    assert post_hubspot(client, runtime, [hubspot_event(DEAL, 1)]).status_code == 200
    pump(client)
    assert not dms(fake_slack)
    deal = client.get(f"/api/deals/hubspot:{DEAL}").json()
    assert deal["owner"] == "stranger@example.com"
    listed = {m["email"]: m for m in client.get("/api/members").json()["members"]}
    assert listed["stranger@example.com"]["source"] == "platform"
    assert listed["stranger@example.com"]["name"] == "Stranger Ståhlberg"
