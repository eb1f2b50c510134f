"""HubSpot's CRM API as the worker needs it: the deal, its owner's email, and which stages close it.

Won and lost are HubSpot's own notion: a stage whose metadata says `isClosed` is a close, won when
its probability is above zero and lost at zero. Pipelines change rarely and owners' emails seldom,
so both are cached in the process; a stage id the cache does not know refreshes the pipelines once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from handlers.crm.api import CheckFailed, GoneInCrm, Http, get_json, probe
from handlers.crm.common import DealSnapshot, amount, currency, day, email, instant, is_number, text
from handlers.crm.lookup_cache import LookupCache
from storage.models import Stage

log = logging.getLogger(__name__)

DEAL_PROPERTIES = (
    "dealname",
    "amount",
    "deal_currency_code",
    "pipeline",
    "dealstage",
    "closedate",
    "createdate",
    "hubspot_owner_id",
    "hs_lastmodifieddate",
)
_PROPERTIES_PARAM = "%2C".join(DEAL_PROPERTIES)
PIPELINES_TTL_SECONDS = 300.0
OWNERS_TTL_SECONDS = 600.0
SCOPES = "crm.objects.deals.read and crm.objects.owners.read"


def stage_outcome(metadata: dict[str, Any]) -> Stage | None:
    if str(metadata.get("isClosed", "")).lower() != "true":
        return Stage.OPEN
    try:
        probability = float(metadata["probability"])
    except (KeyError, TypeError, ValueError):
        return None
    return Stage.WON if probability > 0 else Stage.LOST


class HubSpotApi:
    # A stage id no pipeline lists refreshes the pipelines, but not more often than this.
    unknown_stage_refresh_seconds = 5.0

    def __init__(self, base_url: str, token: str, http: Http) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http
        self._headers = {"Authorization": f"Bearer {token}"}
        self._stages: dict[str, Stage | None] = {}
        self._stages_fetched = float("-inf")
        self._stages_lock = asyncio.Lock()
        self._owners = LookupCache(OWNERS_TTL_SECONDS)

    async def _get(self, path: str, *, what: str, attempts: int) -> Any:
        return await get_json(self.http, self.base_url + path, what=what, attempts=attempts, headers=self._headers)

    async def snapshot(self, deal_id: str, attempts: int) -> DealSnapshot | None:
        """The deal as HubSpot has it now; None when HubSpot no longer has it."""
        try:
            deal = await self._get(
                f"/crm/v3/objects/deals/{deal_id}?properties={_PROPERTIES_PARAM}",
                what=f"HubSpot deal {deal_id}",
                attempts=attempts,
            )
        except GoneInCrm:
            return None
        props: dict[str, Any] = deal.get("properties") or {}
        owner_ref = text(props.get("hubspot_owner_id"))
        name = f"hubspot:{deal_id}"
        return DealSnapshot(
            crm="hubspot",
            crm_id=deal_id,
            name=text(props.get("dealname")) or f"HubSpot deal {deal_id}",
            amount=amount(props.get("amount"), field="amount", deal=name),
            currency=currency(props.get("deal_currency_code")),
            stage=await self._stage(text(props.get("dealstage")), attempts),
            owner_email=await self._owner_email(owner_ref, attempts) if owner_ref else None,
            owner_ref=owner_ref,
            created_at=day(props.get("createdate")),
            closed_at=day(props.get("closedate")),
            updated_at=instant(props.get("hs_lastmodifieddate")) or instant(deal.get("updatedAt")),
        )

    async def _stage(self, stage_id: str | None, attempts: int) -> Stage | None:
        if stage_id is None:
            return None
        age = time.monotonic() - self._stages_fetched
        unknown = stage_id not in self._stages
        if age >= PIPELINES_TTL_SECONDS or (unknown and age >= self.unknown_stage_refresh_seconds):
            await self._refresh_stages(attempts)
        if stage_id not in self._stages:
            log.warning("HubSpot stage %r is in no deal pipeline; the deal's stage is left as stored", stage_id)
        return self._stages.get(stage_id)

    async def _refresh_stages(self, attempts: int) -> None:
        asked = time.monotonic()
        async with self._stages_lock:
            if self._stages_fetched >= asked:
                return  # another job refreshed them while this one waited
            body = await self._get("/crm/v3/pipelines/deals", what="HubSpot deal pipelines", attempts=attempts)
            stages: dict[str, Stage | None] = {}
            for pipeline in body.get("results") or []:
                for stage in pipeline.get("stages") or []:
                    stages[str(stage.get("id"))] = stage_outcome(stage.get("metadata") or {})
            self._stages = stages
            self._stages_fetched = time.monotonic()

    async def _owner_email(self, owner_id: str, attempts: int) -> str | None:
        if not is_number(owner_id):
            return None

        async def fetch() -> str | None:
            try:
                owner = await self._get(
                    f"/crm/v3/owners/{owner_id}", what=f"HubSpot owner {owner_id}", attempts=attempts
                )
            except GoneInCrm:
                return None
            return email(owner.get("email"))

        return await self._owners.get(owner_id, fetch)

    async def check(self) -> str:
        """What `onescore crm check` reports: the token works and has the scopes the worker needs."""
        pipelines = await probe(
            self.http,
            f"{self.base_url}/crm/v3/pipelines/deals",
            headers=self._headers,
            what="HUBSPOT_ACCESS_TOKEN",
            scope_hint=f"give the private app the scopes {SCOPES}",
        )
        await probe(
            self.http,
            f"{self.base_url}/crm/v3/owners?limit=1",
            headers=self._headers,
            what="HUBSPOT_ACCESS_TOKEN",
            scope_hint="give the private app the scope crm.objects.owners.read",
        )
        results = pipelines.get("results") if isinstance(pipelines, dict) else None
        if not isinstance(results, list):
            raise CheckFailed(f"{self.base_url} did not answer like HubSpot's API: is HUBSPOT_API_URL right?")
        closing = sum(
            1
            for pipeline in results
            for stage in pipeline.get("stages") or []
            if stage_outcome(stage.get("metadata") or {}) in (Stage.WON, Stage.LOST)
        )
        return f"{len(results)} deal pipeline(s), {closing} closing stage(s)"
