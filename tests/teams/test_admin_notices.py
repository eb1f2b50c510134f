"""An admin notice reaches a Teams admin as plain text in their 1:1 chat with the bot."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from bot.notices.store import CRM_OWNER_UNMATCHED, notify_admins
from tests.fakes.bot_connector import FakeBotConnector, TeamsPerson
from tests.teams.conftest import ORG_YAML, TeamsDriver, personal_chat

EEVA = TeamsPerson("29:eeva", "Eeva", "aad-eeva", "eeva@example.com")
OWNER = {"crm": "HubSpot", "deal": "*Acme*", "owner": "stranger@example.com"}
TEXT = (
    "The HubSpot deal “*Acme*” is owned by stranger@example.com, who is not a member: "
    "add them to the organisation file so their deals count for their team."
)


@pytest.fixture
def org_yaml() -> str:
    return ORG_YAML.replace(
        "score_channels:", '  - {email: eeva@example.com, role: admin, teams_id: "29:eeva"}\nscore_channels:'
    )


@pytest.fixture
def fake(fake: FakeBotConnector) -> FakeBotConnector:
    fake.add_person(EEVA)
    return fake


def test_the_admin_reads_the_notice_once_as_plain_text(teams: TeamsDriver) -> None:
    teams.install(EEVA)
    for _ in range(2):
        with Session(teams.runtime.engine) as session:
            notify_admins(
                session,
                kind=CRM_OWNER_UNMATCHED,
                key="hubspot:x",
                message="notice.crm_owner_not_member",
                values=OWNER,
                details={},
                now=teams.clock.now(),
            )
            session.commit()
        teams.client.portal.call(teams.client.app.state.admin_notices.drain)  # type: ignore[union-attr]
    notices = [m for m in teams.replies(personal_chat(EEVA)) if m.get("text") == TEXT]
    assert len(notices) == 1
    assert notices[0]["textFormat"] == "plain" and not notices[0].get("attachments")
