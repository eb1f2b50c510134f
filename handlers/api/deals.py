"""`/api/deals`: the deal ledger over REST (the interface contract in docs/reference.md fixes the paths and bodies)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status
from sqlmodel import Session

from bot.ledger.deals import deal_by_external_id, deal_views, list_deals, record_answer
from bot.ledger.schemas import AnswerInput, AnswerView, DealInput, DealPage, DealView
from handlers.api.deps import PeopleDep, RuntimeDep, TokenFirstRoute, require_api_token
from handlers.api.errors import error_responses
from storage.db import run_transaction, session_scope
from storage.models import Stage

router = APIRouter(
    prefix="/api/deals",
    tags=["deals"],
    dependencies=[Depends(require_api_token)],
    responses=error_responses(400, 401, 413, 422),
    route_class=TokenFirstRoute,
)
ExternalId = Annotated[str, Path(min_length=1, max_length=255, description="The CRM's id, e.g. hubspot:123")]


@router.put(
    "/{external_id}",
    response_model=DealView,
    summary="Create or update a deal (idempotent); moving it to won or lost opens its question round once",
    responses={201: {"model": DealView, "description": "Created"}},
)
async def put_deal(
    external_id: ExternalId, body: DealInput, runtime: RuntimeDep, people: PeopleDep, response: Response
) -> DealView:
    def work(session: Session) -> tuple[DealView, bool]:
        writer = runtime.deal_writer(session, source="api")
        result = writer.upsert(external_id, body)
        writer.flush()
        return deal_views(session, [result.deal])[0], result.created

    await people.adopt([body.owner, *(p.member for p in body.participants or [])])
    view, created = await asyncio.to_thread(run_transaction, runtime.engine, work)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return view


@router.get(
    "/{external_id}",
    response_model=DealView,
    summary="A deal with its asks and answers",
    responses=error_responses(404),
)
def get_deal(external_id: ExternalId, runtime: RuntimeDep) -> DealView:
    with session_scope(runtime.engine) as session:
        return deal_views(session, [deal_by_external_id(session, external_id)])[0]


@router.get("", response_model=DealPage, summary="Deals, newest first, with their asks and answers")
def get_deals(
    runtime: RuntimeDep,
    stage: Stage | None = None,
    closed_from: Annotated[date | None, Query(description="First close date included")] = None,
    closed_to: Annotated[date | None, Query(description="Last close date included")] = None,
    owner: Annotated[str | None, Query(max_length=320, description="Owner's email")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> DealPage:
    with session_scope(runtime.engine) as session:
        deals, total = list_deals(
            session,
            stage=stage,
            closed_from=closed_from,
            closed_to=closed_to,
            owner=owner,
            limit=limit,
            offset=offset,
        )
        return DealPage(deals=deal_views(session, deals), total=total, limit=limit, offset=offset)


@router.post(
    "/{external_id}/answers",
    response_model=AnswerView,
    status_code=status.HTTP_201_CREATED,
    summary="Log an answer from outside chat (imports, web forms); the same answer twice is kept once",
    responses={
        200: {"model": AnswerView, "description": "This exact answer was already logged"},
        **error_responses(404),
    },
)
def post_answer(external_id: ExternalId, body: AnswerInput, runtime: RuntimeDep, response: Response) -> AnswerView:
    def work(session: Session) -> tuple[AnswerView, bool]:
        return record_answer(session, external_id, body, source="api", now=runtime.now())

    view, created = run_transaction(runtime.engine, work)
    if not created:
        response.status_code = status.HTTP_200_OK
    return view
