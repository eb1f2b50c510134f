"""Slack speed: acknowledgement latency, and 1,000 deals closing at once.

Runs the real service under uvicorn on 127.0.0.1 against the fake Slack Web API from the tests,
on SQLite in a temporary directory, and on PostgreSQL too when ONESCORE_TEST_POSTGRES_URL is set
(its schema `public` is dropped and recreated).

1. Acks: 50 concurrent clients send signed `/onescore help` commands and clicks on the Answer
   button of asks the bot really sent; reports p50/p95/p99 of the time to Slack's acknowledgement.
2. Burst: 1,000 deals are PUT as won at once; every ask must reach the fake Slack exactly once,
   while the fake allows one message per second per DM channel and answers 429 beyond.

    python bench/slack_ack.py [--clients 50] [--requests 20] [--deals 1000] [--members 100]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import API_TOKEN, bench_env, databases, percentile, report, reset_postgres, running_server  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402
from tests.fakes.slack_requests import command_body, payload_body, signed_headers  # noqa: E402

SECRET = "bench-signing-secret"


def organisation(members: int) -> str:
    lines = [
        "timezone: Europe/Helsinki",
        'ask_hours: "always"',
        "max_asks_per_week: 100",
        "teams: [{name: sales}, {name: marketing}]",
        "members:",
    ]
    for n in range(members):
        lines.append(f"  - {{email: s{n}@example.com, team: sales, slack_id: US{n:04d}}}")
        lines.append(f"  - {{email: m{n}@example.com, team: marketing, slack_id: UM{n:04d}}}")
    return "\n".join(lines) + "\n"


async def put_deals(base: str, count: int, members: int, clients: int) -> float:
    started = time.perf_counter()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            n = queue.get_nowait()
            body = {
                "name": f"Bench deal {n} – Äänekoski 🚀",
                "amount": 1000 + n,
                "stage": "won",
                "owner": f"s{n % members}@example.com",
                "participants": [{"member": f"m{n % members}@example.com"}],
            }
            response = await client.put(f"/api/deals/bench:{n}", json=body)
            response.raise_for_status()

    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(clients)))
    return time.perf_counter() - started


def wait_for_delivery(fake: FakeSlack, expected: int, timeout: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if len(fake.calls("chat.postMessage")) >= expected:
            break
        time.sleep(0.2)
    time.sleep(2)  # anything sent twice would show up now
    return time.perf_counter() - started


def ask_ids(fake: FakeSlack) -> list[str]:
    ids = []
    for call in fake.calls("chat.postMessage"):
        actions = next(b for b in call.args["blocks"] if b["type"] == "actions")
        ids.append(actions["elements"][0]["value"])
    return ids


async def measure_acks(
    base: str, fake: FakeSlack, clients: int, per_client: int, members: int, pause: float
) -> list[float]:
    sent = fake.calls("chat.postMessage")
    clicks = []
    for call in sent[: clients * 4]:
        actions = next(b for b in call.args["blocks"] if b["type"] == "actions")
        clicks.append((call.args["channel"], actions["elements"][0], call.response))
    latencies: list[float] = []

    async def client_loop(index: int, client: aiohttp.ClientSession) -> None:
        for k in range(per_client):
            if k % 2 == 0:
                user = f"US{(index * per_client + k) % members:04d}"
                body = command_body(user_id=user, text="help", command="/onescore", response_url=fake.response_url())
            else:
                user, element, where = clicks[(index * per_client + k) % len(clicks)]
                body = payload_body(
                    {
                        "type": "block_actions",
                        "user": {"id": user, "team_id": "T0FAKE"},
                        "team": {"id": "T0FAKE"},
                        "api_app_id": "A0APP",
                        "trigger_id": f"t.{index}.{k}",
                        "container": {
                            "type": "message",
                            "message_ts": where["ts"],
                            "channel_id": where["channel"],
                        },
                        "channel": {"id": where["channel"]},
                        "response_url": fake.response_url(),
                        "actions": [{**element, "block_id": "b", "action_ts": f"{time.time():.6f}"}],
                    }
                )
            started = time.perf_counter()
            async with client.post(
                f"{base}/slack/events", data=body.encode(), headers=signed_headers(SECRET, body)
            ) as response:
                await response.read()
                latencies.append(time.perf_counter() - started)
                response.raise_for_status()
            await asyncio.sleep(pause)

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as client:
        await asyncio.gather(*(client_loop(i, client) for i in range(clients)))
    return latencies


def run_one(database_url: str, workdir: Path, args: argparse.Namespace) -> dict[str, dict[str, float | int]]:
    """Both measurements against one database, with a fake Slack of their own."""
    with FakeSlack() as fake:
        env = bench_env(
            workdir,
            database_url,
            organisation=organisation(args.members),
            SLACK_BOT_TOKEN="xoxb-bench",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=fake.api_url,
        )
        for n in range(args.members):
            fake.add_user(f"US{n:04d}", f"s{n}@example.com", locale="fi-FI")
            fake.add_user(f"UM{n:04d}", f"m{n}@example.com")
        fake.rate_limit_channels(1.0)
        with running_server(env) as server:
            put_seconds = asyncio.run(put_deals(server.url, args.deals, args.members, args.clients))
            delivery_seconds = wait_for_delivery(fake, args.deals * 2, timeout=900)
            ids = ask_ids(fake)
            refused = len(fake.calls("chat.postMessage", ok_only=False)) - len(ids)
            fake.rate_limit_channels(None)
            gc.collect()
            gc.freeze()  # the measuring process must not pause over the fake's records of the burst
            latencies = asyncio.run(
                measure_acks(server.url, fake, args.clients, args.requests, args.members, args.pause)
            )
    return {
        "burst": {
            "deals": args.deals,
            "asks_expected": args.deals * 2,
            "asks_delivered": len(set(ids)),
            "delivered_twice": sum(1 for n in Counter(ids).values() if n > 1),
            "answered_429": refused,
            "put_seconds": round(put_seconds, 1),
            "all_delivered_seconds_after_puts": round(delivery_seconds - 2, 1),
        },
        "acks": {
            "clients": args.clients,
            "pause_between_requests_s": args.pause,
            "requests": len(latencies),
            "p50_ms": round(statistics.median(latencies) * 1000, 1),
            "p95_ms": round(percentile(latencies, 95) * 1000, 1),
            "p99_ms": round(percentile(latencies, 99) * 1000, 1),
            "max_ms": round(max(latencies) * 1000, 1),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="requests per client")
    parser.add_argument("--deals", type=int, default=1000)
    parser.add_argument("--members", type=int, default=100, help="members per team (sales, marketing)")
    parser.add_argument(
        "--pause",
        type=float,
        default=0.0,
        help="seconds each client waits between requests (0: back to back)",
    )
    args = parser.parse_args(argv)

    results, ok = {}, True
    with tempfile.TemporaryDirectory() as tmp:
        for label, database_url in databases(Path(tmp)):
            if label == "postgresql":
                reset_postgres(database_url)
            result = results[label] = run_one(database_url, Path(tmp), args)
            burst, acks = result["burst"], result["acks"]
            whole = burst["asks_delivered"] == burst["asks_expected"] and not burst["delivered_twice"]
            report(
                f"{args.deals:,} deals closing at once on {label}",
                f"{burst['asks_delivered']:,} of {burst['asks_expected']:,} asks delivered, "
                f"{burst['delivered_twice']} twice, {burst['answered_429']} answered 429 and retried",
                "every ask once",
                whole,
            )
            report(
                f"ack of signed commands and clicks, {args.clients} clients on {label}",
                f"p50 {acks['p50_ms']} ms, p99 {acks['p99_ms']} ms, max {acks['max_ms']} ms",
                "p99 ≤ 100 ms",
                acks["p99_ms"] <= 100,
            )
            ok = ok and whole and acks["p99_ms"] <= 100
    print(json.dumps(results, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
