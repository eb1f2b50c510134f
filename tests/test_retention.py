"""`retention:` erases answers' free text past the period, nightly, on one replica, keeping every figure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bot.clock import ManualClock
from bot.durable.leases import try_acquire
from bot.organisation import OrganisationFileError, load_organisation
from bot.people.retention import JOB_ID, LEASE_NAME, Retention
from bot.retention_period import RetentionPeriod, parse_retention
from bot.runtime import Runtime
from storage.models import Answer, Erasure
from tests.conftest import ORG_YAML
from tests.factories import deal_body


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def org_yaml() -> str:
    return ORG_YAML + "min_group_size: 1\nretention: 24m\n"


def answer(client: TestClient, external_id: str, text: str) -> None:
    body = {
        "member": "mikko@example.com",
        "helping_team": "marketing",
        "impact": "strong",
        "text": text,
        "quotable": True,
    }
    assert client.post(f"/api/deals/{external_id}/answers", json=body).status_code == 201


def test_text_older_than_the_period_is_erased_and_the_figures_stay(client: TestClient, runtime: Runtime) -> None:
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    assert client.put("/api/deals/old", json=deal_body(closed_at="2026-11-24")).status_code == 201
    answer(client, "old", "Vanha vastaus 🕰️")
    clock.advance(timedelta(days=400))
    assert client.put("/api/deals/new", json=deal_body(name="New", closed_at="2027-12-28")).status_code == 201
    answer(client, "new", "Tuore vastaus")
    clock.advance(timedelta(days=365))  # the first answer is now 765 days (> 24 months) old, the second 365
    before = client.get("/api/scores", params={"week": "2026-W48"}).json()

    assert Retention(runtime).erase_expired_texts() == 1
    assert Retention(runtime).erase_expired_texts() == 0  # nothing left to erase: no second audit row

    after = client.get("/api/scores", params={"week": "2026-W48"}).json()
    assert {**after, "highlights": None} == {**before, "highlights": None}
    assert [h["text"] for h in after["highlights"]] == []
    texts = {a["text"] for a in client.get("/api/deals/old").json()["answers"]}
    assert texts == {""}
    assert [a["text"] for a in client.get("/api/deals/new").json()["answers"]] == ["Tuore vastaus"]
    with Session(runtime.engine) as session:
        audit = session.exec(select(Erasure)).all()
        assert [(e.kind, e.actor, e.rows) for e in audit] == [("retention", "schedule", 1)]
        assert session.exec(select(Answer.impact)).all() == ["strong", "strong"]


def test_only_the_lease_holder_erases(client: TestClient, runtime: Runtime) -> None:
    assert client.put("/api/deals/old", json=deal_body()).status_code == 201
    answer(client, "old", "Vanha")
    runtime.clock.advance(timedelta(days=800))  # type: ignore[attr-defined]
    assert try_acquire(runtime.engine, LEASE_NAME, "another-replica", runtime.now(), timedelta(minutes=10))
    assert Retention(runtime, holder="this-replica").erase_expired_texts() == 0
    assert [a["text"] for a in client.get("/api/deals/old").json()["answers"]] == ["Vanha"]


@pytest.mark.anyio
async def test_the_nightly_job_runs_in_the_organisations_zone(runtime: Runtime) -> None:
    scheduler = AsyncIOScheduler(timezone=runtime.org.zone)
    scheduler.start(paused=True)
    Retention(runtime).schedule(scheduler)
    Retention(runtime).schedule(scheduler)
    assert [job.id for job in scheduler.get_jobs()] == [JOB_ID]
    trigger = scheduler.get_job(JOB_ID).trigger
    assert trigger.get_next_fire_time(None, datetime(2026, 11, 25, 12, tzinfo=UTC)) == datetime(
        2026, 11, 26, 1, 30, tzinfo=UTC
    )  # 03:30 in Helsinki
    scheduler.shutdown(wait=False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("never", None),
        ("24m", RetentionPeriod(24, "m")),
        ("90d", RetentionPeriod(90, "d")),
        (" 6M ", RetentionPeriod(6, "m")),
    ],
)
def test_retention_values(value: str, expected: RetentionPeriod | None) -> None:
    assert parse_retention(value) == expected


def test_calendar_months_reach_the_last_day_that_exists() -> None:
    now = datetime(2026, 5, 31, 12, tzinfo=UTC)
    assert RetentionPeriod(1, "m").cutoff(now) == datetime(2026, 4, 30, 12, tzinfo=UTC)
    assert RetentionPeriod(24, "m").cutoff(now) == datetime(2024, 5, 31, 12, tzinfo=UTC)
    assert RetentionPeriod(3, "d").cutoff(now) == datetime(2026, 5, 28, 12, tzinfo=UTC)


@pytest.mark.parametrize("value", ["24", "2y", "0m", "forever", "-3m"])
def test_a_bad_retention_is_refused_at_start_naming_the_key(tmp_path: Path, value: str) -> None:
    path = tmp_path / "onescore.yaml"
    path.write_text(f"retention: {value!r}\n", encoding="utf-8")
    with pytest.raises(OrganisationFileError) as refused:
        load_organisation(path)
    assert "retention" in str(refused.value)


def test_never_is_the_default() -> None:
    assert load_organisation(Path("/nonexistent/onescore.yaml")).retention_period is None
