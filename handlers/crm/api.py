"""Reading a deal back from a CRM's REST API without ever losing the event that asked for it.

Every failure that time can fix (a timeout, a 5xx, a 429, even a refused token an admin may
correct) becomes `RetryLater`, so the queued delivery waits — at the time a 429's `Retry-After`
names, or with backoff — instead of being dropped. Only an answer no retry can change (the deal is
gone, the request itself is wrong) ends the job.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from bot.jobs import PermanentFailure, RetryLater, backoff

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_RETRY_AFTER = timedelta(hours=1)
MIN_RETRY_AFTER = timedelta(seconds=1)


class GoneInCrm(Exception):
    """The CRM answered 404: the record was deleted (or merged away) since the webhook was sent."""


class CheckFailed(Exception):
    """`onescore crm check` found a problem; the message is the one line shown to the operator."""


def new_http_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=TIMEOUT, headers={"User-Agent": "OneScore CRM intake"})


def retry_after(response: httpx.Response, now: datetime | None = None) -> timedelta | None:
    """The wait a 429 or 503 asks for: `Retry-After` in seconds or as an HTTP date, bounded."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        delay = timedelta(seconds=int(value))
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        delay = when - (now or datetime.now(UTC))
    return min(max(delay, MIN_RETRY_AFTER), MAX_RETRY_AFTER)


async def get_json(
    http: httpx.AsyncClient,
    url: str,
    *,
    what: str,
    attempts: int,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> Any:
    """GET `url` and return its JSON body; raise RetryLater, GoneInCrm or PermanentFailure."""
    try:
        response = await http.get(url, headers=headers, params=params)
    except httpx.HTTPError as exc:
        raise RetryLater(backoff(attempts), f"{what}: {type(exc).__name__}: {exc}") from exc
    status = response.status_code
    if status == 404:
        raise GoneInCrm(f"{what}: not found")
    if status == 429 or status >= 500:
        delay = retry_after(response) or backoff(attempts)
        raise RetryLater(delay, f"{what}: HTTP {status}, retrying in {int(delay.total_seconds())} s")
    if status in (401, 403):
        log.error("%s: the CRM refused our credentials (HTTP %d); run `onescore crm check`", what, status)
        raise RetryLater(backoff(attempts), f"{what}: HTTP {status}, credentials refused")
    if status >= 400:
        raise PermanentFailure(f"{what}: HTTP {status}: {response.text[:300]}")
    try:
        return response.json()
    except ValueError as exc:
        raise RetryLater(backoff(attempts), f"{what}: the answer is not JSON") from exc


async def probe(http: httpx.AsyncClient, url: str, *, headers: dict[str, str], what: str, scope_hint: str) -> Any:
    """One request for `onescore crm check`: the JSON body, or CheckFailed saying what is wrong."""
    try:
        response = await http.get(url, headers=headers)
    except httpx.HTTPError as exc:
        raise CheckFailed(f"cannot reach {url}: {type(exc).__name__}: {exc}") from exc
    if response.status_code == 401:
        raise CheckFailed(f"{what} was refused (HTTP 401): the token is wrong, expired or revoked")
    if response.status_code == 403:
        raise CheckFailed(f"{what} lacks a permission (HTTP 403): {scope_hint}")
    if response.status_code >= 400:
        raise CheckFailed(f"{url} answered HTTP {response.status_code}: {response.text[:200]}")
    try:
        return response.json()
    except ValueError as exc:
        raise CheckFailed(f"{url} did not answer JSON: is the API URL right?") from exc
