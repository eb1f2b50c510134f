"""The CRM intake of one process: accepting deliveries into the durable `crm` queue, and its worker.

A webhook is answered as soon as its deliveries are committed to the queue: CRMs give a few seconds
(HubSpot 5, Pipedrive 10) and punish slow or failed answers with retries or bans, while the work
behind a delivery (an API read-back that may be rate-limited) can take much longer. The worker runs
in the service's event loop; several replicas share the queue through the jobs table's leases.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging

import httpx
from sqlmodel import Session

from bot.jobs import MAX_ATTEMPTS, enqueue
from bot.runtime import Runtime
from handlers.crm.api import new_http_client
from handlers.crm.common import Delivery
from handlers.crm.hubspot_api import HubSpotApi
from handlers.crm.pipedrive_api import PipedriveApi
from handlers.crm.processing import CrmProcessor
from handlers.crm.worker import CRM_QUEUE, CrmWorker
from storage.db import run_transaction

log = logging.getLogger(__name__)

CONCURRENCY = 16
STOP_TIMEOUT_SECONDS = 15.0


def _bounded(key: str) -> str:
    """The jobs table holds 255 characters; a longer key is shortened by hashing, never by cutting."""
    if len(key) <= 255:
        return key
    return f"{key[:180]}#{hashlib.sha256(key.encode()).hexdigest()}"


class CrmIntake:
    def __init__(
        self,
        runtime: Runtime,
        *,
        http: httpx.AsyncClient | None = None,
        concurrency: int = CONCURRENCY,
        poll_interval: float = 1.0,
    ) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.http = http or new_http_client()
        self.hubspot_api = (
            HubSpotApi(settings.hubspot_api_url, settings.hubspot_access_token, self.http)
            if settings.hubspot_access_token
            else None
        )
        self.pipedrive_api = (
            PipedriveApi(settings.pipedrive_api_url, settings.pipedrive_api_token, self.http)
            if settings.pipedrive_api_token
            else None
        )
        self.processor = CrmProcessor(runtime, self.hubspot_api, self.pipedrive_api, max_attempts=MAX_ATTEMPTS)
        self.worker = CrmWorker(runtime, self.processor, concurrency=concurrency, poll_interval=poll_interval)
        self._task: asyncio.Task[None] | None = None

    async def accept(self, deliveries: list[Delivery]) -> int:
        """Commit the deliveries to the queue (one transaction); returns how many were new."""
        if not deliveries:
            return 0
        now = self.runtime.now()

        def work(session: Session) -> int:
            return sum(
                enqueue(
                    session,
                    queue=CRM_QUEUE,
                    kind=delivery.kind,
                    payload=delivery.payload,
                    now=now,
                    dedupe_key=_bounded(delivery.dedupe_key),
                )
                for delivery in deliveries
            )

        queued = await asyncio.to_thread(run_transaction, self.runtime.engine, work)
        if queued:
            self.worker.wake()
        return queued

    def start(self) -> None:
        self._task = asyncio.create_task(self.worker.run_forever(), name="crm-intake-worker")

    async def stop(self) -> None:
        """Let the jobs in hand finish (their leases would otherwise delay them by minutes), then close."""
        self.worker.stop()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, STOP_TIMEOUT_SECONDS)
            except TimeoutError:
                log.warning("the CRM worker did not stop in time; its jobs come back when their leases end")
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
        await self.http.aclose()
