"""The dashboard's `/insights` page: each team's kinds of help, the lessons of lost deals, corroboration.

The figures are `/api/insights`' own (`bot.insights.cache.insights_for`), privacy decided there once:
hidden teams arrive hidden, themes with too few people never arrive, examples are quotable texts.
The handler is a plain function, so FastAPI runs it in its thread pool: finding themes in a cold
period reads the database and may take seconds.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from bot.dashboard.insights import insights_csv
from bot.insights.cache import insights_for
from bot.insights.request import insights_view
from bot.periods import Period, PeriodKind, current_period
from bot.runtime import Runtime
from bot.scoring.query import ScoreQueryError, resolve_period
from bot.scoring.request import PERIOD_ERRORS
from handlers.web.pages import CSV, FormatParam, PeriodParam, _csv, _here, _neighbours
from handlers.web.render import render
from handlers.web.session import DashboardRoute, PageError, SignedInDep, runtime_of

router = APIRouter(include_in_schema=False, route_class=DashboardRoute)

TeamParam = Annotated[str | None, Query()]
SHORTCUTS = (("this_month", PeriodKind.MONTH), ("this_quarter", PeriodKind.QUARTER))
"""Themes need a month's answers or more to say much: the picker offers months and quarters."""


def _insights_period(runtime: Runtime, text: str | None) -> Period:
    """This month so far when none is given, as in chat; any week, month or quarter otherwise."""
    if not text:
        return current_period(runtime.now(), runtime.org.zone, PeriodKind.MONTH)
    try:
        return resolve_period(runtime.now(), runtime.org.zone, week=None, period=text)
    except ScoreQueryError:
        raise PageError(422, "dashboard.error.period", {"value": text}) from None


def _team(runtime: Runtime, text: str | None) -> str | None:
    if not text:
        return None
    entry = runtime.org.find_team(text)
    if entry is None:
        raise PageError(404, "dashboard.error.no_team")
    return entry.name


@router.get("/insights")
def insights_page(
    signed: SignedInDep, request: Request, period: PeriodParam = None, team: TeamParam = None, fmt: FormatParam = None
) -> Response:
    runtime = runtime_of(request)
    chosen = _insights_period(runtime, period)
    only = _team(runtime, team)
    try:
        insights = insights_for(runtime.engine, runtime.org, chosen, team=only)
    except PERIOD_ERRORS:
        raise PageError(422, "dashboard.error.period", {"value": period or ""}) from None
    if fmt == CSV:
        suffix = "" if only is None else f"-{only}"
        return _csv(insights_csv(insights), f"onescore-insights-{chosen.label}{suffix}.csv")
    words = signed.words
    view = insights_view(insights, runtime, words.language)
    before, after = _neighbours(runtime, chosen)
    return render(
        "insights.html",
        words,
        signed=signed,
        nav="insights",
        insights=insights,
        title=view.title,
        footer=view.footer,
        period=chosen,
        before=before,
        after=after,
        current=[(key, current_period(runtime.now(), runtime.org.zone, kind).label) for key, kind in SHORTCUTS],
        kept={} if only is None else {"team": only},
        team=only,
        teams=[entry.name for entry in runtime.org.teams],
        csv_url=_here(request, format=CSV),
    )
