"""Events: App Home opened. Retried deliveries of any event are dropped by `dedupe_events`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.durable.dedupe import first_time
from handlers.slack.deps import SlackDeps
from handlers.slack.home import publish_home


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.middleware
    async def dedupe_events(body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> BoltResponse | None:
        """Slack retries an event it thinks we missed (`X-Slack-Retry-Num`); its `event_id` stays."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            key = f"slack:event:{event_id}"
            if not await asyncio.to_thread(first_time, deps.runtime.engine, key, deps.runtime.now()):
                return BoltResponse(status=200, body="")
        await next()
        return None

    @app.event("app_home_opened")
    async def home_opened(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") == "home":
            deps.later.run(publish_home(deps, client, event["user"]), name=f"App Home for {event['user']}")
