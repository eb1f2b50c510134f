"""Every dashboard page's server time over `bench.big_dataset`: the part of `bench.dashboard` that
times pages rather than the scorecard alone.

Each page is requested through the real app (its routes, session cookie, templates and security
headers) in this process, over httpx's ASGI transport, so the time is what the server spends and
no socket or browser is counted. The viewer is a member of the dataset signed in for the run; the
insights page is timed cached (its cold build is `bench.insights`'s target, not a page's). Every
other page is timed twice: after a write (an answer about a deal won on `WRITTEN`, inside every
period the pages show, edited before each request, so the figures of the periods it is in are
computed again) and with the ledger unchanged since the last request.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial
from time import perf_counter

import httpx
from sqlmodel import Session

from bench.big_dataset import BigDataset
from bench.common import percentile, report
from bot.access.sessions import start_session
from bot.app import create_app
from bot.clock import ManualClock
from bot.runtime import Runtime
from bot.settings import Settings
from handlers.web.session import SESSION_COOKIE

TARGET_MS = 100.0
NOW = datetime(2026, 7, 15, 9, 0, tzinfo=UTC)
"""Inside the data's two years, so "this week" and the stepping links behave as on a live install."""
VIEWER_ID = 1
WRITTEN = date(2026, 6, 7)
"""The last day of 2026-W23: in the week, month and quarter the pages show, and the latest of a team page's periods."""

PAGES = (
    "/?period=2026-W23",
    "/?period=2026-06",
    "/?period=2026-Q2",
    "/teams/marketing?period=2026-W23",
    "/teams/marketing?period=2026-06",
    "/teams/marketing?period=2026-Q2",
    "/deals",
    "/deals?period=2026-Q2&stage=won&team=marketing",
    "/deals?period=2026-Q2&page=40",
    "/deals?page=2000",
    "/deals?owner=m5@example.com",
    "/deals?team=product",
    "/deals/crm:50000",
    "/insights?period=2026-Q2",
)


def measure_pages(dataset: BigDataset, runs: int) -> None:
    runtime = Runtime(
        settings=Settings(database_url=dataset.url, public_url="http://127.0.0.1:8000"),
        org=dataset.organisation,
        engine=dataset.engine,
        clock=ManualClock(NOW),
    )
    with Session(dataset.engine) as session:
        cookie = start_session(session, VIEWER_ID, NOW).session_id
        session.commit()
    asyncio.run(_measure(dataset, runtime, cookie, runs))


async def _measure(dataset: BigDataset, runtime: Runtime, cookie: str, runs: int) -> None:
    app = create_app(runtime, background=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://127.0.0.1:8000", cookies={SESSION_COOKIE: cookie}
    ) as client:
        for path in PAGES:
            cases = [("after a write", True), ("unchanged", False)]
            if path.startswith("/insights"):
                cases = [("unchanged", False)]
            for case, touched in cases:
                samples = await _times(client, path, runs, touch=partial(dataset.touch, WRITTEN) if touched else None)
                report(
                    f"{runtime.engine.dialect.name} page {path} ({case})",
                    f"median {statistics.median(samples):.1f} ms, p95 {percentile(samples, 95):.1f} ms",
                    f"p95 ≤ {TARGET_MS:.0f} ms",
                    percentile(samples, 95) <= TARGET_MS,
                )


async def _times(client: httpx.AsyncClient, path: str, runs: int, *, touch: Callable[[], None] | None) -> list[float]:
    """Milliseconds per request, after one request that warms the caches (and builds the insights);
    `touch` runs untimed before each request."""
    samples: list[float] = []
    for run in range(runs + 1):
        if touch is not None:
            touch()
        began = perf_counter()
        response = await client.get(path)
        elapsed = (perf_counter() - began) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code} {response.text[:300]}")
        if run:
            samples.append(elapsed)
    return samples
