"""`/api/scores` and `/api/scores.csv`: the scorecard for dashboards, scripts and spreadsheets.

The interface contract in docs/reference.md fixes the paths, the parameters and the JSON keys; outside tools read them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlmodel import Session

from bot.scoring.query import ScoreQueryError, resolve_period, resolve_team
from bot.scoring.scorecard import Scorecard, compute_scorecard, scorecard_csv
from handlers.api.deps import RuntimeDep, TokenFirstRoute, require_api_token
from handlers.api.errors import error_responses, query_parameter_error

router = APIRouter(
    tags=["scores"],
    dependencies=[Depends(require_api_token)],
    responses=error_responses(400, 401, 413, 422),
    route_class=TokenFirstRoute,
)

WeekParam = Annotated[
    str | None,
    Query(max_length=16, description="An ISO week, e.g. 2026-W48; the current week so far when absent"),
]
PeriodParam = Annotated[
    str | None,
    Query(max_length=16, description="A month (2026-11) or a quarter (2026-Q4) instead of a week"),
]
TeamParam = Annotated[str | None, Query(max_length=200, description="Only this team's entry in `teams`")]


def _scorecard(
    runtime: RuntimeDep, week: WeekParam = None, period: PeriodParam = None, team: TeamParam = None
) -> Scorecard:
    """A bad parameter is a 422 in FastAPI's own shape, naming the parameter."""
    try:
        chosen = resolve_period(runtime.now(), runtime.org.zone, week=week, period=period)
        only = resolve_team(runtime.org, team)
    except ScoreQueryError as exc:
        raise query_parameter_error(exc) from None
    with Session(runtime.engine) as session:
        return compute_scorecard(session, runtime.org, chosen, team=only)


ScorecardDep = Annotated[Scorecard, Depends(_scorecard)]


@router.get("/api/scores", response_model=Scorecard, summary="The scorecard of a week, month or quarter")
def get_scores(scorecard: ScorecardDep) -> Scorecard:
    return scorecard


@router.get(
    "/api/scores.csv",
    summary="The same scorecard as CSV, for spreadsheets",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def get_scores_csv(scorecard: ScorecardDep) -> Response:
    return Response(
        scorecard_csv(scorecard),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="onescore-{scorecard.period}.csv"'},
    )
