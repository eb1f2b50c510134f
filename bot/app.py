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
from handlers.api import deals, health
from handlers.api.errors import install_error_handlers
from handlers.crm import routes as crm_routes
from handlers.crm.intake import CrmIntake

log = logging.getLogger(__name__)


def log_chat_status(runtime: Runtime) -> None:
    for platform, reason in runtime.settings.chat_channel_status().items():
        if reason:
            log.warning("%s is off: %s", platform, reason)
        else:
            log.info("%s is on", platform)
    if not runtime.settings.api_token:
        log.warning("the REST API refuses every call: ONESCORE_API_TOKEN is not set")


def create_app(runtime: Runtime) -> FastAPI:
    crm_intake = CrmIntake(runtime)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.sync_organisation()
        log_chat_status(runtime)
        scheduler = build_scheduler(runtime.org.zone)
        scheduler.start()
        crm_intake.start()
        try:
            yield
        finally:
            await crm_intake.stop()
            scheduler.shutdown(wait=False)

    app = FastAPI(
        title="OneScore",
        summary="One outcome scorecard for every team: won business, and how each team helped win it.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.crm_intake = crm_intake
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(deals.router)
    app.include_router(crm_routes.router)
    return app
