"""The FastAPI application: the composition root where the core meets its edges.

Everything long-running (scheduler, queue workers, chat adapters) starts in the lifespan and stops
with it, so uvicorn's graceful shutdown on SIGTERM stops them too.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI

from bot.ask_loop import TICK_SECONDS, AskLoop
from bot.dedupe import forget_before
from bot.notice_delivery import AdminNotices
from bot.ports import ChatPlatform
from bot.runtime import Runtime
from bot.scheduling import build_scheduler
from bot.score_posts import ScorePoster
from bot.scorecard_view import ScorecardChannel
from bot.weekly_scores import WeeklyScores
from handlers.api import deals, health, scores
from handlers.api.errors import install_error_handlers
from handlers.crm import routes as crm_routes
from handlers.crm.intake import CrmIntake
from handlers.slack.app import SlackAdapter, slack_enabled, slack_off_router
from handlers.slack.listeners import scores as score_commands
from handlers.slack.listeners.scores import ScoreDeps
from handlers.slack.scorecard_post import SlackScorecardChannel, slack_web_client
from handlers.teams.adapter import DEDUPE_PREFIX as TEAMS_DEDUPE_PREFIX
from handlers.teams.adapter import TeamsAdapter, teams_scorecard_channel

log = logging.getLogger(__name__)

DEDUPE_MEMORY = timedelta(days=1)


def log_chat_status(runtime: Runtime) -> None:
    for platform, reason in runtime.settings.chat_channel_status().items():
        if reason:
            log.warning("%s is off: %s", platform, reason)
        else:
            log.info("%s is on", platform)
    if not runtime.settings.api_token:
        log.warning("the REST API refuses every call: ONESCORE_API_TOKEN is not set")


def scorecard_channels(
    runtime: Runtime, slack: SlackAdapter | None = None, teams: TeamsAdapter | None = None
) -> dict[str, ScorecardChannel]:
    """The chat platforms this process can post scorecards to, by name.

    The service passes its adapters (its Teams adapter runs unauthenticated, for local testing,
    without an app id); the command line, which has none, gets clients of its own and reaches each
    platform only with its credentials.
    """
    channels: dict[str, ScorecardChannel] = {}
    if slack is not None:
        channels["slack"] = SlackScorecardChannel(slack.client)
    elif slack_enabled(runtime.settings):
        channels["slack"] = SlackScorecardChannel(slack_web_client(runtime.settings))
    if teams is not None:
        channels["teams"] = teams.scorecards
    elif runtime.settings.microsoft_app_id:
        channels["teams"] = teams_scorecard_channel(runtime)
    return channels


def create_app(runtime: Runtime, *, background: bool = True) -> FastAPI:
    """The service. `background=False` leaves the ask tick and the queue workers to the caller (tests drive
    them step by step with `app.state.ask_loop.pump()`, `app.state.score_poster.drain()`,
    `app.state.crm_intake.worker.drain()` and `app.state.admin_notices.drain()`)."""
    slack = SlackAdapter(runtime) if slack_enabled(runtime.settings) else None
    teams = TeamsAdapter(runtime)
    platforms: dict[str, ChatPlatform] = {"slack": slack.platform} if slack else {}
    platforms["teams"] = teams.platform
    ask_loop = AskLoop(runtime, platforms)
    poster = ScorePoster(runtime, scorecard_channels(runtime, slack, teams))
    weekly = WeeklyScores(runtime, poster)
    if slack:
        slack.attach(ask_loop)
        score_deps = ScoreDeps(runtime, slack.directory, poster, slack.later)
        score_commands.register(slack.bolt, score_deps)
    teams.attach(ask_loop)
    crm_intake = CrmIntake(runtime)
    notices = AdminNotices(runtime, platforms, ask_loop.outbox.recipient)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.sync_organisation()
        log_chat_status(runtime)
        scheduler = build_scheduler(runtime.org.zone)
        if background:
            scheduler.add_job(
                ask_loop.tick_and_wake,
                "interval",
                seconds=TICK_SECONDS,
                id="asks.tick",
                replace_existing=True,
                next_run_time=datetime.now(UTC),
            )
            scheduler.add_job(
                _forget_old_deliveries,
                "interval",
                hours=1,
                id="dedupe.prune",
                replace_existing=True,
                args=[runtime],
            )
            weekly.schedule(scheduler)
            ask_loop.start()
            poster.start()
            crm_intake.start()
            notices.start()
        scheduler.start()
        teams.start()
        await weekly.run()
        if slack:
            await slack.start()
        try:
            yield
        finally:
            if slack:
                await slack.stop()
            scheduler.shutdown(wait=False)
            if background:
                await ask_loop.stop()
                await poster.stop()
                await notices.stop()
            await crm_intake.stop()

    app = FastAPI(
        title="OneScore",
        summary="One outcome scorecard for every team: won business, and how each team helped win it.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.ask_loop = ask_loop
    app.state.score_poster = poster
    app.state.weekly_scores = weekly
    app.state.slack = slack
    app.state.teams = teams
    app.state.crm_intake = crm_intake
    app.state.admin_notices = notices
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(deals.router)
    app.include_router(scores.router)
    app.include_router(crm_routes.router)
    if slack and runtime.settings.slack_over_http:
        app.include_router(slack.router())
    else:
        reason = runtime.settings.chat_channel_status()["slack"] or "it runs over Socket Mode only"
        app.include_router(slack_off_router(reason))
    app.include_router(teams.router())
    return app


def _forget_old_deliveries(runtime: Runtime) -> None:
    """Slack and Teams stop redelivering within minutes; a day of memory is plenty and keeps the table small."""
    for prefix in ("slack:", TEAMS_DEDUPE_PREFIX):
        forget_before(runtime.engine, prefix, runtime.now() - DEDUPE_MEMORY)
