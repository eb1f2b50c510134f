"""Pipedrive's API as the worker needs it: the owner's email (users API) and the organisation's name.

The webhook carries the deal's state but names its owner and organisation by id only. Both are
cached in the process: a company has few users, and a burst of deliveries should not become a burst
of identical API calls against Pipedrive's rate limit.
"""

from __future__ import annotations

from typing import Any

from handlers.crm.api import CheckFailed, GoneInCrm, Http, get_json, probe
from handlers.crm.common import DealSnapshot, amount, currency, day, email, instant, is_number, text
from handlers.crm.lookup_cache import LookupCache
from storage.models import Stage

CACHE_TTL_SECONDS = 600.0
STATUSES = {"open": Stage.OPEN, "won": Stage.WON, "lost": Stage.LOST}


class PipedriveApi:
    def __init__(self, base_url: str, token: str, http: Http) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http
        self._headers = {"x-api-token": token}
        self._cache = LookupCache(CACHE_TTL_SECONDS)

    async def snapshot(self, record: dict[str, Any], attempts: int) -> DealSnapshot:
        deal_id = str(record["id"])
        stage = STATUSES.get(str(record.get("status")))
        owner_ref = text(record.get("owner_id"))
        owner_email = email(record.get("owner_email"))
        if owner_email is None and owner_ref is not None:
            owner_email = email(await self._field("users", owner_ref, "email", attempts))
        account = text(record.get("org_name"))
        org_id = text(record.get("org_id"))
        if account is None and org_id is not None:
            account = text(await self._field("organizations", org_id, "name", attempts))
        closed = record.get("won_time") if stage == Stage.WON else record.get("lost_time")
        return DealSnapshot(
            crm="pipedrive",
            crm_id=deal_id,
            name=text(record.get("title")) or f"Pipedrive deal {deal_id}",
            account=account,
            amount=amount(record.get("value"), field="value", deal=f"pipedrive:{deal_id}"),
            currency=currency(record.get("currency")),
            stage=stage,
            owner_email=owner_email,
            owner_ref=owner_ref,
            created_at=day(record.get("add_time")),
            closed_at=day(closed or record.get("close_time")),
            updated_at=instant(record.get("update_time")),
        )

    async def _field(self, collection: str, record_id: str, field: str, attempts: int) -> Any:
        """One field of a user or organisation (None when Pipedrive no longer has it), cached."""
        if not is_number(record_id):
            return None

        async def fetch() -> Any:
            try:
                body = await get_json(
                    self.http,
                    f"{self.base_url}/v1/{collection}/{record_id}",
                    what=f"Pipedrive {collection} {record_id}",
                    attempts=attempts,
                    headers=self._headers,
                )
            except GoneInCrm:
                return None
            return (body.get("data") or {}).get(field) if isinstance(body, dict) else None

        return await self._cache.get(f"{collection}/{record_id}/{field}", fetch)

    async def check(self) -> str:
        """What `onescore crm check` reports: whose token this is, and in which company."""
        body = await probe(
            self.http,
            f"{self.base_url}/v1/users/me",
            headers=self._headers,
            what="PIPEDRIVE_API_TOKEN",
            scope_hint="the token's user must be allowed to see users and deals",
        )
        me = body.get("data") if isinstance(body, dict) else None
        if not isinstance(me, dict):
            raise CheckFailed(f"{self.base_url} did not answer like Pipedrive's API: is PIPEDRIVE_API_URL right?")
        company = me.get("company_name") or me.get("company_domain") or "an unnamed company"
        return f"token of {me.get('email') or me.get('name')} in {company}"
