"""`respond()` over the app's pooled HTTP session, only ever to Slack.

Bolt's own `respond` opens a fresh aiohttp session, and so a fresh TCP (and TLS) connection, for
every reply through a `response_url`. Every `/onescore` and `/scores` answers that way, so under a
burst the connection set-up alone competed with acknowledging new requests. This one keeps
Bolt's call signature and goes through the session the Web API client already pools.

A `response_url` is a URL taken from a request (a form's metadata holds one too), so it is posted
to only when it points at Slack: the configured Web API's own origin (GovSlack, tests) or
`https://hooks.slack.com` (or `hooks.` on the API's host). It is checked with yarl, the parser
aiohttp connects with, so `https://hooks.slack.com@elsewhere/` is the host aiohttp would reach.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from slack_sdk.webhook.webhook_response import WebhookResponse
from yarl import URL

log = logging.getLogger(__name__)
SLACK_HOOKS_HOST = "hooks.slack.com"


def is_slack_url(url: str, api_url: str) -> bool:
    """Whether a response_url is Slack's: the Web API's origin, or Slack's hooks host over https."""
    try:
        target, api = URL(url), URL(api_url)
    except (TypeError, ValueError):
        return False
    if target.user is not None or target.password is not None or not target.host:
        return False
    if (target.scheme, target.host, target.port) == (api.scheme, api.host, api.port):
        return True
    hooks = {SLACK_HOOKS_HOST, f"hooks.{api.host}"}
    return target.scheme == "https" and target.port == 443 and target.host in hooks


class PooledRespond(AsyncRespond):
    def __init__(self, response_url: str | None, client: AsyncWebClient) -> None:
        super().__init__(response_url=response_url, proxy=client.proxy, ssl=client.ssl)
        self._client = client

    async def __call__(  # type: ignore[override]
        self,
        text: str = "",
        blocks: list[dict[str, Any]] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        **more: Any,
    ) -> WebhookResponse | None:
        """None, with nothing sent, for a response_url that is not Slack's."""
        if self.response_url is None:
            raise ValueError("respond is unsupported: this request has no response_url")
        if not is_slack_url(self.response_url, self._client.base_url):
            log.warning("slack: not replying to a response_url outside Slack: %.200r", self.response_url)
            return None
        webhook = AsyncWebhookClient(
            self.response_url,
            timeout=self._client.timeout,
            ssl=self.ssl,
            proxy=self.proxy,
            session=self._client.session,
        )
        return await webhook.send(
            text=text,
            blocks=blocks,
            response_type=response_type,
            replace_original=replace_original,
            delete_original=delete_original,
            **more,
        )


def use_pooled_respond(app: AsyncApp, client: AsyncWebClient) -> None:
    @app.middleware
    async def pooled_respond(context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
        context["respond"] = PooledRespond(context.response_url, client)
        await next()
