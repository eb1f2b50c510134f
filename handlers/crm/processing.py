"""The `crm` queue's handlers: read the deal back where the webhook carried only ids, then record it.

Recording goes through the same `DealWriter` as the REST API, with the CRM's own modification time as
`source_updated_at`: an event processed late (a retry, an out-of-order delivery) can never move a
deal back, and a deal reaching won or lost records one close per transition however often it is
announced. An owner whose email matches no member is stored (the email stays on the deal) and
reported to the admins once.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from bot.errors import InputError
from bot.jobs import Handler, PermanentFailure, RetryLater
from bot.notices import CRM_OWNER_UNMATCHED, notify_admins
from bot.runtime import Runtime
from handlers.crm import hubspot, pipedrive, salesforce
from handlers.crm.common import DealSnapshot, instant
from handlers.crm.hubspot_api import HubSpotApi
from handlers.crm.pipedrive_api import PipedriveApi
from storage.db import run_transaction
from storage.models import Deal, Job

log = logging.getLogger(__name__)

UNCONFIGURED_WAIT_SECONDS = 3600
CRM_NAMES = {"hubspot": "HubSpot", "pipedrive": "Pipedrive", "salesforce": "Salesforce"}


class CrmProcessor:
    def __init__(self, runtime: Runtime, hubspot_api: HubSpotApi | None, pipedrive_api: PipedriveApi | None):
        self.runtime = runtime
        self.hubspot_api = hubspot_api
        self.pipedrive_api = pipedrive_api

    def handlers(self) -> dict[str, Handler]:
        return {
            hubspot.JOB_KIND: self.hubspot_deal,
            pipedrive.JOB_KIND: self.pipedrive_deal,
            salesforce.JOB_KIND: self.salesforce_opportunity,
        }

    async def hubspot_deal(self, job: Job) -> dict[str, Any]:
        if self.hubspot_api is None:
            raise _unconfigured("HUBSPOT_ACCESS_TOKEN")
        deal_id = str(job.payload["deal_id"])
        occurred = instant(job.payload.get("occurred_at"))
        if occurred is not None and await asyncio.to_thread(self._already_current, f"hubspot:{deal_id}", occurred):
            return {"deal": f"hubspot:{deal_id}", "skipped": "the stored deal is newer than the event"}
        snapshot = await self.hubspot_api.snapshot(deal_id, job.attempts)
        if snapshot is None:
            return {"deal": f"hubspot:{deal_id}", "skipped": "HubSpot no longer has this deal"}
        return await asyncio.to_thread(self.record, snapshot)

    async def pipedrive_deal(self, job: Job) -> dict[str, Any]:
        if self.pipedrive_api is None:
            raise _unconfigured("PIPEDRIVE_API_TOKEN")
        snapshot = await self.pipedrive_api.snapshot(job.payload["record"], job.attempts)
        return await asyncio.to_thread(self.record, snapshot)

    async def salesforce_opportunity(self, job: Job) -> dict[str, Any]:
        return await asyncio.to_thread(self.record, salesforce.snapshot(job.payload["fields"]))

    def _already_current(self, external_id: str, occurred: datetime) -> bool:
        """True when the stored deal was read from the CRM as modified at or after the event: the
        event's change is already in it, so reading the deal back again would change nothing."""
        with Session(self.runtime.engine) as session:
            stored = session.exec(select(Deal.source_updated_at).where(Deal.external_id == external_id)).first()
        return stored is not None and stored >= occurred

    def record(self, snapshot: DealSnapshot) -> dict[str, Any]:
        """Upsert the deal in one transaction, with the owner notice if any; returns the job's result."""
        try:
            data = snapshot.to_input()
        except ValueError as exc:
            raise PermanentFailure(f"{snapshot.external_id}: the CRM's deal is not valid: {exc}") from exc

        def work(session: Session) -> dict[str, Any]:
            writer = self.runtime.deal_writer(session, source=snapshot.crm, strict_members=False)
            result = writer.upsert(snapshot.external_id, data)
            closes = writer.flush()
            deal = result.deal
            stale = (
                snapshot.updated_at is not None
                and deal.source_updated_at is not None
                and snapshot.updated_at < deal.source_updated_at
            )
            if deal.owner_id is None and not stale:
                self._report_owner(session, snapshot, deal)
            return {
                "deal": snapshot.external_id,
                "created": result.created,
                "changed": result.changed,
                "closes": [close.outcome for close in closes],
            }

        try:
            return run_transaction(self.runtime.engine, work)
        except InputError as exc:
            raise PermanentFailure(f"{snapshot.external_id}: {exc}") from exc

    def _report_owner(self, session: Session, snapshot: DealSnapshot, deal: Deal) -> None:
        crm = CRM_NAMES[snapshot.crm]
        if snapshot.owner_email:
            problem = f"is owned by {snapshot.owner_email}, who is not a member"
            key = f"{snapshot.crm}:{snapshot.owner_email}"
        elif snapshot.owner_ref:
            problem = f"is owned by {crm} user {snapshot.owner_ref}, whose email {crm} does not give us"
            key = f"{snapshot.crm}:user:{snapshot.owner_ref}"
        else:
            return
        log.warning("%s deal %s (%s) %s; stored without an owner member", crm, deal.external_id, deal.name, problem)
        notify_admins(
            session,
            kind=CRM_OWNER_UNMATCHED,
            key=key,
            text=(
                f"The {crm} deal “{deal.name}” {problem}: add them to the organisation file "
                "so their deals count for their team."
            ),
            details={
                "crm": snapshot.crm,
                "deal": deal.external_id,
                "owner_email": snapshot.owner_email,
                "owner_ref": snapshot.owner_ref,
            },
            now=self.runtime.now(),
        )


def _unconfigured(variable: str) -> RetryLater:
    """Deliveries wait (they are kept, not dropped) until the operator sets the missing credential."""
    log.error("a CRM delivery waits: %s is not set, so the deal cannot be read back", variable)
    return RetryLater(timedelta(seconds=UNCONFIGURED_WAIT_SECONDS), f"{variable} is not set")
