"""The dashboard's pages: the scorecard, a team over time, the deals and one deal.

Each page reads through the core (the scorecard is `/api/scores`' own, privacy rule included) and
`?format=csv` downloads what the page shows. Handlers are plain functions: FastAPI runs them in
its thread pool, off the event loop, because they read the database.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from sqlmodel import Session
from starlette.responses import Response

from bot.dashboard.deal import DealDetail, deal_detail
from bot.dashboard.deals import DealFilters, DealPage, deal_owners, list_deals, read_deal_filters
from bot.dashboard.export import table_csv
from bot.dashboard.team import TeamHistory, team_history
from bot.errors import HiddenTeam, InputError
from bot.periods import FIRST_YEAR, Period, PeriodKind, current_period, local_date
from bot.runtime import Runtime
from bot.scoring.query import ScoreQueryError, resolve_period
from bot.scoring.request import PERIOD_ERRORS
from bot.scoring.scorecard import Scorecard, compute_scorecard, scorecard_csv
from bot.scoring.view import period_name, scorecard_title, scorecard_view
from handlers.web.charts import Bar, bars
from handlers.web.render import Words, render
from handlers.web.session import DashboardRoute, PageError, SignedInDep, runtime_of
from storage.models import Stage

router = APIRouter(include_in_schema=False, route_class=DashboardRoute)

PeriodParam = Annotated[str | None, Query()]
FormatParam = Annotated[str | None, Query(alias="format")]
CSV = "csv"


def _period(runtime: Runtime, text: str | None) -> Period:
    try:
        return resolve_period(runtime.now(), runtime.org.zone, week=None, period=text)
    except ScoreQueryError:
        raise PageError(422, "dashboard.error.period", {"value": text or ""}) from None


def _neighbours(runtime: Runtime, period: Period) -> tuple[Period | None, Period | None]:
    """The periods before and after, for stepping through: none before the supported calendar, none
    after the one running now."""
    try:
        before: Period | None = period.shifted(-1)
    except ValueError:
        before = None
    if before is not None and before.year < FIRST_YEAR:
        before = None
    try:
        after: Period | None = period.shifted(1)
    except ValueError:
        after = None
    if after is not None and after.first > local_date(runtime.now(), runtime.org.zone):
        after = None
    return before, after


def _current_periods(runtime: Runtime) -> list[tuple[str, str]]:
    """The week, month and quarter running now, as (catalogue key, label) for the picker's shortcuts."""
    kinds = (("this_week", PeriodKind.WEEK), ("this_month", PeriodKind.MONTH), ("this_quarter", PeriodKind.QUARTER))
    return [(key, current_period(runtime.now(), runtime.org.zone, kind).label) for key, kind in kinds]


def _period_heading(period: Period, words: Words) -> str:
    """A period as a row's label: "viikko 48/2026" starts a sentence in Finnish, "Viikko 48/2026" a row."""
    name = period_name(period, words.language)
    return name[:1].upper() + name[1:]


def _csv(text: str, filename: str) -> Response:
    return Response(text, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": attachment(filename)})


def attachment(filename: str) -> str:
    """A Content-Disposition for a download named after anything (a team called "Myynti – Pohjoinen 🚀").

    Headers travel as Latin-1, and a quote, a backslash or a line break in a name would end the
    header's value early: the plain `filename` keeps only characters safe everywhere, and
    `filename*` (RFC 6266) carries the whole name, UTF-8 and percent-encoded, for browsers to use."""
    plain = _UNSAFE_IN_FILENAME.sub("_", filename)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]")


def _here(request: Request, **changes: str | None) -> str:
    """This page's URL with some query values changed (None removes one)."""
    query = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    encoded = urlencode(query)
    return f"{request.url.path}?{encoded}" if encoded else request.url.path


@router.get("/")
def scorecard_page(
    signed: SignedInDep, request: Request, period: PeriodParam = None, fmt: FormatParam = None
) -> Response:
    runtime = runtime_of(request)
    chosen = _period(runtime, period)
    try:
        with Session(runtime.engine) as session:
            card = compute_scorecard(session, runtime.org, chosen)
    except PERIOD_ERRORS:
        raise PageError(422, "dashboard.error.period", {"value": period or ""}) from None
    if fmt == CSV:
        return _csv(scorecard_csv(card), f"onescore-{card.period}.csv")
    words = signed.words
    view = scorecard_view(card, runtime.org, words.language, runtime.now())
    before, after = _neighbours(runtime, chosen)
    return render(
        "scorecard.html",
        words,
        signed=signed,
        nav="scorecard",
        card=card,
        title=scorecard_title(view),
        period=chosen,
        before=before,
        after=after,
        current=_current_periods(runtime),
        trend=_trend_bars(card, words),
        shares=_share_bars(card, words, chosen),
        min_group_size=runtime.org.min_group_size,
        model=words(f"scorecard.model.{card.attribution}"),
        csv_url=_here(request, format=CSV),
        period_name=lambda p: _period_heading(p, words),
    )


def _trend_bars(card: Scorecard, words: Words) -> list[Bar]:
    points = [(point.period, point.won_revenue) for point in card.trend] + [(card.period, card.won_revenue)]
    return bars(
        [
            (_period_heading(Period.parse(label), words), float(amount), words.money(amount, card.currency), None)
            for label, amount in points
        ]
    )


def _share_bars(card: Scorecard, words: Words, period: Period) -> list[Bar]:
    rows = []
    for team in card.teams:
        amount = None if team.hidden or team.attributed_revenue is None else float(team.attributed_revenue)
        text = words("dashboard.hidden") if amount is None else words.money(team.attributed_revenue, card.currency)
        rows.append((words.team(team.team), amount, text, f"/teams/{quote(team.team)}?period={period.label}"))
    return bars(rows)


@router.get("/teams/{name:path}")
def team_page(
    name: str, signed: SignedInDep, request: Request, period: PeriodParam = None, fmt: FormatParam = None
) -> Response:
    runtime = runtime_of(request)
    entry = runtime.org.find_team(name)
    if entry is None:
        raise PageError(404, "dashboard.error.no_team")
    through = _period(runtime, period)
    try:
        with Session(runtime.engine) as session:
            history = team_history(session, runtime.org, entry.name, through)
    except PERIOD_ERRORS:
        raise PageError(422, "dashboard.error.period", {"value": period or ""}) from None
    words = signed.words
    currency = runtime.org.currency
    before, after = _neighbours(runtime, through)
    if fmt == CSV:
        return _csv(_team_csv(history, currency), f"onescore-{entry.name}-{through.label}.csv")
    chart = bars(
        [
            (
                _period_heading(row.period, words),
                row.attributed_cents / 100,
                words.money(_money(row.attributed_cents), currency),
                None,
            )
            for row in history.periods
        ]
    )
    return render(
        "team.html",
        words,
        signed=signed,
        nav="scorecard",
        team=entry.name,
        history=history,
        model=words(f"scorecard.model.{runtime.org.attribution}"),
        chart=chart,
        currency=currency,
        through=through,
        before=before,
        after=after,
        current=_current_periods(runtime),
        money=lambda cents: words.money(_money(cents), currency),
        period_name=lambda p: _period_heading(p, words),
        min_group_size=runtime.org.min_group_size,
        csv_url=_here(request, format=CSV),
        deals_url="/deals?" + urlencode({"team": entry.name}),
    )


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _team_csv(history: TeamHistory, currency: str) -> str:
    header = ("period", "currency", "influenced_revenue", "attributed_revenue", "answers", "collaboration_share")
    rows = [
        (
            row.period.label,
            currency,
            _money(row.influenced_cents),
            _money(row.attributed_cents),
            row.answers,
            None if row.collaboration_share is None else round(row.collaboration_share, 4),
        )
        for row in history.periods
    ]
    return table_csv(header, rows)


@router.get("/deals")
def deals_page(
    signed: SignedInDep,
    request: Request,
    stage: Annotated[str | None, Query()] = None,
    period: PeriodParam = None,
    team: Annotated[str | None, Query()] = None,
    owner: Annotated[str | None, Query()] = None,
    page: Annotated[str | None, Query()] = None,
    fmt: FormatParam = None,
) -> Response:
    runtime = runtime_of(request)
    try:
        filters = read_deal_filters(runtime.org, stage=stage, period=period, team=team, owner=owner, page=page)
    except InputError as exc:
        given = {"stage": stage, "period": period, "team": team, "page": page}.get(exc.field)
        raise PageError(422, f"dashboard.error.{exc.field}", {"value": given or ""}) from None
    with Session(runtime.engine) as session:
        try:
            found = list_deals(session, runtime.org, filters)
        except HiddenTeam:
            raise PageError(422, "dashboard.error.team_hidden", {"value": team or ""}) from None
        owners = deal_owners(session)
    if fmt == CSV:
        return _csv(_deals_csv(found), "onescore-deals.csv")
    return render(
        "deals.html",
        signed.words,
        signed=signed,
        nav="deals",
        found=found,
        filters=filters,
        owners=owners,
        stages=[stage.value for stage in Stage],
        teams=found.teams,
        previous_url=_here(request, page=str(filters.page - 1)) if filters.page > 1 else None,
        next_url=_here(request, page=str(filters.page + 1)) if found.has_next else None,
        csv_url=_here(request, format=CSV),
        filtered=_any_filter(filters),
        deal_url=_deal_url,
    )


def _any_filter(filters: DealFilters) -> bool:
    return any(value is not None for value in (filters.stage, filters.period, filters.team, filters.owner))


def _deal_url(external_id: str) -> str:
    return "/deals/" + quote(external_id, safe="")


def _deals_csv(found: DealPage) -> str:
    header = ("external_id", "name", "account", "stage", "amount", "currency", "owner", "owner_team", "closed_at")
    rows = [
        (r.external_id, r.name, r.account, r.stage, r.amount, r.currency, r.owner, r.owner_team, r.closed_at)
        for r in found.rows
    ]
    return table_csv(header, rows)


@router.get("/deals/{external_id:path}")
def deal_page(external_id: str, signed: SignedInDep, request: Request, fmt: FormatParam = None) -> Response:
    runtime = runtime_of(request)
    with Session(runtime.engine) as session:
        deal = deal_detail(session, runtime.org, external_id, signed.viewer)
    if deal is None:
        raise PageError(404, "dashboard.error.no_deal")
    if fmt == CSV:
        return _csv(_deal_csv(deal), "onescore-deal.csv")
    return render(
        "deal.html",
        signed.words,
        signed=signed,
        nav="deals",
        deal=deal,
        csv_url=_here(request, format=CSV),
    )


def _deal_csv(deal: DealDetail) -> str:
    header = ("external_id", "deal", "helping_team", "impact", "answered_at", "quotable", "text")
    rows = [(deal.external_id, deal.name, a.team, a.impact, a.answered_at, a.quotable, a.text) for a in deal.answers]
    return table_csv(header, rows)
