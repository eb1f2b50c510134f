"""`onescore crm check`: one line per configured CRM saying OK, or exactly what is wrong.

It calls the same API URLs with the same credentials as the worker, so "OK" means deliveries will be
accepted and read back — not merely that some variables are set.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import Settings
from handlers.crm.api import CheckFailed, Http
from handlers.crm.hubspot_api import HubSpotApi
from handlers.crm.intake import configured_crms
from handlers.crm.pipedrive_api import PipedriveApi
from handlers.crm.salesforce import canonical_id


@dataclass(frozen=True)
class CrmStatus:
    crm: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{self.crm}: {'OK, ' if self.ok else ''}{self.detail}"


def _webhook_url(settings: Settings, crm: str) -> str:
    base = settings.public_url.rstrip("/") if settings.public_url else "https://<ONESCORE_PUBLIC_URL>"
    return f"{base}/webhooks/{crm}"


def _unset(crm: str, variables: dict[str, str | None]) -> CrmStatus | None:
    """A failed status naming the variables left unset, or None when all are set."""
    missing = [name for name, value in variables.items() if not value]
    if not missing:
        return None
    return CrmStatus(crm, False, f"{', '.join(missing)} not set (see docs/crm.md)")


async def _hubspot(settings: Settings, http: Http) -> CrmStatus:
    unset = _unset(
        "hubspot",
        {
            "HUBSPOT_CLIENT_SECRET": settings.hubspot_client_secret,
            "HUBSPOT_ACCESS_TOKEN": settings.hubspot_access_token,
        },
    )
    if unset:
        return unset
    api = HubSpotApi(settings.hubspot_api_url, settings.hubspot_access_token or "", http)
    try:
        found = await api.check()
    except CheckFailed as exc:
        return CrmStatus("hubspot", False, str(exc))
    caveat = (
        ""
        if settings.public_url
        else "; ONESCORE_PUBLIC_URL is not set, so signatures are checked against the URL this server "
        "sees, which differs from HubSpot's behind a proxy"
    )
    return CrmStatus(
        "hubspot", True, f"{found} at {api.base_url}; webhook URL {_webhook_url(settings, 'hubspot')}{caveat}"
    )


async def _pipedrive(settings: Settings, http: Http) -> CrmStatus:
    unset = _unset(
        "pipedrive",
        {
            "PIPEDRIVE_WEBHOOK_USER": settings.pipedrive_webhook_user,
            "PIPEDRIVE_WEBHOOK_PASSWORD": settings.pipedrive_webhook_password,
            "PIPEDRIVE_API_TOKEN": settings.pipedrive_api_token,
        },
    )
    if unset:
        return unset
    api = PipedriveApi(settings.pipedrive_api_url, settings.pipedrive_api_token or "", http)
    try:
        found = await api.check()
    except CheckFailed as exc:
        return CrmStatus("pipedrive", False, str(exc))
    return CrmStatus("pipedrive", True, f"{found} at {api.base_url}; webhook URL {_webhook_url(settings, 'pipedrive')}")


def _salesforce(settings: Settings) -> CrmStatus:
    org = (settings.salesforce_org_id or "").strip()
    canonical = canonical_id(org)
    if canonical is None or not canonical.startswith("00D"):
        return CrmStatus(
            "salesforce",
            False,
            f"SALESFORCE_ORG_ID {org!r} is not an organisation id (15 or 18 characters starting with 00D; "
            "Setup > Company Information)",
        )
    return CrmStatus(
        "salesforce",
        True,
        f"accepting outbound messages from organisation {canonical} at "
        f"{_webhook_url(settings, 'salesforce')} (Salesforce is never called, so there is nothing to reach)",
    )


async def check_crms(settings: Settings) -> list[CrmStatus]:
    """The status of each CRM with at least one of its variables set."""
    wanted = configured_crms(settings)
    http = Http()
    try:
        statuses = []
        if wanted["hubspot"]:
            statuses.append(await _hubspot(settings, http))
        if wanted["pipedrive"]:
            statuses.append(await _pipedrive(settings, http))
        if wanted["salesforce"]:
            statuses.append(_salesforce(settings))
        return statuses
    finally:
        await http.close()
