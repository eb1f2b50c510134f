"""Who is signed in: the session cookie, read before anything else a page does.

`DashboardRoute` looks the cookie up before FastAPI reads a parameter, so a stranger gets the 401
sign-in page whatever the query says, never a validation error about it. Every dashboard response
passes through it and leaves with the security headers.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from bot.access.login import LOGIN_TOKEN_LIFETIME
from bot.access.sessions import active_session
from bot.access.viewer import Viewer, load_viewer
from bot.runtime import Runtime
from handlers.web.render import Words, render, words_for
from handlers.web.security import secure

SESSION_COOKIE = "onescore_session"
SUPPORTED = ("en", "fi")


@dataclass(frozen=True)
class SignedIn:
    viewer: Viewer
    csrf_token: str
    session_id: str
    words: Words


@dataclass(frozen=True)
class PageError(Exception):
    """A refusal shown as a page: `key` (and its values) says why, in the reader's language."""

    status: int
    key: str
    values: dict[str, str] = field(default_factory=dict)


def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime


def find_signed_in(runtime: Runtime, request: Request) -> SignedIn | None:
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    with Session(runtime.engine) as session:
        active = active_session(session, session_id, runtime.now())
        viewer = load_viewer(session, runtime.org, active.member_id) if active is not None else None
    if active is None or viewer is None:
        return None
    return SignedIn(viewer, active.csrf_token, session_id, words_for(runtime.org, viewer.language))


def stranger_words(runtime: Runtime, request: Request) -> Words:
    """Someone not signed in: the browser's first language when we speak it, else the organisation's."""
    wanted = request.headers.get("accept-language", "").split(",")[0].split(";")[0].strip().lower()[:2]
    return words_for(runtime.org, wanted if wanted in SUPPORTED else runtime.org.language)


def sign_in_page(words: Words, *, status: int = 401, notice_key: str | None = None) -> Response:
    minutes = int(LOGIN_TOKEN_LIFETIME.total_seconds() // 60)
    return render("sign_in.html", words, status=status, notice_key=notice_key, minutes=minutes, signed=None)


def error_page(error: PageError, signed: SignedIn) -> Response:
    return render(
        "error.html", signed.words, status=error.status, message=signed.words(error.key, **error.values), signed=signed
    )


class DashboardRoute(APIRoute):
    """A page for signed-in people only."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def signed_in_first(request: Request) -> Response:
            runtime = runtime_of(request)
            signed = await run_in_threadpool(find_signed_in, runtime, request)
            if signed is None:
                return sign_in_page(stranger_words(runtime, request))
            request.state.signed_in = signed
            try:
                response = await handler(request)
            except PageError as error:
                response = error_page(error, signed)
            except RequestValidationError:
                response = error_page(PageError(422, "dashboard.error.not_found"), signed)
            return secure(response)

        return signed_in_first


class PublicRoute(APIRoute):
    """A page anyone may open (signing in): only the security headers are added."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def with_headers(request: Request) -> Response:
            return secure(await handler(request))

        return with_headers


def get_signed_in(request: Request) -> SignedIn:
    signed: SignedIn = request.state.signed_in
    return signed


SignedInDep = Annotated[SignedIn, Depends(get_signed_in)]
