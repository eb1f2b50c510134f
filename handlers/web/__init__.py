"""The web dashboard: server-rendered pages for people signed in from chat.

`install_dashboard` adds its routes and static files to the app and keeps sign-in tokens out of
the access log.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

from bot.access.throttle import AttemptLimit
from handlers.web import insights_page, login, pages
from handlers.web.access_log import hide_login_tokens
from handlers.web.security import SECURITY_HEADERS

STATIC = Path(__file__).parent / "static"


def install_dashboard(app: FastAPI) -> None:
    hide_login_tokens()
    app.state.login_attempts = AttemptLimit()
    app.include_router(login.router)
    app.include_router(login.signed_in_router)
    app.include_router(pages.router)
    app.include_router(insights_page.router)
    app.mount("/static", _SecuredFiles(directory=STATIC), name="static")


class _SecuredFiles(StaticFiles):
    """The stylesheet and images with the pages' own headers, but cacheable: they change only with a release."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update({name: value for name, value in SECURITY_HEADERS.items() if name != "Cache-Control"})
        return response
