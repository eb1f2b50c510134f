"""The FastAPI application: the composition root where the core meets its edges.

Everything long-running (scheduler, queue workers, chat adapters) starts in the lifespan and stops
with it, so uvicorn's graceful shutdown on SIGTERM stops them too.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from bot.runtime import Runtime
from bot.scheduling import build_scheduler
from bot.score_posts import ScorePoster
from bot.scorecard_view import ScorecardChannel
from bot.weekly_scores import WeeklyScores
from handlers.api import deals, health, scores
from handlers.api.errors import install_error_handlers

log = logging.getLogger(__name__)


def log_chat_status(runtime: Runtime) -> None:
    for platform, reason in runtime.settings.chat_channel_status().items():
        if reason:
            log.warning("%s is off: %s", platform, reason)
        else:
            log.info("%s is on", platform)
    if not runtime.settings.api_token:
        log.warning("the REST API refuses every call: ONESCORE_API_TOKEN is not set")


def scorecard_channels(runtime: Runtime) -> dict[str, ScorecardChannel]:
    """The chat platforms this process can post scorecards to, by name (empty without credentials)."""
    return {}


def create_app(runtime: Runtime) -> FastAPI:
    poster = ScorePoster(runtime, scorecard_channels(runtime))
    weekly = WeeklyScores(runtime, poster)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.sync_organisation()
        log_chat_status(runtime)
        scheduler = build_scheduler(runtime.org.zone)
        weekly.schedule(scheduler)
        poster.start()
        scheduler.start()
        await weekly.run()
        try:
            yield
        finally:
            scheduler.shutdown(wait=False)
            await poster.stop()

    app = FastAPI(
        title="OneScore",
        summary="One outcome scorecard for every team: won business, and how each team helped win it.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.score_poster = poster
    app.state.weekly_scores = weekly
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(deals.router)
    app.include_router(scores.router)
    return app
