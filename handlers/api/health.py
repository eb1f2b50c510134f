"""Liveness for load balancers and Docker: says whether the database answers, and nothing else."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from handlers.api.deps import RuntimeDep
from handlers.api.errors import error_responses
from storage.db import database_reachable

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unreachable"]


@router.get(
    "/healthz",
    summary="Liveness, with database reachability",
    responses={
        200: {"model": Health, "description": "Up, and the database answers"},
        503: {"model": Health, "description": "Up, but the database does not answer"},
        **error_responses(400, 413),
    },
)
async def healthz(runtime: RuntimeDep) -> JSONResponse:
    ok = await asyncio.to_thread(database_reachable, runtime.engine)
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "database": "ok" if ok else "unreachable"},
        status_code=200 if ok else 503,
    )
