"""Who the bot is in its workspace (`auth.test`), asked once when the service starts.

Bolt's single-workspace authorization asks lazily, on the first request, and every request that
arrives before the answer asks again: after a restart the first burst of clicks each waited a round
trip to Slack before their acknowledgement. Here one call is made at start-up (and, should Slack be
unreachable then, once by whichever request comes first, with the others waiting for that call).
"""

from __future__ import annotations

import asyncio
import logging

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)


LOAD_TIMEOUT_SECONDS = 5.0


class BotIdentity(AsyncAuthorize):
    """Bolt's `authorize` for this single-workspace app: the same answer for every request."""

    def __init__(self, client: AsyncWebClient, *, load_timeout: float = LOAD_TIMEOUT_SECONDS) -> None:
        super().__init__()
        self._client = client
        self._load_timeout = load_timeout
        self._result: AuthorizeResult | None = None
        self._asking: asyncio.Future[AuthorizeResult] | None = None

    async def load(self) -> None:
        """Ask now, so no request has to. A failure is logged and the first request asks again; a
        slow Slack does not hold up start-up: the call goes on, and early requests wait for it."""
        try:
            await asyncio.wait_for(self.result(), self._load_timeout)
        except SlackApiError as exc:
            log.warning("slack: %s; requests will ask again", refusal(exc))
        except (OSError, TimeoutError) as exc:
            log.warning("slack: auth.test did not answer at start-up (%r); requests will wait for it", exc)

    async def __call__(self, **_request: object) -> AuthorizeResult:
        return await self.result()

    async def result(self) -> AuthorizeResult:
        if self._result is not None:
            return self._result
        if self._asking is None:
            self._asking = asyncio.ensure_future(self._auth_test())
        asking = self._asking
        try:
            self._result = await asyncio.shield(asking)
        finally:
            if asking.done() and self._result is None:
                self._asking = None
        return self._result

    async def _auth_test(self) -> AuthorizeResult:
        response = await self._client.auth_test()
        return AuthorizeResult.from_auth_test_response(
            auth_test_response=response, bot_token=self._client.token, user_token=None
        )


def refusal(exc: SlackApiError) -> str:
    """What Slack said about the token, in words an operator can act on: a revoked or wrong token
    (`invalid_auth`, `token_revoked`, `account_inactive`…) is not an outage, and a 5xx is not a refusal."""
    response = exc.response
    data = getattr(response, "data", None)
    error = str(data.get("error") or "") if isinstance(data, dict) else ""
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    if error and error not in TRANSIENT_AUTH_ERRORS:
        return f"Slack refused SLACK_BOT_TOKEN ({error}): check the token in the app's OAuth & Permissions page"
    return f"auth.test failed at start-up (HTTP {status}, {error or 'no error code'})"


TRANSIENT_AUTH_ERRORS = {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
