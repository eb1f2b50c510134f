"""Slack speed: acknowledgement latency, and 1,000 deals closing at once.

Runs the real service under uvicorn on 127.0.0.1 against the fake Slack Web API from the tests,
with SQLite in a temporary directory (or DATABASE_URL when set).

1. Acks: 50 concurrent clients send signed `/onescore help` commands and clicks on the Answer
   button of asks the bot really sent; reports p50/p95/p99 of the time to Slack's acknowledgement.
2. Burst: 1,000 deals are PUT as won at once; every ask must reach the fake Slack exactly once,
   while the fake allows one message per second per DM channel and answers 429 beyond.

    python bench/slack_ack.py [--clients 50] [--requests 20] [--deals 1000] [--members 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.slack_api import FakeSlack  # noqa: E402
from tests.fakes.slack_requests import command_body, payload_body, signed_headers  # noqa: E402

SECRET = "bench-signing-secret"
TOKEN = "bench-api-token"


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Service:
    """`onescore serve` in its own process, as in production (the fake Slack and the clients live here)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.env = {**os.environ, **env, "ONESCORE_LOG_LEVEL": "WARNING"}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Service:
        command = [sys.executable, "-m", "bot.cli", "serve", "--port", str(self.port)]
        self.process = subprocess.Popen(command, env=self.env, cwd=ROOT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("the service did not start")

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(30)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


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

    headers = {"Authorization": f"Bearer {TOKEN}"}
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


def main() -> int:
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
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir, FakeSlack() as fake:
        config = Path(workdir) / "onescore.yaml"
        config.write_text(organisation(args.members), encoding="utf-8")
        env = {
            "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{workdir}/bench.db"),
            "ONESCORE_CONFIG": str(config),
            "ONESCORE_API_TOKEN": TOKEN,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url,
            "PYTHONPATH": str(ROOT),
        }
        for n in range(args.members):
            fake.add_user(f"US{n:04d}", f"s{n}@example.com", locale="fi-FI")
            fake.add_user(f"UM{n:04d}", f"m{n}@example.com")
        fake.rate_limit_channels(1.0)
        with Service(env) as service:
            put_seconds = asyncio.run(put_deals(service.url, args.deals, args.members, args.clients))
            expected = args.deals * 2
            delivery_seconds = wait_for_delivery(fake, expected, timeout=900)
            ids = ask_ids(fake)
            doubled = [ask for ask, n in Counter(ids).items() if n > 1]
            refused = len(fake.calls("chat.postMessage", ok_only=False)) - len(ids)
            fake.rate_limit_channels(None)
            latencies = asyncio.run(
                measure_acks(service.url, fake, args.clients, args.requests, args.members, args.pause)
            )

        report = {
            "burst": {
                "deals": args.deals,
                "asks_expected": expected,
                "asks_delivered": len(set(ids)),
                "delivered_twice": len(doubled),
                "answered_429": refused,
                "put_seconds": round(put_seconds, 1),
                "all_delivered_seconds_after_puts": round(delivery_seconds - 2, 1),
            },
            "acks": {
                "clients": args.clients,
                "pause_between_requests_s": args.pause,
                "requests": len(latencies),
                "p50_ms": round(statistics.median(latencies) * 1000, 1),
                "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
                "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
                "max_ms": round(max(latencies) * 1000, 1),
            },
        }
    print(json.dumps(report, indent=2))
    ok = report["burst"]["asks_delivered"] == expected and not doubled and report["acks"]["p99_ms"] <= 100
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
