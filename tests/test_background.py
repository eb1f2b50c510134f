"""AfterAck: the work after an acknowledgement runs bounded, urgent first, and is never silently lost."""

from __future__ import annotations

import asyncio
import logging

import pytest

from handlers.slack.after_ack import AfterAck


async def _job(log: list[str], name: str, gate: asyncio.Event | None = None) -> None:
    log.append(f"start {name}")
    if gate is not None:
        await gate.wait()
    log.append(f"end {name}")


def test_at_most_limit_jobs_run_at_once_and_the_rest_follow_in_order() -> None:
    async def scenario() -> list[str]:
        later, log, gate = AfterAck(limit=2), [], asyncio.Event()
        for name in "abcd":
            later.run(_job(log, name, gate), name=name)
        await asyncio.sleep(0.01)
        assert log == ["start a", "start b"]
        assert later.pending == 4
        gate.set()
        await later.drain()
        assert later.pending == 0
        return log

    log = asyncio.run(scenario())
    assert [entry for entry in log if entry.startswith("start")] == ["start a", "start b", "start c", "start d"]


def test_urgent_jobs_have_slots_of_their_own_and_go_before_waiting_ones() -> None:
    async def scenario() -> list[str]:
        later, log, stuck, free = AfterAck(limit=1), [], asyncio.Event(), asyncio.Event()
        later.run(_job(log, "reply", stuck), name="reply")
        later.run(_job(log, "waiting reply"), name="waiting reply")
        later.run(_job(log, "form"), name="form", urgent=True)
        await asyncio.sleep(0.01)
        assert log == ["start reply", "start form", "end form"]
        stuck.set()
        free.set()
        await later.drain()
        return log

    assert asyncio.run(scenario())[-2:] == ["start waiting reply", "end waiting reply"]


def test_a_failing_job_is_logged_and_the_others_still_run(caplog: pytest.LogCaptureFixture) -> None:
    async def broken() -> None:
        raise RuntimeError("Slack said no")

    async def scenario() -> list[str]:
        later, log = AfterAck(limit=1), []
        later.run(broken(), name="App Home for U1")
        later.run(_job(log, "next"), name="next")
        await later.drain()
        return log

    with caplog.at_level(logging.ERROR, logger="handlers.slack.after_ack"):
        assert asyncio.run(scenario()) == ["start next", "end next"]
    assert "App Home for U1 failed after it was acknowledged" in caplog.text
    assert "Slack said no" in caplog.text


def test_draining_with_a_timeout_drops_waiting_jobs_cleanly(caplog: pytest.LogCaptureFixture) -> None:
    log: list[str] = []
    never = _job(log, "never")

    async def scenario() -> None:
        later = AfterAck(limit=1)
        later.run(_job(log, "stuck", asyncio.Event()), name="stuck")
        later.run(never, name="never")
        await later.drain(timeout=0.05)

    with caplog.at_level(logging.WARNING, logger="handlers.slack.after_ack"):
        asyncio.run(scenario())
    assert log == ["start stuck"]
    assert never.cr_frame is None  # closed, so no "coroutine was never awaited" at exit
    assert "2 jobs after acknowledgement unfinished at shutdown" in caplog.text
