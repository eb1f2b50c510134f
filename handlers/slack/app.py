"""The Slack adapter: a Bolt `AsyncApp` on `POST /slack/events`, and over Socket Mode when asked.

Every HTTP request's signature (HMAC-SHA256 over the raw body, 5-minute window) is checked before
anything reads the body (`request_checks`), so forged, unsigned and stale requests get 401 and are
never processed, however odd their bytes. A signed body that no listener could handle (not what
Slack sends) gets 400 before Bolt sees it.
All Web API calls go to `SLACK_API_URL`, which GovSlack deployments and tests point elsewhere.

Bolt runs with `process_before_response`: a listener's own code is the acknowledgement (a
signature check, sometimes a short database write), and the response leaves as soon as it
returns. What follows an acknowledgement goes to `AfterAck`, so a burst of requests is
acknowledged promptly instead of Bolt polling each one's `ack()` every 10 ms while earlier work
fills the event loop.
"""

from __future__ import annotations

import logging

import aiohttp
from fastapi import APIRouter, Request, Response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import to_starlette_response
from slack_bolt.async_app import AsyncApp

from bot.posting.posts import ScorePoster
from bot.rounds.loop import AskLoop
from bot.runtime import Runtime
from handlers.slack.after_ack import AfterAck
from handlers.slack.deps import SlackDeps
from handlers.slack.directory import SlackDirectory
from handlers.slack.directory_source import SlackDirectorySource
from handlers.slack.identity import BotIdentity
from handlers.slack.listeners import (
    actions,
    commands,
    dashboard,
    events,
    insights,
    my_data,
    options,
    scores,
    team_choice,
    views,
)
from handlers.slack.listeners.scores import ScoreDeps
from handlers.slack.platform import SlackPlatform
from handlers.slack.request_checks import SlackSignature, checked_request
from handlers.slack.respond import use_pooled_respond
from handlers.slack.scorecard_post import SlackScorecardChannel
from handlers.slack.web_client import slack_web_client

log = logging.getLogger(__name__)

LISTENERS = (commands, actions, views, events, options, team_choice, my_data, dashboard)
EVENTS_PATH = "/slack/events"
STOP_GRACE_SECONDS = 10.0


class SlackAdapter:
    """Everything Slack-specific in one place: the Web API client, the ports, the Bolt app."""

    name = "slack"
    delivery_prefix = "slack:"

    def __init__(self, runtime: Runtime) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.client = slack_web_client(settings)
        self.identity = BotIdentity(self.client)
        self.bolt = AsyncApp(
            # Without a token of its own: each request's copy of this client gets it from `authorize`.
            client=slack_web_client(settings, with_token=False),
            authorize=self.identity,
            signing_secret=settings.slack_signing_secret or "",
            # The route checks the signature on the raw bytes before anything parses them; Bolt
            # then gets the body re-encoded, which its own check would not recognise as signed.
            request_verification_enabled=False,
            process_before_response=True,
        )
        self.platform = SlackPlatform(self.client)
        self.scorecards = SlackScorecardChannel(self.client)
        self.later = AfterAck()
        self.directory = SlackDirectory(runtime, self.client)
        self.directory_source = SlackDirectorySource(slack_web_client(settings))
        self._socket: AsyncSocketModeHandler | None = None

    def attach(self, loop: AskLoop, poster: ScorePoster) -> None:
        """Register the listeners, now that the ask loop and the score poster they hand work to exist."""
        use_pooled_respond(self.bolt, self.client)
        deps = SlackDeps(self.runtime, loop, self.directory, self.later)
        for listener in LISTENERS:
            listener.register(self.bolt, deps)
        scores.register(self.bolt, ScoreDeps(self.runtime, self.directory, poster, self.later))
        insights.register()

    def router(self) -> APIRouter:
        if not self.runtime.settings.slack_over_http:
            return slack_off_router("it runs over Socket Mode only")
        signature = SlackSignature(self.runtime.settings.slack_signing_secret or "")
        router = APIRouter(tags=["slack"])

        @router.post(
            EVENTS_PATH,
            summary="Every Slack request (signed): events, commands, interactivity, options",
            responses={
                400: {"description": "Signed, but not a request Slack sends (the reason in the body)"},
                401: {"description": "No valid Slack signature, or a timestamp outside five minutes"},
                413: {"description": "The body is over 1 MiB"},
            },
        )
        async def slack_events(request: Request) -> Response:
            checked = await checked_request(request, signature)
            if isinstance(checked, Response):
                return checked
            return to_starlette_response(await self.bolt.async_dispatch(checked))

        return router

    async def start(self) -> None:
        """Share one HTTP connection pool for every Web API call (Bolt's per-request clients reuse
        it too), learn who the bot is, and connect over Socket Mode when SLACK_APP_TOKEN is set
        (no public URL needed)."""
        session = aiohttp.ClientSession()
        self.client.session = self.bolt.client.session = self.directory_source.client.session = session
        await self.identity.load()
        if not self.runtime.settings.slack_socket_mode:
            return
        self._socket = AsyncSocketModeHandler(self.bolt, self.runtime.settings.slack_app_token)
        await self._socket.connect_async()
        log.info("slack: connected over Socket Mode")

    async def stop(self) -> None:
        """Stop taking requests over Socket Mode, finish the work already acknowledged, then close."""
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        await self.later.drain(timeout=STOP_GRACE_SECONDS)
        if self.client.session is not None:
            await self.client.session.close()
            self.client.session = self.bolt.client.session = self.directory_source.client.session = None


def slack_off_router(reason: str) -> APIRouter:
    """Without Slack settings the path answers 503 with the reason, rather than a puzzling 404."""
    router = APIRouter(tags=["slack"])

    @router.post(EVENTS_PATH, include_in_schema=False)
    async def slack_off() -> Response:
        return Response(f"Slack is off: {reason}", status_code=503, media_type="text/plain")

    return router
