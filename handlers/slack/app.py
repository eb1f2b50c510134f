"""The Slack adapter: a Bolt `AsyncApp` on `POST /slack/events`, and over Socket Mode when asked.

Bolt verifies every HTTP request's signature (HMAC-SHA256 over the raw body, 5-minute window)
before any listener runs, so forged, unsigned and stale requests get 401 and are never processed.
All Web API calls go to `SLACK_API_URL`, which GovSlack deployments and tests point elsewhere.
"""

from __future__ import annotations

import logging

import aiohttp
from fastapi import APIRouter, Request, Response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.ask_loop import AskLoop
from bot.runtime import Runtime
from bot.settings import Settings
from handlers.slack.deps import SlackDeps
from handlers.slack.directory import SlackDirectory
from handlers.slack.listeners import actions, commands, events, options, views
from handlers.slack.platform import SlackPlatform

log = logging.getLogger(__name__)

LISTENERS = (commands, actions, views, events, options)
EVENTS_PATH = "/slack/events"


def slack_enabled(settings: Settings) -> bool:
    return settings.slack_over_http or settings.slack_socket_mode


def api_base_url(settings: Settings) -> str:
    url = settings.slack_api_url
    return url if url.endswith("/") else url + "/"


class SlackAdapter:
    """Everything Slack-specific in one place: the Web API client, the port, the Bolt app."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.client = AsyncWebClient(
            token=runtime.settings.slack_bot_token, base_url=api_base_url(runtime.settings)
        )
        self.platform = SlackPlatform(self.client)
        self.bolt: AsyncApp | None = None
        self._socket: AsyncSocketModeHandler | None = None

    def attach(self, loop: AskLoop) -> AsyncApp:
        """Build the Bolt app with its listeners, now that the ask loop exists."""
        deps = SlackDeps(self.runtime, loop, SlackDirectory(self.runtime, self.client))
        bolt = AsyncApp(
            client=self.client,
            signing_secret=self.runtime.settings.slack_signing_secret or "",
            request_verification_enabled=True,
        )
        for listener in LISTENERS:
            listener.register(bolt, deps)
        self.bolt = bolt
        return bolt

    def router(self) -> APIRouter:
        assert self.bolt is not None, "attach() first"
        handler = AsyncSlackRequestHandler(self.bolt)
        router = APIRouter(tags=["slack"])

        @router.post(
            EVENTS_PATH, summary="Every Slack request (signed): events, commands, interactivity, options"
        )
        async def slack_events(request: Request) -> Response:
            return await handler.handle(request)

        return router

    async def start(self) -> None:
        """Share one HTTP connection pool for every Web API call (Bolt's per-request clients reuse
        it too), and connect over Socket Mode when SLACK_APP_TOKEN is set (no public URL needed)."""
        self.client.session = aiohttp.ClientSession()
        if not self.runtime.settings.slack_socket_mode or self.bolt is None:
            return
        self._socket = AsyncSocketModeHandler(self.bolt, self.runtime.settings.slack_app_token)
        await self._socket.connect_async()
        log.info("slack: connected over Socket Mode")

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self.client.session is not None:
            await self.client.session.close()
            self.client.session = None


def slack_off_router(reason: str) -> APIRouter:
    """Without Slack settings the path answers 503 with the reason, rather than a puzzling 404."""
    router = APIRouter(tags=["slack"])

    @router.post(EVENTS_PATH, include_in_schema=False)
    async def slack_off() -> Response:
        return Response(f"Slack is off: {reason}", status_code=503, media_type="text/plain")

    return router
