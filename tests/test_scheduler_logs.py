"""The scheduler's log says what happened (a job failed, a run was missed), not that a tick ran."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.cli import configure_logging
from bot.durable.scheduler import build_scheduler


@pytest.fixture
def quiet_scheduler_logs() -> Iterator[None]:
    names = ("apscheduler.executors.default", "apscheduler.scheduler", "apscheduler.executors", "apscheduler")
    levels = {name: logging.getLogger(name).level for name in names}
    configure_logging("INFO")
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_scheduler_ticks_are_not_logged_but_failures_and_misfires_are(
    quiet_scheduler_logs: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    ticks: list[int] = []

    def tick() -> None:
        ticks.append(1)

    def broken() -> None:
        raise RuntimeError("the job broke")

    async def scenario() -> None:
        scheduler = build_scheduler(ZoneInfo("UTC"))
        scheduler.add_job(tick, "interval", seconds=0.05, id="tick")
        scheduler.add_job(broken, "date", run_date=datetime.now(UTC) + timedelta(seconds=0.1), id="broken")
        scheduler.add_job(
            tick, "date", run_date=datetime.now(UTC) - timedelta(hours=1), id="late", misfire_grace_time=1
        )
        scheduler.start()
        await asyncio.sleep(0.5)
        scheduler.shutdown(wait=False)

    asyncio.run(scenario())
    assert len(ticks) >= 3
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("apscheduler")]
    assert not [m for m in messages if "executed successfully" in m or m.startswith("Running job")], messages
    assert any("raised an exception" in m for m in messages), messages
    assert any("was missed by" in m for m in messages), messages
