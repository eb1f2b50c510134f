"""`GET /api/insights`: what the period's answers say — themes of help, lessons of lost deals, agreement.

The interface contract in docs/reference.md fixes the path, the parameters and the JSON keys.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from bot.insights.cache import insights_for
from bot.insights.report import Insights
from bot.scoring.query import ScoreQueryError, resolve_period, resolve_team
from handlers.api.deps import RuntimeDep, TokenFirstRoute, require_api_token
from handlers.api.errors import error_responses, query_parameter_error

router = APIRouter(
    tags=["insights"],
    dependencies=[Depends(require_api_token)],
    responses=error_responses(400, 401, 413, 422),
    route_class=TokenFirstRoute,
)

PeriodParam = Annotated[
    str | None,
    Query(
        max_length=16, description="A week (2026-W48), a month (2026-11) or a quarter (2026-Q4); this week when absent"
    ),
]
TeamParam = Annotated[str | None, Query(max_length=200, description="Only this team's themes and corroboration")]


@router.get("/api/insights", response_model=Insights, summary="Themes of help, lessons of lost deals, agreement")
def get_insights(runtime: RuntimeDep, period: PeriodParam = None, team: TeamParam = None) -> Insights:
    """A bad period or team is a 422 in FastAPI's own shape, naming the parameter."""
    try:
        chosen = resolve_period(runtime.now(), runtime.org.zone, week=None, period=period)
        only = resolve_team(runtime.org, team)
    except ScoreQueryError as exc:
        raise query_parameter_error(exc) from None
    return insights_for(runtime.engine, runtime.org, chosen, team=only)
