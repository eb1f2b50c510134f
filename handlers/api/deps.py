"""Typed dependencies shared by the API routes."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.runtime import Runtime

_bearer = HTTPBearer(auto_error=False, description="ONESCORE_API_TOKEN")


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def require_api_token(
    runtime: RuntimeDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """Deal amounts and answers are confidential and the service faces the internet: no token, no API."""
    expected = runtime.settings.api_token
    challenge = {"WWW-Authenticate": "Bearer"}
    if not expected:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "The API is disabled: set ONESCORE_API_TOKEN on the server to enable it.",
            headers=challenge,
        )
    given = credentials.credentials if credentials and credentials.scheme.lower() == "bearer" else ""
    if not secrets.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Missing or wrong bearer token.", headers=challenge)
