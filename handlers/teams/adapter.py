"""The Teams adapter: Bot Framework activities on `POST /api/messages`, and Teams as a chat platform.

botbuilder's `CloudAdapter.process` is written for aiohttp; here the route reads the body itself,
refuses a request without a plausible token before parsing it (401), deserializes the `Activity`
(400 with the reason when it is none), authenticates it (401 when it is not from the Bot Framework
for this bot), drops a redelivered activity by its id, and runs the turn. An invoke
gets the bot's invoke response; everything else 202. A turn is short (a transaction and perhaps
one reply), well inside Teams' 15 seconds; card updates and asks go through the outbound queue.
Everything botbuilder stays in `handlers/teams`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging

from azure.core.exceptions import DeserializationError
from botbuilder.core import CloudAdapterBase
from botbuilder.schema import Activity
from botframework.connector.auth.authenticate_request_result import AuthenticateRequestResult
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import delete
from sqlmodel import col

from bot.durable.dedupe import first_time
from bot.posting.posts import ScorePoster
from bot.rounds.loop import AskLoop
from bot.runtime import Runtime
from handlers.teams.auth import AuthenticationUnavailable, NotAuthenticated, RequestAuthenticator
from handlers.teams.bot import OneScoreBot
from handlers.teams.connector import BotConnector
from handlers.teams.directory_source import TeamsDirectorySource
from handlers.teams.platform import TeamsPlatform
from handlers.teams.scorecard_post import TeamsScorecardChannel
from storage.db import session_scope
from storage.models import ProcessedEvent

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"
DEDUPE_PREFIX = "teams:"


class TeamsAdapter:
    """Everything Teams-specific in one place: authentication, the connector, the ports, the bot."""

    name = "teams"
    delivery_prefix = DEDUPE_PREFIX

    def __init__(self, runtime: Runtime) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.authenticator = RequestAuthenticator(settings)
        self.adapter = CloudAdapterBase(self.authenticator.auth)
        self.connector = BotConnector(self.authenticator.auth, settings.microsoft_app_id)
        self.platform = TeamsPlatform(
            runtime.engine, runtime.clock, self.connector, tenant_id=settings.microsoft_app_tenant_id
        )
        self.scorecards = TeamsScorecardChannel(runtime.engine, self.connector)
        self.directory_source = TeamsDirectorySource(runtime.engine, self.connector)
        self.bot: OneScoreBot | None = None

    def attach(self, loop: AskLoop, poster: ScorePoster) -> None:
        """Build the bot, now that the ask loop (whose worker sends card updates) exists. Teams
        answers score questions itself and posts nothing on demand, so it needs no poster."""
        self.bot = OneScoreBot(self.runtime, loop.wake)

    async def start(self) -> None:
        if self.authenticator.problem:
            log.error("teams: every request is refused (503) until this is fixed: %s", self.authenticator.problem)
        elif not self.authenticator.enforced:
            log.warning(
                "teams: ONESCORE_TEAMS_EMULATOR=true and MicrosoftAppId is not set: %s accepts activities WITHOUT "
                "AUTHENTICATION from a loopback serviceUrl, for local testing only (Bot Framework Emulator, tests). "
                "Anyone who can reach this URL can act as any Teams user: never expose it; set MicrosoftAppId and "
                "MicrosoftAppPassword and unset ONESCORE_TEAMS_EMULATOR for Microsoft Teams.",
                MESSAGES_PATH,
            )
        else:
            log.info("teams: %s checks the Bot Framework token of every activity", MESSAGES_PATH)
            if self.runtime.settings.teams_emulator:
                log.warning(
                    "teams: ONESCORE_TEAMS_EMULATOR is ignored: MicrosoftAppId is set, so every activity "
                    "needs a Bot Framework token"
                )

    async def stop(self) -> None:
        """Nothing to let go of: every call to Teams goes through the outbound queue's workers."""

    def router(self) -> APIRouter:
        router = APIRouter(tags=["teams"])

        @router.post(
            MESSAGES_PATH,
            summary="Bot Framework activities from Teams (JWT-validated when an app id is set)",
            responses={
                400: {"description": "Authenticated, but not an activity OneScore can read (the reason in the body)"},
                401: {"description": "No valid Bot Framework token for this bot, or a serviceUrl it does not cover"},
                413: {"description": "The body is over 1 MiB"},
                503: {"description": "Teams is misconfigured: its credentials cannot be checked"},
            },
        )
        async def messages(request: Request) -> Response:
            return await self.handle(await request.body(), request.headers.get("Authorization"))

        return router

    async def handle(self, body: bytes, authorization: str | None) -> Response:
        """With an app id the token is checked before the body is even parsed, so nothing a stranger
        sends is read further than that and any body without a valid token is a 401; a valid token
        with a body that is no activity is a 400 with the reason."""
        assert self.bot is not None, "attach() first"
        try:
            self.authenticator.screen(authorization)
            activity = _activity(body)
            if isinstance(activity, str):
                await self.authenticator.authenticate_token(authorization)
                return Response(f"not a Bot Framework activity: {activity}", status_code=400, media_type="text/plain")
            authenticated = await self.authenticator.authenticate(activity, authorization)
        except NotAuthenticated as exc:
            log.warning("teams: refused an unauthenticated request: %s", exc)
            return Response(status_code=401)
        except AuthenticationUnavailable as exc:
            log.error("teams: cannot check a request: %s", exc)
            return Response(status_code=503)
        return await self._turn(activity, authenticated)

    async def _turn(self, activity: Activity, authenticated: AuthenticateRequestResult) -> Response:
        assert self.bot is not None, "attach() first"
        key = _delivery_key(activity)
        if key and not await asyncio.to_thread(first_time, self.runtime.engine, key, self.runtime.now()):
            log.info("teams: activity %s was delivered again; already handled", activity.id)
            return Response(status_code=200)
        try:
            invoke = await self.adapter.process_activity(authenticated, activity, self.bot.on_turn)
        except DeserializationError as exc:
            log.warning("teams: what answers at %s is no Bot Connector; reply not sent: %s", activity.service_url, exc)
            return Response(status_code=202)
        except Exception:
            log.exception("teams: activity %s (%s) failed; Teams may deliver it again", activity.id, activity.type)
            if key:
                await asyncio.to_thread(_forget, self.runtime, key)
            return Response(status_code=500)
        if invoke is not None and invoke.body is not None:
            return JSONResponse(invoke.body, status_code=invoke.status)
        if invoke is not None:
            return Response(status_code=invoke.status)
        return Response(status_code=202)


def teams_off_router(reason: str) -> APIRouter:
    """Teams off answers 503 with the reason whatever is posted: nothing is read, parsed or called."""
    router = APIRouter(tags=["teams"])

    @router.post(MESSAGES_PATH, include_in_schema=False)
    async def teams_off() -> Response:
        return Response(f"Teams is off: {reason}", status_code=503, media_type="text/plain")

    return router


def teams_directory_source(runtime: Runtime) -> TeamsDirectorySource:
    """The Teams rosters alone, for the command line (which runs no bot)."""
    settings = runtime.settings
    connector = BotConnector(RequestAuthenticator(settings).auth, settings.microsoft_app_id)
    return TeamsDirectorySource(runtime.engine, connector)


def teams_scorecard_channel(runtime: Runtime) -> TeamsScorecardChannel:
    """Scorecard posting alone, for the command line (which runs no bot)."""
    settings = runtime.settings
    connector = BotConnector(RequestAuthenticator(settings).auth, settings.microsoft_app_id)
    return TeamsScorecardChannel(runtime.engine, connector)


def _activity(body: bytes) -> Activity | str:
    """The activity in `body`, or why it is not one."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than Python's stack
        return "the body is not UTF-8 JSON, or is nested too deeply"
    if not isinstance(payload, dict) or not payload.get("type") or not payload.get("serviceUrl"):
        return "an activity is a JSON object with a type and a serviceUrl"
    if not (_has_id(payload.get("from")) and _has_id(payload.get("conversation"))):
        return "from.id and conversation.id are required"  # every activity Teams sends says who and where
    if not isinstance(payload.get("channelData", {}), dict):
        return "channelData must be an object"
    try:
        return Activity().deserialize(payload)
    except Exception as exc:  # msrest raises its own DeserializationError (or worse) for malformed fields
        return f"malformed fields ({type(exc).__name__})"


def _has_id(account: object) -> bool:
    return isinstance(account, dict) and isinstance(account.get("id"), str) and bool(account["id"])


def _delivery_key(activity: Activity) -> str | None:
    """Teams keeps an activity's id when it delivers it again; ids are unique within a conversation."""
    if not activity.id or activity.conversation is None:
        return None
    digest = hashlib.sha256(f"{activity.conversation.id}\n{activity.id}".encode()).hexdigest()
    return f"{DEDUPE_PREFIX}activity:{digest}"


def _forget(runtime: Runtime, key: str) -> None:
    """A turn that failed is not "handled": Teams' next delivery of it must run."""
    with session_scope(runtime.engine) as session:
        session.execute(delete(ProcessedEvent).where(col(ProcessedEvent.key) == key))
