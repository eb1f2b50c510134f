"""The FastAPI application: the composition root where the core meets its edges.

Everything long-running (scheduler, queue workers, chat adapters) starts in the lifespan and stops
with it, so uvicorn's graceful shutdown on SIGTERM stops them too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI

from bot.durable.dedupe import forget_before
from bot.durable.scheduler import build_scheduler
from bot.insights.lexicon import warm_up
from bot.notices.delivery import AdminNotices
from bot.people.discovery import PeopleFinder
from bot.people.retention import Retention
from bot.people.sync import DirectorySync
from bot.platforms import chat_adapters, off_routers
from bot.ports import ChatPlatform
from bot.posting.posts import ScorePoster
from bot.posting.weekly import WeeklyScores
from bot.rounds.loop import TICK_SECONDS, AskLoop
from bot.runtime import Runtime
from handlers.api import deals, health, member_data, members, scores
from handlers.api import insights as insights_api
from handlers.api.body_limit import BodyLimit
from handlers.api.docs import install_docs
from handlers.api.errors import install_error_handlers
from handlers.api.headers import BaselineHeaders
from handlers.crm import routes as crm_routes
from handlers.crm.intake import CrmIntake
from handlers.web import install_dashboard

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


def create_app(runtime: Runtime, *, background: bool = True) -> FastAPI:
    """The service. `background=False` leaves the ask tick and the queue workers to the caller (tests drive
    them step by step with `app.state.ask_loop.pump()`, `app.state.score_poster.drain()`,
    `app.state.crm_intake.worker.drain()` and `app.state.admin_notices.drain()`)."""
    chats = chat_adapters(runtime)
    platforms: dict[str, ChatPlatform] = {chat.name: chat.platform for chat in chats}
    ask_loop = AskLoop(runtime, platforms)
    poster = ScorePoster(runtime, {chat.name: chat.scorecards for chat in chats})
    weekly = WeeklyScores(runtime, poster)
    for chat in chats:
        chat.attach(ask_loop, poster)
    crm_intake = CrmIntake(runtime)
    notices = AdminNotices(runtime, platforms, ask_loop.outbox.recipient)
    directory_sources = {chat.name: chat.directory_source for chat in chats}
    directory_sync = DirectorySync(runtime, directory_sources)
    people_finder = PeopleFinder(runtime, directory_sources)
    crm_intake.processor.people = people_finder

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
                args=[runtime, [chat.delivery_prefix for chat in chats]],
            )
            weekly.schedule(scheduler)
            directory_sync.schedule(scheduler, at_start=datetime.now(UTC))
            Retention(runtime).schedule(scheduler)
            threading.Thread(target=warm_up, name="insights warm-up", daemon=True).start()
            ask_loop.start()
            poster.start()
            crm_intake.start()
            notices.start()
        scheduler.start()
        await weekly.run()
        for chat in chats:
            await chat.start()
        try:
            yield
        finally:
            for chat in chats:
                await chat.stop()
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
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.state.ask_loop = ask_loop
    app.state.score_poster = poster
    app.state.weekly_scores = weekly
    app.state.chat = {chat.name: chat for chat in chats}
    app.state.crm_intake = crm_intake
    app.state.admin_notices = notices
    app.state.directory_sync = directory_sync
    app.state.people_finder = people_finder
    app.add_middleware(BodyLimit)
    app.add_middleware(BaselineHeaders)
    install_docs(app)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(deals.router)
    app.include_router(scores.router)
    app.include_router(members.router)
    app.include_router(insights_api.router)
    app.include_router(crm_routes.router)
    app.include_router(member_data.router)
    for chat_router in [chat.router() for chat in chats] + off_routers(runtime):
        app.include_router(chat_router)
    install_dashboard(app)
    return app


def _forget_old_deliveries(runtime: Runtime, prefixes: list[str]) -> None:
    """Slack and Teams stop redelivering within minutes; a day of memory is plenty and keeps the table small."""
    for prefix in prefixes:
        forget_before(runtime.engine, prefix, runtime.now() - DEDUPE_MEMORY)
