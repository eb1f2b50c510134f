"""Liveness for load balancers and Docker: says whether the database answers, and nothing else."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from handlers.api.deps import RuntimeDep
from storage.db import database_reachable

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness, with database reachability")
async def healthz(runtime: RuntimeDep) -> JSONResponse:
    ok = await asyncio.to_thread(database_reachable, runtime.engine)
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "database": "ok" if ok else "unreachable"},
        status_code=200 if ok else 503,
    )
