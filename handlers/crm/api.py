"""Reading a deal back from a CRM's REST API without ever losing the event that asked for it.

Every failure that time can fix (a timeout, a 5xx, a 429, even a refused token an admin may
correct) becomes `RetryLater`, so the queued delivery waits — at the time a 429's `Retry-After`
names, or with backoff — instead of being dropped. Only an answer no retry can change (the deal is
gone, the request itself is wrong) ends the job.

The client is aiohttp rather than httpx: read-backs are the worker's hot path, and against the fake
CRM API httpx spent 1–2.5 ms of CPU per request (its connection pool rescans every connection per
request) where aiohttp spends about 0.15 ms — the difference between keeping up with a CRM's burst
and falling behind it on a small machine.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp

from bot.durable.jobs import PermanentFailure, RetryLater, backoff

log = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=15, connect=5)
CONNECTIONS = 32
MAX_RETRY_AFTER = timedelta(hours=1)
MIN_RETRY_AFTER = timedelta(seconds=1)


class GoneInCrm(Exception):
    """The CRM answered 404: the record was deleted (or merged away) since the webhook was sent."""


class CheckFailed(Exception):
    """`onescore crm check` found a problem; the message is the one line shown to the operator."""


class Http:
    """The process's HTTP session to the CRMs, opened lazily in the event loop that uses it
    (an aiohttp session belongs to one loop, and the app object is built before its loop runs)."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=TIMEOUT,
                connector=aiohttp.TCPConnector(limit=CONNECTIONS, ttl_dns_cache=300),
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": "OneScore CRM intake"},
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def fetch(http: Http, url: str, headers: dict[str, str]) -> Answer:
    """GET `url`; raises aiohttp.ClientError or TimeoutError when no answer came."""
    async with http.session().get(url, headers=headers) as response:
        return Answer(response.status, response.headers, await response.read())


def retry_after(headers: Mapping[str, str], now: datetime | None = None) -> timedelta | None:
    """The wait a 429 or 503 asks for: `Retry-After` in seconds or as an HTTP date, bounded."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
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


async def get_json(http: Http, url: str, *, what: str, attempts: int, headers: dict[str, str]) -> Any:
    """GET `url` and return its JSON body; raise RetryLater, GoneInCrm or PermanentFailure."""
    try:
        answer = await fetch(http, url, headers)
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise RetryLater(backoff(attempts), f"{what}: {type(exc).__name__}: {exc}") from exc
    if answer.status == 404:
        raise GoneInCrm(f"{what}: not found")
    if answer.status == 429 or answer.status >= 500:
        delay = retry_after(answer.headers) or backoff(attempts)
        raise RetryLater(delay, f"{what}: HTTP {answer.status}, retrying in {int(delay.total_seconds())} s")
    if answer.status in (401, 403):
        log.error("%s: the CRM refused our credentials (HTTP %d); run `onescore crm check`", what, answer.status)
        raise RetryLater(backoff(attempts), f"{what}: HTTP {answer.status}, credentials refused")
    if answer.status >= 400:
        raise PermanentFailure(f"{what}: HTTP {answer.status}: {answer.body[:300]!r}")
    try:
        return answer.json()
    except ValueError as exc:
        raise RetryLater(backoff(attempts), f"{what}: the answer is not JSON") from exc


async def probe(http: Http, url: str, *, headers: dict[str, str], what: str, scope_hint: str) -> Any:
    """One request for `onescore crm check`: the JSON body, or CheckFailed saying what is wrong."""
    try:
        answer = await fetch(http, url, headers)
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise CheckFailed(f"cannot reach {url}: {type(exc).__name__}: {exc}") from exc
    if answer.status == 401:
        raise CheckFailed(f"{what} was refused (HTTP 401): the token is wrong, expired or revoked")
    if answer.status == 403:
        raise CheckFailed(f"{what} lacks a permission (HTTP 403): {scope_hint}")
    if answer.status >= 400:
        raise CheckFailed(f"{url} answered HTTP {answer.status}: {answer.body[:200].decode(errors='replace')}")
    try:
        return answer.json()
    except ValueError as exc:
        raise CheckFailed(f"{url} did not answer JSON: is the API URL right?") from exc
