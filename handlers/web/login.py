"""Signing in with a link from chat, and signing out.

`GET /login/<token>` only looks at the token and asks "sign in as …?": chat apps fetch links to
preview them, and that fetch must not use the link up. The button posts the form back, with a
CSRF token that is also in a short-lived cookie (so another site cannot sign a browser in as
someone else), and that redeems the token and starts the session.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from bot.access.login import LOGIN_TOKEN_LIFETIME, forget_old_login_tokens, pending_login, redeem_login_token
from bot.access.secret import new_secret
from bot.access.sessions import SESSION_LIFETIME, end_session, forget_expired_sessions, start_session
from bot.access.throttle import AttemptLimit
from bot.access.viewer import load_viewer
from bot.runtime import Runtime
from handlers.web.render import Words, render, words_for
from handlers.web.security import same_token
from handlers.web.session import (
    SESSION_COOKIE,
    DashboardRoute,
    PageError,
    PublicRoute,
    SignedInDep,
    runtime_of,
    sign_in_page,
    stranger_words,
)
from storage.db import run_transaction

LOGIN_CSRF_COOKIE = "onescore_login_csrf"
LOGIN_PATH = "/login"

router = APIRouter(include_in_schema=False, route_class=PublicRoute)
signed_in_router = APIRouter(include_in_schema=False, route_class=DashboardRoute)


def _client(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def _refused(runtime: Runtime, request: Request, words: Words, *, status: int = 401, notice: str) -> Response:
    """A failed attempt: counted against its client, and answered 429 once the client has too many."""
    limit: AttemptLimit = request.app.state.login_attempts
    client, now = _client(request), runtime.now()
    if limit.exhausted(client, now):
        return sign_in_page(words, status=429, notice_key="dashboard.login.throttled")
    limit.failed(client, now)
    return sign_in_page(words, status=status, notice_key=notice)


def _secure_cookies(runtime: Runtime, request: Request) -> bool:
    """`Secure` over https: as the browser sees it (the public URL), or as this request arrived."""
    public = (runtime.settings.public_url or "").lower()
    return request.url.scheme == "https" or public.startswith("https://")


@router.get("/login/{token}")
def confirm_login(token: str, request: Request) -> Response:
    runtime = runtime_of(request)
    words = stranger_words(runtime, request)
    with Session(runtime.engine) as session:
        member = pending_login(session, token, runtime.now())
        viewer = load_viewer(session, runtime.org, member.id) if member is not None and member.id else None
    if viewer is None:
        return _refused(runtime, request, words, notice="dashboard.login.invalid")
    words = words_for(runtime.org, viewer.language)
    name = viewer.name
    csrf = new_secret()
    response = render("login.html", words, name=name, csrf=csrf, action=f"{LOGIN_PATH}/{token}", signed=None)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        csrf,
        max_age=int(LOGIN_TOKEN_LIFETIME.total_seconds()),
        path=LOGIN_PATH,
        httponly=True,
        secure=_secure_cookies(runtime, request),
        samesite="strict",
    )
    return response


@router.post("/login/{token}")
def log_in(token: str, request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    runtime = runtime_of(request)
    words = stranger_words(runtime, request)
    if not same_token(csrf, request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _refused(runtime, request, words, status=403, notice="dashboard.error.form_expired")
    now = runtime.now()

    def work(session: Session) -> tuple[str, int] | None:
        member_id = redeem_login_token(session, token, now)
        if member_id is None:
            return None
        forget_old_login_tokens(session, now)
        forget_expired_sessions(session, now)
        return start_session(session, member_id, now).session_id, member_id

    started = run_transaction(runtime.engine, work)
    if started is None:
        return _refused(runtime, request, words, notice="dashboard.login.invalid")
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        started[0],
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        secure=_secure_cookies(runtime, request),
        samesite="lax",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=LOGIN_PATH)
    return response


@signed_in_router.post("/logout")
def log_out(signed: SignedInDep, request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    if not same_token(csrf, signed.csrf_token):
        raise PageError(403, "dashboard.error.form_expired")
    runtime = runtime_of(request)
    run_transaction(runtime.engine, lambda session: end_session(session, signed.session_id))
    response = render("signed_out.html", signed.words, signed=None)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
