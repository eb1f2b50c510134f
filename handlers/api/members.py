"""`/api/members`: who OneScore knows (from the file, the platforms' directories, or themselves),
and an admin's change of a member's team or role."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import Session

from bot.people.roster import FileDecides, MemberChange, MemberList, MemberView, change_member, member_views
from handlers.api.deps import RuntimeDep, TokenFirstRoute, require_api_token
from handlers.api.errors import error_responses
from storage.db import run_transaction, session_scope

router = APIRouter(
    prefix="/api/members",
    tags=["members"],
    dependencies=[Depends(require_api_token)],
    responses=error_responses(400, 401, 413, 422),
    route_class=TokenFirstRoute,
)


class FileDecidesBody(BaseModel):
    detail: str
    file_decides: list[Literal["team", "role"]]


Email = Annotated[str, Path(min_length=3, max_length=320, description="The member's email")]


@router.get("", response_model=MemberList, summary="Every member: team, role, platforms, active, source")
async def get_members(runtime: RuntimeDep) -> MemberList:
    def read() -> MemberList:
        with session_scope(runtime.engine) as session:
            return MemberList(members=member_views(session))

    return await asyncio.to_thread(read)


@router.put(
    "/{email}",
    response_model=MemberView,
    summary="Change a member's team or role (the organisation file still wins where it names them)",
    responses={
        409: {
            "model": FileDecidesBody,
            "description": "The organisation file decides a field asked for; named in `file_decides`",
        },
        **error_responses(404),
    },
)
async def put_member(email: Email, body: MemberChange, runtime: RuntimeDep) -> MemberView | JSONResponse:
    def work(session: Session) -> MemberView:
        return change_member(session, runtime.org, email, body, runtime.now())

    try:
        return await asyncio.to_thread(run_transaction, runtime.engine, work)
    except FileDecides as exc:
        return JSONResponse({"detail": str(exc), "file_decides": exc.fields}, status_code=status.HTTP_409_CONFLICT)
