"""Issue "Deals arrive from the CRM": webhook acknowledgement time and end-to-end throughput.

A live `onescore serve` and the fake HubSpot/Pipedrive API (tests/fakes/crm_api.py), each its own
process on 127.0.0.1. Every event names a deal the service has not seen, so each one costs a
signature check, a queue insert, an API read-back, a deal insert and a close — the worst case.

python -m bench.crm_webhooks [--events 10000] [--batch 100]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import tempfile
import time
from contextlib import AbstractContextManager
from pathlib import Path

import aiohttp
from sqlalchemy import text

from bench.common import (
    Server,
    bench_env,
    databases,
    percentile,
    report,
    reset_postgres,
    running_process,
    running_server,
)
from handlers.crm.hubspot import signature_v3
from storage.db import make_engine
from tests.fakes.crm_api import HUBSPOT_TOKEN, PIPEDRIVE_TOKEN

HUBSPOT_SECRET = "bench-hubspot-secret"
PIPEDRIVE_AUTH = ("bench", "bench-password")
_deal_ids = itertools.count(10_000_000)


def fake_crm_api() -> AbstractContextManager[Server]:
    return running_process(
        ["-m", "tests.fakes.crm_api", "--synthesize"],
        "/crm/v3/pipelines/deals",
        name="the fake CRM API",
        headers={"Authorization": f"Bearer {HUBSPOT_TOKEN}"},
    )


def hubspot_batch(size: int) -> bytes:
    now_ms = int(time.time() * 1000)
    events = []
    for _ in range(size):
        deal_id = next(_deal_ids)
        events.append(
            {
                "objectId": deal_id,
                "propertyName": "dealstage",
                "propertyValue": "closedwon",
                "changeSource": "CRM_UI",
                "eventId": deal_id,
                "subscriptionId": 1,
                "portalId": 62515,
                "appId": 54321,
                "occurredAt": now_ms,
                "subscriptionType": "deal.propertyChange",
                "attemptNumber": 0,
            }
        )
    return json.dumps(events).encode()


def pipedrive_delivery() -> bytes:
    deal_id = next(_deal_ids)
    meta = {"action": "change", "entity": "deal", "version": "2.0", "entity_id": deal_id, "attempt": 1}
    data = {
        "id": deal_id,
        "title": f"Deal {deal_id}",
        "value": deal_id % 9000,
        "currency": "EUR",
        "status": "won" if deal_id % 5 else "lost",
        "owner_id": 100 + deal_id % 10,
        "add_time": "2026-10-01T08:00:00Z",
        "update_time": "2026-11-24T10:00:00Z",
        "won_time": "2026-11-24T10:00:00Z",
    }
    return json.dumps({"meta": meta, "data": data, "previous": {"status": "open"}}).encode()


class Sender:
    """Signs and posts deliveries to one CRM endpoint of the live service.

    aiohttp, because the sender shares this machine's CPU with the service under test, and httpx
    costs several times more CPU per request.
    """

    def __init__(self, client: aiohttp.ClientSession, base_url: str, crm: str) -> None:
        self.client = client
        self.url = f"{base_url}/webhooks/{crm}"
        self.crm = crm

    async def post(self, body: bytes) -> float:
        if self.crm == "hubspot":
            timestamp = str(int(time.time() * 1000))
            headers = {
                "Content-Type": "application/json",
                "X-HubSpot-Signature-v3": signature_v3(HUBSPOT_SECRET, "POST", self.url, body, timestamp),
                "X-HubSpot-Request-Timestamp": timestamp,
            }
        else:
            token = base64.b64encode(":".join(PIPEDRIVE_AUTH).encode()).decode()
            headers = {"Content-Type": "application/json", "Authorization": f"Basic {token}"}
        started = time.perf_counter()
        async with self.client.post(self.url, data=body, headers=headers) as response:
            await response.read()
            elapsed = time.perf_counter() - started
            response.raise_for_status()
        return elapsed


def processed(database_url: str) -> tuple[int, int]:
    """(done, dead) CRM jobs, read straight from the service's database."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT status, count(*) FROM jobs WHERE queue = 'crm' GROUP BY status")
            ).all()
    finally:
        engine.dispose()
    counts = {status: count for status, count in rows}
    return counts.get("done", 0), counts.get("dead", 0)


async def wait_until_processed(database_url: str, total: int, timeout: float = 600) -> tuple[int, int]:
    deadline = time.monotonic() + timeout
    while True:
        done, dead = await asyncio.to_thread(processed, database_url)
        if done + dead >= total or time.monotonic() > deadline:
            return done, dead
        await asyncio.sleep(0.05)


async def measure_acks(sender: Sender, database_url: str, batches: int, batch: int) -> list[float]:
    """Each batch on a quiet service: sent, timed, then processed before the next one."""
    latencies = []
    already = (await asyncio.to_thread(processed, database_url))[0]
    for n in range(1, batches + 1):
        latencies.append(await sender.post(hubspot_batch(batch)))
        await wait_until_processed(database_url, already + n * batch)
    return latencies


async def measure_throughput(
    sender: Sender, database_url: str, events: int, batch: int, senders: int
) -> tuple[float, float, int, int]:
    """Deliveries sent by `senders` concurrent clients; returns (seconds until all processed, send
    seconds, done, dead)."""
    already = (await asyncio.to_thread(processed, database_url))[0]
    bodies = (
        [hubspot_batch(batch) for _ in range(events // batch)]
        if sender.crm == "hubspot"
        else [pipedrive_delivery() for _ in range(events)]
    )
    queue = iter(bodies)
    started = time.perf_counter()

    async def send_all() -> None:
        for body in queue:
            await sender.post(body)

    await asyncio.gather(*(send_all() for _ in range(senders)))
    sent = time.perf_counter() - started
    done, dead = await wait_until_processed(database_url, already + events)
    return time.perf_counter() - started, sent, done - already, dead


def rounds_waiting(database_url: str) -> int:
    """Closes whose question round is not opened yet (the round opener works behind the intake)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM deal_closes WHERE round_opened_at IS NULL")).one()[0]
    finally:
        engine.dispose()


async def wait_for_rounds(database_url: str, timeout: float = 600) -> float:
    started = time.perf_counter()
    while await asyncio.to_thread(rounds_waiting, database_url) and time.perf_counter() - started < timeout:
        await asyncio.sleep(0.2)
    return time.perf_counter() - started


async def run(base_url: str, database_url: str, crm: str, events: int, batch: int) -> None:
    connector = aiohttp.TCPConnector(limit=8)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as client:
        sender = Sender(client, base_url, crm)
        if crm == "hubspot":
            await measure_acks(sender, database_url, 3, batch)  # warm-up: first requests, caches, pools
            acks = await measure_acks(sender, database_url, 20, 100)
            median, worst = percentile(acks, 50) * 1000, max(acks) * 1000
            report(
                "HubSpot batch of 100 events acknowledged",
                f"median {median:.0f} ms, max {worst:.0f} ms over 20 batches",
                "≤ 200 ms",
                worst <= 200,
            )
        size, senders = (batch, 4) if crm == "hubspot" else (1, 8)
        elapsed, sent, done, dead = await measure_throughput(sender, database_url, events, size, senders)
        rate = done / elapsed
        report(
            f"{events:,} {crm} deliveries{f' in batches of {size}' if size > 1 else ''} processed end to end",
            f"{rate:.0f}/s ({done:,} recorded, {dead} dead, {elapsed:.1f} s; all acknowledged in {sent:.1f} s)",
            "≥ 200/s",
            rate >= 200 and dead == 0 and done == events,
        )
        behind = await wait_for_rounds(database_url)
        print(
            f"INFO  question rounds for every close opened {behind:.1f} s after the last deal was recorded", flush=True
        )


def main(argv: list[str] | None = None) -> None:
    """Each CRM on a fresh service and database, so neither inherits the other's backlog of rounds."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, fake_crm_api() as fake_api:
        for crm in ("hubspot", "pipedrive"):
            workdir = Path(tmp) / crm
            workdir.mkdir()
            for label, database_url in databases(workdir):
                print(f"INFO  {crm} webhooks on {label}", flush=True)
                if label == "postgresql":
                    reset_postgres(database_url)
                env = bench_env(
                    workdir,
                    database_url,
                    HUBSPOT_CLIENT_SECRET=HUBSPOT_SECRET,
                    HUBSPOT_ACCESS_TOKEN=HUBSPOT_TOKEN,
                    HUBSPOT_API_URL=fake_api.url,
                    PIPEDRIVE_WEBHOOK_USER=PIPEDRIVE_AUTH[0],
                    PIPEDRIVE_WEBHOOK_PASSWORD=PIPEDRIVE_AUTH[1],
                    PIPEDRIVE_API_TOKEN=PIPEDRIVE_TOKEN,
                    PIPEDRIVE_API_URL=fake_api.url,
                )
                with running_server(env) as server:
                    asyncio.run(run(server.url, database_url, crm, args.events, args.batch))


if __name__ == "__main__":
    main()
