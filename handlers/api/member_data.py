"""`/api/members/{email}/export` and `DELETE /api/members/{email}`: a person's data, handed over or erased.

The export is served as the JSON document the core writes, byte for byte what `onescore member
export` prints, so the person gets the same data whichever way an admin fetched it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from bot.people.personal_data import export_json, forget_person
from handlers.api.deps import RuntimeDep, TokenFirstRoute, require_api_token
from handlers.api.errors import error_responses

router = APIRouter(
    prefix="/api/members",
    tags=["members"],
    dependencies=[Depends(require_api_token)],
    responses=error_responses(400, 401, 413, 422),
    route_class=TokenFirstRoute,
)
Email = Annotated[
    str,
    Path(
        min_length=3,
        max_length=320,
        pattern=r"^[^\x00-\x1f\x7f]+$",  # no control characters: PostgreSQL refuses NUL in text
        description="The member's email, e.g. aino@example.com",
    ),
]


@router.get(
    "/{email}/export",
    summary="Everything stored about a member, as JSON",
    responses={200: {"content": {"application/json": {}}}, **error_responses(404)},
)
def export_member(email: Email, runtime: RuntimeDep) -> Response:
    return Response(export_json(runtime.engine, email), media_type="application/json")


@router.delete(
    "/{email}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Erase a member; their teams keep the anonymous credit (repeating it is a no-op)",
)
def forget_member(email: Email, runtime: RuntimeDep) -> Response:
    forget_person(runtime.engine, email, actor="api", now=runtime.now())
    return Response(status_code=status.HTTP_204_NO_CONTENT)
