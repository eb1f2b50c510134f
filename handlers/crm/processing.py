"""What the `crm` queue does with a delivery: read the deal back where needed, then record it.

`prepare` is the slow, outward half (the CRM's API, rate limits, outages) and decides each job's
fate without touching the database; `record` is the inward half, run for a whole batch in one
transaction by the worker. Recording goes through the same `DealWriter` as the REST API, with the
CRM's own modification time as `source_updated_at`: an event processed late (a retry, an
out-of-order delivery) never moves a deal back, and reaching won or lost records one close per
transition however often it is announced. An owner whose email matches no member is stored (the
email stays on the deal) and reported to the admins once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot.durable.jobs import PermanentFailure, RetryLater, backoff
from bot.errors import InputError
from bot.ledger.deals import DealWriter, UpsertResult
from bot.notices.store import CRM_OWNER_UNMATCHED, notify_admins
from bot.people.discovery import PeopleFinder
from bot.runtime import Runtime
from handlers.crm import hubspot, pipedrive, salesforce
from handlers.crm.common import DealSnapshot, instant
from handlers.crm.hubspot_api import HubSpotApi
from handlers.crm.pipedrive_api import PipedriveApi
from storage.models import Deal, Job

log = logging.getLogger(__name__)

UNCONFIGURED_WAIT = timedelta(hours=1)
_EARLIEST = datetime.min.replace(tzinfo=UTC)
CRM_NAMES = {"hubspot": "HubSpot", "pipedrive": "Pipedrive", "salesforce": "Salesforce"}


@dataclass
class Prepared:
    """A claimed job's fate: a snapshot to record, a result (done), or a failure to retry or bury."""

    job: Job
    snapshot: DealSnapshot | None = None
    result: dict[str, Any] | None = None
    retry_in: timedelta | None = None
    failure: str | None = None


class CrmProcessor:
    def __init__(
        self,
        runtime: Runtime,
        hubspot_api: HubSpotApi | None,
        pipedrive_api: PipedriveApi | None,
        *,
        max_attempts: int,
    ) -> None:
        self.runtime = runtime
        self.hubspot_api = hubspot_api
        self.pipedrive_api = pipedrive_api
        self.max_attempts = max_attempts
        self.people: PeopleFinder | None = None
        """Set by the service: a CRM owner named by email who is on Slack or Teams becomes a member."""

    @staticmethod
    def hubspot_event_times(jobs: list[Job]) -> dict[str, datetime]:
        """The deals whose read-back might be needless, with when their event happened."""
        times = {}
        for job in jobs:
            occurred = instant(job.payload.get("occurred_at")) if job.kind == hubspot.JOB_KIND else None
            if occurred is not None:
                times[f"hubspot:{job.payload['deal_id']}"] = occurred
        return times

    @staticmethod
    def stored_versions(session: Session, external_ids: list[str]) -> dict[str, datetime]:
        rows = session.exec(
            select(Deal.external_id, Deal.source_updated_at).where(col(Deal.external_id).in_(external_ids))
        ).all()
        return {external_id: updated for external_id, updated in rows if updated is not None}

    async def prepare(self, job: Job, stored: dict[str, datetime]) -> Prepared:
        """The job's snapshot or fate; every failure time may fix becomes a retry, never a loss."""
        try:
            prepared = await self._prepare(job, stored)
            if self.people is not None and prepared.snapshot is not None:
                await self.people.adopt([prepared.snapshot.owner_email])
            return prepared
        except RetryLater as signal:
            return Prepared(job, retry_in=signal.delay, failure=str(signal))
        except PermanentFailure as exc:
            return Prepared(job, failure=str(exc))
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.warning("CRM job %s (%s) failed: %s", job.id, job.kind, error)
            if job.attempts >= self.max_attempts:
                return Prepared(job, failure=error)
            return Prepared(job, retry_in=backoff(job.attempts), failure=error)

    async def _prepare(self, job: Job, stored: dict[str, datetime]) -> Prepared:
        if job.kind == hubspot.JOB_KIND:
            if self.hubspot_api is None:
                raise _unconfigured("HUBSPOT_ACCESS_TOKEN")
            deal_id = str(job.payload["deal_id"])
            occurred = instant(job.payload.get("occurred_at"))
            known = stored.get(f"hubspot:{deal_id}")
            if occurred is not None and known is not None and known >= occurred:
                # The stored deal was read as modified at or after the event: the change is in it.
                return Prepared(job, result={"deal": f"hubspot:{deal_id}", "skipped": "already up to date"})
            snapshot = await self.hubspot_api.snapshot(deal_id, job.attempts)
            if snapshot is None:
                return Prepared(job, result={"deal": f"hubspot:{deal_id}", "skipped": "HubSpot no longer has it"})
            return Prepared(job, snapshot=snapshot)
        if job.kind == pipedrive.JOB_KIND:
            if self.pipedrive_api is None:
                raise _unconfigured("PIPEDRIVE_API_TOKEN")
            return Prepared(job, snapshot=await self.pipedrive_api.snapshot(job.payload["record"], job.attempts))
        if job.kind == salesforce.JOB_KIND:
            return Prepared(job, snapshot=salesforce.snapshot(job.payload["fields"]))
        raise PermanentFailure(f"no handler for job kind {job.kind!r}")

    def record(self, session: Session, batch: list[Prepared]) -> None:
        """Record every prepared snapshot in the caller's transaction, setting each job's result.

        Snapshots are applied oldest first, and a deal named twice in the batch is applied in a
        second round (after a flush), so each of its transitions is a close of its own.
        """
        todo = sorted(
            ((p, p.snapshot) for p in batch if p.snapshot is not None),
            key=lambda pair: (pair[1].external_id, pair[1].updated_at or _EARLIEST),
        )
        while todo:
            this_round: list[tuple[Prepared, DealSnapshot]] = []
            later: list[tuple[Prepared, DealSnapshot]] = []
            for pair in todo:  # sorted, so a deal's snapshots are neighbours
                repeated = bool(this_round) and this_round[-1][1].external_id == pair[1].external_id
                (later if repeated else this_round).append(pair)
            self._record_round(session, this_round)
            todo = later

    def _record_round(self, session: Session, pairs: list[tuple[Prepared, DealSnapshot]]) -> None:
        """One round: the round's deals and owners are read in one query each (locked in a fixed
        order on PostgreSQL, so two replicas' batches cannot deadlock), then written in one flush."""
        query = select(Deal).where(col(Deal.external_id).in_([s.external_id for _, s in pairs]))
        if session.get_bind().dialect.name == "postgresql":
            query = query.order_by(col(Deal.external_id)).with_for_update()
        existing = {deal.external_id: deal for deal in session.exec(query).all()}
        owners = {s.owner_email for _, s in pairs if s.owner_email}
        writers: dict[str, DealWriter] = {}
        applied: list[tuple[Prepared, DealSnapshot, UpsertResult, list[str]]] = []
        for prepared, snapshot in pairs:
            if snapshot.crm not in writers:
                writers[snapshot.crm] = self.runtime.deal_writer(session, source=snapshot.crm, strict_members=False)
                writers[snapshot.crm].prefetch_members(owners)
            try:
                data = snapshot.to_input()
                result = writers[snapshot.crm].upsert(snapshot.external_id, data, existing.get(snapshot.external_id))
            except (InputError, ValueError) as exc:
                prepared.snapshot, prepared.failure = None, f"{snapshot.external_id}: the CRM's deal is refused: {exc}"
                continue
            applied.append((prepared, snapshot, result, [result.deal.stage] if result.closing else []))
        for writer in writers.values():
            writer.flush()
        for prepared, snapshot, result, closes in applied:
            deal = result.deal
            prepared.result = {
                "deal": snapshot.external_id,
                "created": result.created,
                "changed": result.changed,
                "closes": closes,
            }
            stale = bool(
                snapshot.updated_at and deal.source_updated_at and snapshot.updated_at < deal.source_updated_at
            )
            if deal.owner_id is None and not stale:
                self._report_owner(session, snapshot, deal)

    def _report_owner(self, session: Session, snapshot: DealSnapshot, deal: Deal) -> None:
        crm = CRM_NAMES[snapshot.crm]
        values = {"crm": crm, "deal": deal.name}
        if snapshot.owner_email:
            message, key = "notice.crm_owner_not_member", f"{snapshot.crm}:{snapshot.owner_email}"
            values["owner"] = snapshot.owner_email
        elif snapshot.owner_ref:
            message, key = "notice.crm_owner_without_email", f"{snapshot.crm}:user:{snapshot.owner_ref}"
            values["user"] = snapshot.owner_ref
        else:
            return
        log.warning(
            "%s deal %s (%s) is owned by %s, who is not a member; stored without an owner member",
            crm,
            deal.external_id,
            deal.name,
            snapshot.owner_email or f"{crm} user {snapshot.owner_ref}",
        )
        notify_admins(
            session,
            kind=CRM_OWNER_UNMATCHED,
            key=key,
            message=message,
            values=values,
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
    return RetryLater(UNCONFIGURED_WAIT, f"{variable} is not set")
