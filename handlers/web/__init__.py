"""The web dashboard: server-rendered pages for people signed in from chat.

`install_dashboard` adds its routes and static files to the app and keeps sign-in tokens out of
the access log.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from bot.access.throttle import AttemptLimit
from handlers.web import insights_page, login, pages
from handlers.web.access_log import hide_login_tokens

STATIC = Path(__file__).parent / "static"


def install_dashboard(app: FastAPI) -> None:
    hide_login_tokens()
    app.state.login_attempts = AttemptLimit()
    app.include_router(login.router)
    app.include_router(login.signed_in_router)
    app.include_router(pages.router)
    app.include_router(insights_page.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
