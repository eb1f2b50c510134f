"""The CRM intake of one process: accepting deliveries into the durable `crm` queue, and its worker.

A webhook is answered as soon as its deliveries are committed to the queue: CRMs give a few seconds
(HubSpot 5, Pipedrive 10) and punish slow or failed answers with retries or bans, while the work
behind a delivery (an API read-back that may be rate-limited) can take much longer. The worker runs
in the service's event loop; several replicas share the queue through the jobs table's leases.
"""

from __future__ import annotations

import asyncio
import logging

from bot.durable.jobs import MAX_ATTEMPTS
from bot.runtime import Runtime
from bot.settings import Settings
from handlers.crm.api import Http
from handlers.crm.common import Delivery
from handlers.crm.hubspot_api import HubSpotApi
from handlers.crm.inbox import Inbox
from handlers.crm.pipedrive_api import PipedriveApi
from handlers.crm.processing import CrmProcessor
from handlers.crm.worker import CRM_QUEUE, CrmWorker

log = logging.getLogger(__name__)

CONCURRENCY = 16
# Two batches in flight: one being read back from the CRM while the other is being recorded.
LANES = 2
POLL_INTERVAL_SECONDS = 1.0
STOP_TIMEOUT_SECONDS = 15.0


def configured_crms(settings: Settings) -> dict[str, bool]:
    """Which CRMs have at least one of their variables set (and so are meant to be used)."""
    return {
        "hubspot": bool(settings.hubspot_client_secret or settings.hubspot_access_token),
        "pipedrive": bool(
            settings.pipedrive_webhook_user or settings.pipedrive_webhook_password or settings.pipedrive_api_token
        ),
        "salesforce": bool(settings.salesforce_org_id),
    }


class CrmIntake:
    def __init__(self, runtime: Runtime) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.http = Http()
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
        self.worker = CrmWorker(runtime, self.processor, concurrency=CONCURRENCY, poll_interval=POLL_INTERVAL_SECONDS)
        self.inbox = Inbox(runtime.engine, CRM_QUEUE, runtime.now, self.worker.wake)
        self._tasks: list[asyncio.Task[None]] = []

    async def accept(self, deliveries: list[Delivery]) -> int:
        """Return once the deliveries are committed to the queue: how many of them were new."""
        return await self.inbox.put(deliveries)

    def start(self) -> None:
        """Start the worker when a CRM is configured; without one no delivery can be accepted."""
        crms = [crm for crm, on in configured_crms(self.runtime.settings).items() if on]
        if not crms:
            log.info("CRM intake is off: no CRM is configured (see docs/crm.md)")
            return
        log.info("CRM intake is on for %s", ", ".join(crms))
        self._tasks = [
            asyncio.create_task(self.worker.run_forever(), name=f"crm-intake-worker-{lane}") for lane in range(LANES)
        ]

    async def stop(self) -> None:
        """Let the batches in hand finish (their leases would otherwise delay them by minutes), then close."""
        self.worker.stop()
        if self._tasks:
            _done, pending = await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT_SECONDS)
            if pending:
                log.warning("the CRM worker did not stop in time; its jobs come back when their leases end")
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
        await self.http.close()
