"""The Slack Web API client with this deployment's settings (`SLACK_API_URL`, the bot token).

slack_sdk retries a call once when the connection breaks, whatever the call. For a call that posts
something that is wrong: a connection dropped after Slack took the message looks the same as one
dropped before, and the retry posts it a second time. Here only what cannot double anything is
retried by the client — a connection that was never made, or a call that reads or replaces — and a
posting call's broken connection goes up to the outbound queue, which looks before it sends again.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import ClientConnectorError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import Settings

POSTING_METHODS = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.scheduleMessage",
        "chat.meMessage",
        "files.completeUploadExternal",
        "files.upload",
    }
)
"""Calls that add something each time they take effect (updates, views and reads only replace or read)."""


class SafeConnectionRetry(AsyncConnectionErrorRetryHandler):
    """slack_sdk's connection retry, except for a posting call that may already have been delivered."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not await super()._can_retry_async(state=state, request=request, response=response, error=error):
            return False
        return isinstance(error, ClientConnectorError) or method_of(request.url) not in POSTING_METHODS


def method_of(url: str) -> str:
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]


def slack_enabled(settings: Settings) -> bool:
    return settings.slack_over_http or settings.slack_socket_mode


def api_base_url(settings: Settings) -> str:
    url = settings.slack_api_url
    return url if url.endswith("/") else url + "/"


def retry_handlers() -> list[AsyncRetryHandler]:
    return [SafeConnectionRetry()]


def slack_web_client(settings: Settings, *, with_token: bool = True) -> AsyncWebClient:
    """GovSlack deployments and tests point `SLACK_API_URL` elsewhere; every client goes there."""
    return AsyncWebClient(
        token=settings.slack_bot_token if with_token else None,
        base_url=api_base_url(settings),
        retry_handlers=retry_handlers(),
    )
