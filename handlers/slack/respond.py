"""`respond()` over the app's pooled HTTP session.

Bolt's own `respond` opens a fresh aiohttp session, and so a fresh TCP (and TLS) connection, for
every reply through a `response_url`. Every `/onescore` and `/scores` answers that way, so under a
burst the connection set-up alone competed with acknowledging new requests. This one keeps
Bolt's call signature and goes through the session the Web API client already pools.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from slack_sdk.webhook.webhook_response import WebhookResponse


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
    ) -> WebhookResponse:
        if self.response_url is None:
            raise ValueError("respond is unsupported: this request has no response_url")
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
