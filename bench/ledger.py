"""Issue "The service, its storage and the deal ledger": import, PUT latency, idle memory.

python -m bench.ledger [--rows 100000] [--requests 4000]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import (
    API_TOKEN,
    bench_env,
    databases,
    percentile,
    report,
    reset_postgres,
    rss_mb,
    running_server,
)
from bot.ledger.csv_import import COLUMNS

STAGES = ("open", "won", "lost")


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for i in range(rows):
            stage = STAGES[i % 3]
            writer.writerow(
                [
                    f"bench:{i}",
                    f"Kauppa {i} – Öljy ja äänet 🎉",
                    f"Asiakas {i % 997} Oy",
                    f"{(i * 37) % 100000}.{i % 100:02d}",
                    "EUR" if i % 5 else "USD",
                    stage,
                    "owner@example.com" if i % 2 else "",
                    f"2026-{1 + i % 9:02d}-{1 + i % 28:02d}",
                    f"2026-11-{1 + i % 26:02d}" if stage != "open" else "",
                ]
            )


def bench_import(rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        csv_path = workdir / "deals.csv"
        write_csv(csv_path, rows)
        for label, url in databases(workdir):
            if label == "postgresql":
                reset_postgres(url)
            env = bench_env(workdir, url)
            subprocess.run([sys.executable, "-m", "bot.cli", "migrate"], env=env, check=True, capture_output=True)
            started = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-m", "bot.cli", "import-deals", str(csv_path)],
                env=env,
                capture_output=True,
                text=True,
            )
            elapsed = time.perf_counter() - started
            summary = result.stdout.strip().splitlines()[0] if result.stdout else result.stderr[-300:]
            report(
                f"import-deals {rows:,} rows on {label}",
                f"{elapsed:.1f} s ({summary})",
                "≤ 30 s",
                elapsed <= 30,
            )


async def _put_load(url: str, requests: int, clients: int, rate: float | None = None) -> list[float]:
    """`clients` concurrent clients; with `rate`, each paces itself so all together offer `rate` req/s
    (an open-loop load like a CRM sync), otherwise each sends its next request as soon as the last
    one returned (closed loop: the figures then measure saturation)."""
    latencies: list[float] = []
    counter = iter(range(requests))
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    interval = clients / rate if rate else 0.0

    async def client_loop(client: httpx.AsyncClient, phase: float) -> None:
        await asyncio.sleep(phase)  # independent clients are not in lockstep
        next_at = time.perf_counter()
        for i in counter:
            next_at += interval

            body = {
                "name": f"Deal {i} – äö 🎯",
                "amount": i,
                "stage": "won" if i % 4 == 0 else "open",
                "owner": "owner@example.com",
                "participants": [{"member": "helper@example.com"}],
            }
            started = time.perf_counter()
            response = await client.put(f"{url}/api/deals/put:{i % (requests // 2)}", json=body, headers=headers)
            latencies.append(time.perf_counter() - started)
            response.raise_for_status()
            if interval:
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        await asyncio.gather(*(client_loop(client, k * interval / clients) for k in range(clients)))
    return latencies


def bench_put_and_memory(requests: int, clients: int, rate: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env = bench_env(workdir, f"sqlite:///{workdir / 'put.db'}")
        with running_server(env) as server:
            time.sleep(3)
            idle = rss_mb(server.process.pid)
            report("onescore serve idle resident memory", f"{idle:.0f} MB", "≤ 150 MB", idle <= 150)
            asyncio.run(_put_load(server.url, 200, clients))
            paced = asyncio.run(_put_load(server.url, requests, clients, rate))
            started = time.perf_counter()
            saturated = asyncio.run(_put_load(server.url, requests, clients))
            throughput = requests / (time.perf_counter() - started)
        median, p99 = percentile(paced, 50) * 1000, percentile(paced, 99) * 1000
        report(
            f"PUT /api/deals/{{id}} on sqlite, {clients} concurrent clients offering {rate:.0f} req/s",
            f"median {median:.1f} ms, p99 {p99:.1f} ms",
            "median ≤ 10 ms, p99 ≤ 50 ms",
            median <= 10 and p99 <= 50,
        )
        print(
            f"INFO  saturation, {clients} clients back to back: {throughput:.0f} req/s, "
            f"median {percentile(saturated, 50) * 1000:.1f} ms, p99 {percentile(saturated, 99) * 1000:.1f} ms",
            flush=True,
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second offered by all clients")
    args = parser.parse_args(argv)
    if not args.skip_import:
        bench_import(args.rows)
    bench_put_and_memory(args.requests, args.clients, args.rate)


if __name__ == "__main__":
    main()
