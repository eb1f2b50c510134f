"""Issue "The outcome scorecard": `/scores` over a database of 100,000 deals and 500,000 answers.

    python -m bench.scores_command [--deals 100000] [--runs 20]

Seeds the database as `bench.scoring` does, starts `onescore serve` with Slack pointed at the fake
Slack Web API, and sends signed `/scores` slash commands: the acknowledgement is the HTTP answer
to the command (Slack's limit is 3 s), the full card is the ephemeral reply arriving at the
command's response URL.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bench.common import bench_env, databases, percentile, report, reset_postgres, running_server
from bench.scoring import TEAMS, seed
from bot.organisation import parse_organisation
from bot.periods import Period
from bot.scoring.chart import render_chart
from bot.scoring.history import weekly_history
from storage.db import make_engine
from storage.migrate import upgrade
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import command_body, signed_headers

SIGNING_SECRET = "bench-signing-secret"
QUERIES = ("", "last", "2026-W09", "team marketing")
CHART_WEEK = Period.parse("2026-W10")


def advance_sequences(engine: Engine) -> None:
    """The seed writes explicit ids; PostgreSQL's sequences must move past them before the service
    inserts rows of its own (the organisation's members at start-up)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        for table in ("teams", "members", "deals", "answers", "asks"):
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
            )


def chart_timing(engine: Engine) -> float:
    """Worst of three: twelve weeks of history from the database, drawn as the weekly post's PNG."""
    org = parse_organisation({"teams": [{"name": name} for name in TEAMS], "min_group_size": 1}, "bench")
    timings = []
    with Session(engine) as session:
        for _ in range(3):
            began = time.perf_counter()
            render_chart(weekly_history(session, org, CHART_WEEK), org, "en")
            timings.append(time.perf_counter() - began)
    return max(timings)


def _wait_for_reply(fake: FakeSlack, name: str, deadline: float) -> float | None:
    while time.perf_counter() < deadline:
        if any(call.method == f"response_url:{name}" for call in fake.calls()):
            return time.perf_counter()
        time.sleep(0.002)
    return None


def measure(url: str, fake: FakeSlack, runs: int) -> tuple[list[float], list[float]]:
    acks, cards = [], []
    ids = itertools.count(1)
    with httpx.Client(timeout=30) as client:
        for run in range(runs):
            name = f"bench{next(ids)}"
            body = command_body(
                user_id="U0BENCH",
                text=QUERIES[run % len(QUERIES)],
                command="/scores",
                response_url=fake.response_url(name),
            )
            began = time.perf_counter()
            response = client.post(f"{url}/slack/events", content=body, headers=signed_headers(SIGNING_SECRET, body))
            acked = time.perf_counter()
            response.raise_for_status()
            replied = _wait_for_reply(fake, name, began + 30)
            if replied is None:
                raise RuntimeError("no scorecard arrived within 30 s")
            acks.append(acked - began)
            cards.append(replied - began)
    return acks, cards


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as fake:
        for label, database_url in databases(Path(tmp)):
            if label == "postgresql":
                reset_postgres(database_url)
            engine = make_engine(database_url)
            upgrade(engine)
            seed(engine, args.deals)
            advance_sequences(engine)
            chart_seconds = chart_timing(engine)
            engine.dispose()
            env = bench_env(
                Path(tmp),
                database_url,
                SLACK_BOT_TOKEN="xoxb-bench",
                SLACK_SIGNING_SECRET=SIGNING_SECRET,
                SLACK_API_URL=fake.api_url,
            )
            with running_server(env) as server:
                measure(server.url, fake, 2)  # warm-up: imports, caches, the first connection
                acks, cards = measure(server.url, fake, args.runs)
            where = f"over {args.deals:,} deals on {label}"
            report(
                f"weekly post's 12-week chart {where}",
                f"worst of 3: {chart_seconds * 1000:.0f} ms",
                "≤ 5 s",
                chart_seconds <= 5,
            )
            report(
                f"/scores acknowledged {where}",
                f"p50 {percentile(acks, 50) * 1000:.0f} ms, worst {max(acks) * 1000:.0f} ms",
                "≤ 3 s",
                max(acks) <= 3,
            )
            report(
                f"/scores full card delivered {where}",
                f"p50 {percentile(cards, 50) * 1000:.0f} ms, worst {max(cards) * 1000:.0f} ms",
                "≤ 5 s",
                max(cards) <= 5,
            )


if __name__ == "__main__":
    main()
