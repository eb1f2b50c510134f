"""The core driven directly: a runtime over a real database, the in-memory ports, a manual clock.

No HTTP and no chat SDK: a deal is written through the ledger as the API would write it, the ask
loop and the score poster run their queues in the test's own task, and what "reached" people is
read from the in-memory platform.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, col, select

from bot.ledger.schemas import DealInput
from bot.rounds.loop import AskLoop
from bot.runtime import Runtime
from storage.db import run_transaction
from storage.models import Ask, Job, Member
from tests.core.memory_platform import MemoryPlatform, MemoryScorecardChannel
from tests.factories import deal_body, member, organisation_yaml

AINO = "U0AINO"
MIKKO = "U0MIKKO"
MEMBERS = [
    member("Aino", "sales", role="lead", slack_id=AINO),
    member("Mikko", "marketing", language="fi", slack_id=MIKKO),
    member("Olli", "product", role="observer"),
    member("Sanna", "hr", role="admin"),
]
TEAMS = ["sales", "marketing", "product", {"name": "hr", "label": "HR & training"}]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def org_yaml() -> str:
    return organisation_yaml(
        MEMBERS, TEAMS, timezone="Europe/Helsinki", language="en", currency="EUR", ask_hours="always"
    )


@pytest.fixture
def platform() -> MemoryPlatform:
    return MemoryPlatform()


@pytest.fixture
def channel() -> MemoryScorecardChannel:
    return MemoryScorecardChannel()


@pytest.fixture
def synced(runtime: Runtime) -> Runtime:
    runtime.sync_organisation()
    return runtime


@pytest.fixture
def loop(synced: Runtime, platform: MemoryPlatform) -> AskLoop:
    return AskLoop(synced, {platform.name: platform})


def write_deal(runtime: Runtime, external_id: str = "crm:1", **overrides: Any) -> None:
    """Write the deal through the ledger as `PUT /api/deals/{id}` does (one transaction, closes recorded)."""

    def work(session: Session) -> None:
        writer = runtime.deal_writer(session, source="api")
        writer.upsert(external_id, DealInput.model_validate(deal_body(**overrides)))
        writer.flush()

    run_transaction(runtime.engine, work)


def asks(runtime: Runtime) -> list[Ask]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(Ask).order_by(col(Ask.id))).all())


def ask_for(runtime: Runtime, email: str) -> Ask:
    """The one ask of the member with this email."""
    with Session(runtime.engine) as session:
        query = select(Ask).join(Member, col(Member.id) == col(Ask.member_id)).where(Member.email == email)
        return session.exec(query).one()


def jobs(runtime: Runtime, kind: str) -> list[Job]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(Job).where(Job.kind == kind).order_by(col(Job.id))).all())
