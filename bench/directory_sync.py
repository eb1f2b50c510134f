"""Directory sync speed: a 5,000-person Slack workspace, and acknowledgements while it runs.

Runs the real service under uvicorn on 127.0.0.1 against the fake Slack Web API from the tests
(`users.list` paged at 200), on SQLite in a temporary directory, and on PostgreSQL too when
ONESCORE_TEST_POSTGRES_URL is set (its schema `public` is dropped and recreated).

The workspace has PEOPLE people in two user groups mapped to two teams, 2 % of them deleted and
a few bots. The service's own start-up sync is held at its first Slack call until the service
answers; then it is let go, and while it runs, CLIENTS clients send signed `/onescore help`
commands back to back. Reported: the sync's duration (until every person is in the database), the
service's extra memory during it (peak RSS over RSS before it), and the acknowledgements' latency
during the sync beside the same clients' latency for a few seconds before it (the machine's floor).

    python bench/directory_sync.py [--people 5000] [--clients 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import aiohttp
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import bench_env, databases, percentile, report, reset_postgres, rss_mb, running_server  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.models import Member  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402
from tests.fakes.slack_requests import command_body, signed_headers  # noqa: E402

SECRET = "bench-signing-secret"
ASKERS = 20
ORGANISATION = (
    "timezone: Europe/Helsinki\n"
    "teams:\n"
    "  - {name: sales, slack_usergroup: S0SALES01}\n"
    "  - {name: marketing, slack_usergroup: '@marketing'}\n"
    "members:\n"
    + "".join(f"  - {{email: a{n}@example.com, team: sales, slack_id: UA{n:04d}}}\n" for n in range(ASKERS))
)


def workspace(fake: FakeSlack, people: int) -> int:
    """`people` Slack users in two groups; returns how many of them should become members."""
    for n in range(ASKERS):
        fake.add_user(f"UA{n:04d}", f"a{n}@example.com", name=f"Asker {n}")
    sales, marketing, expected = [], [], 0
    for n in range(people):
        user_id = f"U{n:07d}"
        deleted, bot = n % 50 == 7, n % 500 == 3
        fake.add_user(user_id, f"person{n}@example.com", name=f"Henkilö {n} – Äänekoski", deleted=deleted, is_bot=bot)
        (sales if n % 2 else marketing).append(user_id)
        expected += not (deleted or bot)
    fake.add_usergroup("S0SALES01", "sales", sales)
    fake.add_usergroup("S0MKTG001", "marketing", marketing)
    return expected


def synced_members(engine: Engine) -> int:
    with Session(engine) as session:
        query = select(func.count()).select_from(Member).where(col(Member.source) == "platform")
        return int(session.exec(query).one())


async def acknowledgements(base: str, fake: FakeSlack, clients: int, done: threading.Event) -> list[float]:
    """Signed `/onescore help` from `clients` clients, back to back, until the sync is done."""
    latencies: list[float] = []

    async def client_loop(index: int, session: aiohttp.ClientSession) -> None:
        k = 0
        while not done.is_set():
            user = f"UA{(index + k) % ASKERS:04d}"
            body = command_body(user_id=user, text="help", command="/onescore", response_url=fake.response_url())
            started = time.perf_counter()
            async with session.post(
                f"{base}/slack/events", data=body.encode(), headers=signed_headers(SECRET, body)
            ) as response:
                await response.read()
                latencies.append(time.perf_counter() - started)
                response.raise_for_status()
            k += 1

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
        await asyncio.gather(*(client_loop(i, session) for i in range(clients)))
    return latencies


def run_one(database_url: str, workdir: Path, args: argparse.Namespace) -> dict[str, float | int]:
    with FakeSlack() as fake:
        expected = workspace(fake, args.people)
        gate = fake.hold("usergroups.list")
        env = bench_env(
            workdir,
            database_url,
            organisation=ORGANISATION,
            SLACK_BOT_TOKEN="xoxb-bench",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=fake.api_url,
        )
        with running_server(env) as server:
            pid = server.process.pid
            time.sleep(1)
            before = rss_mb(pid)
            peak = before
            done = threading.Event()
            finished: list[float] = []

            engine = make_engine(database_url)

            def watch(started: float) -> None:
                """Peak memory every 0.1 s; the database, every 0.5 s (a lighter touch on the measuring process)."""
                nonlocal peak
                polls = 0
                while time.perf_counter() - started < args.timeout:
                    peak = max(peak, rss_mb(pid))
                    polls += 1
                    if polls % 5 == 0 and synced_members(engine) >= expected:
                        finished.append(time.perf_counter() - started)
                        break
                    time.sleep(0.1)
                done.set()

            quiet = threading.Event()
            threading.Timer(args.baseline, quiet.set).start()
            baseline = asyncio.run(acknowledgements(server.url, fake, args.clients, quiet))
            started = time.perf_counter()
            gate.set()
            watcher = threading.Thread(target=watch, args=(started,))
            watcher.start()
            latencies = asyncio.run(acknowledgements(server.url, fake, args.clients, done))
            watcher.join()
            engine.dispose()
            pages = len(fake.calls("users.list"))
    return {
        "people": args.people,
        "members_expected": expected,
        "synced": bool(finished),
        "sync_seconds": round(finished[0], 1) if finished else -1,
        "users_list_pages": pages,
        "rss_before_mb": round(before, 1),
        "rss_extra_mb": round(peak - before, 1),
        "baseline_acks": len(baseline),
        "baseline_ack_p50_ms": round(statistics.median(baseline) * 1000, 1),
        "baseline_ack_p99_ms": round(percentile(baseline, 99) * 1000, 1),
        "acks": len(latencies),
        "ack_p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else -1,
        "ack_p99_ms": round(percentile(latencies, 99) * 1000, 1) if latencies else -1,
        "ack_max_ms": round(max(latencies) * 1000, 1) if latencies else -1,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for the sync")
    parser.add_argument("--baseline", type=float, default=5, help="seconds of acks measured before the sync")
    args = parser.parse_args(argv)

    results, ok = {}, True
    with tempfile.TemporaryDirectory() as tmp:
        for label, database_url in databases(Path(tmp)):
            if label == "postgresql":
                reset_postgres(database_url)
            result = results[label] = run_one(database_url, Path(tmp), args)
            fast = result["synced"] and result["sync_seconds"] <= 30
            lean = result["rss_extra_mb"] <= 100
            prompt = 0 <= result["ack_p99_ms"] <= 100
            report(
                f"sync of a {args.people:,}-person workspace on {label}",
                f"{result['sync_seconds']} s, {result['users_list_pages']} pages of users.list",
                "≤ 30 s",
                bool(fast),
            )
            report(f"extra memory during the sync on {label}", f"{result['rss_extra_mb']} MB", "≤ 100 MB", lean)
            report(
                f"acks of signed commands during the sync on {label} ({args.clients} clients)",
                f"p50 {result['ack_p50_ms']} ms, p99 {result['ack_p99_ms']} ms, max {result['ack_max_ms']} ms "
                f"over {result['acks']} requests (before the sync: p50 {result['baseline_ack_p50_ms']} ms, "
                f"p99 {result['baseline_ack_p99_ms']} ms)",
                "p99 ≤ 100 ms",
                prompt,
            )
            ok = ok and bool(fast) and lean and prompt
    print(json.dumps(results, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
