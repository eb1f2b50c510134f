"""Typed dependencies shared by the API routes."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response, status
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

from bot.people.discovery import PeopleFinder
from bot.runtime import Runtime

_bearer = HTTPBearer(auto_error=False, description="ONESCORE_API_TOKEN")


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_people_finder(request: Request) -> PeopleFinder:
    return request.app.state.people_finder


PeopleDep = Annotated[PeopleFinder, Depends(get_people_finder)]


def check_api_token(expected: str | None, authorization: str | None) -> None:
    """Deal amounts and answers are confidential and the service faces the internet: no token, no API."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if not expected:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "The API is disabled: set ONESCORE_API_TOKEN on the server to enable it.",
            headers=challenge,
        )
    scheme, given = get_authorization_scheme_param(authorization)
    given = given if scheme.lower() == "bearer" else ""
    if not secrets.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Missing or wrong bearer token.", headers=challenge)


def require_api_token(
    runtime: RuntimeDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """The dependency that puts the bearer scheme into the OpenAPI document; `TokenFirstRoute` checks first."""
    given = f"{credentials.scheme} {credentials.credentials}" if credentials else None
    check_api_token(runtime.settings.api_token, given)


class TokenFirstRoute(APIRoute):
    """A route whose bearer token is checked before FastAPI reads the body.

    FastAPI parses a JSON body before it runs any dependency, so with the dependency alone an
    unauthenticated request with a malformed body got 422 (telling a stranger about the body's
    shape) instead of 401.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def token_first(request: Request) -> Response:
            check_api_token(get_runtime(request).settings.api_token, request.headers.get("authorization"))
            return await handler(request)

        return token_first
