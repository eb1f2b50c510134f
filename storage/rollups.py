"""Per-deal rollups (`deal_figures`, `deal_team_credit`), recomputed in the transaction of every write.

The scorecard of a quarter would otherwise group some 40,000 answers and as many asks; with these
tables it reads about one row per closed deal and one per (deal, helping team). They are a cache
of what the deals, asks and answers say, so they must never disagree with them:

- Every ORM flush that adds, deletes or changes a deal, ask or answer (in a column the figures
  read) recomputes those deals' rows before the flush ends (`after_flush`), so the rollups commit
  or roll back with the write itself and no write path can forget them.
- A bulk ORM `update(...)` / `delete(...)` of those tables reads the deal ids it will touch
  first and recomputes them after it ran (`do_orm_execute`).
- Core statements on a bare connection (bulk loads, the benchmark's dataset, tests that insert
  rows directly) call `refresh_deal_figures` themselves.

A recomputation deletes the deals' rows and inserts them again from the source tables in SQL. On
PostgreSQL it first locks the deals' rows in id order, so two transactions refreshing one deal take
turns and the second one computes from what the first committed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, String, case, cast, delete, event, func, insert, inspect, select, true
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, aliased
from sqlalchemy.sql.elements import SQLCoreOperations
from sqlmodel import col

from storage.models import Answer, Ask, AskStatus, Deal, DealFigures, DealTeamCredit

BATCH = 500
"""Deals recomputed per statement: keeps `IN (…)` lists well under every driver's parameter limit."""

IMPACT_RANK = {"none": 0, "some": 1, "strong": 2, "decisive": 3}
"""The impact levels' weights, as `bot.scoring.attribution` defines them (storage does not import bot)."""

_WATCHED: dict[type[Any], tuple[str, ...]] = {
    Deal: ("stage", "closed_at", "currency", "amount_cents", "owner_id"),
    Ask: ("deal_id", "status", "sent_at"),
    Answer: ("deal_id", "helping_team_id", "impact", "quotable", "answered_at"),
}
"""The columns of each source table that some rollup reads; a change elsewhere needs no refresh."""


def refresh_deal_figures(target: Session | Connection, deal_ids: Iterable[int]) -> None:
    """Recompute the rollups of `deal_ids` (deals that no longer exist just lose theirs)."""
    connection = target.connection() if isinstance(target, Session) else target
    ids = sorted(set(deal_ids))
    for first in range(0, len(ids), BATCH):
        _refresh(connection, ids[first : first + BATCH])


def refresh_all_deal_figures(connection: Connection) -> None:
    """Recompute every deal's rollups, a batch of deals at a time (a backfill, a bulk load)."""
    last = 0
    while True:
        following = select(col(Deal.id)).where(col(Deal.id) > last).order_by(col(Deal.id)).limit(BATCH)
        batch = [deal_id for deal_id in connection.execute(following).scalars() if deal_id is not None]
        if not batch:
            return
        _refresh(connection, batch)
        last = batch[-1]


def _refresh(connection: Connection, ids: Sequence[int]) -> None:
    connection.execute(select(col(Deal.id)).where(col(Deal.id).in_(ids)).order_by(col(Deal.id)).with_for_update()).all()
    connection.execute(delete(DealTeamCredit).where(col(DealTeamCredit.deal_id).in_(ids)))
    connection.execute(delete(DealFigures).where(col(DealFigures.deal_id).in_(ids)))
    connection.execute(_team_credit_rows(ids))
    connection.execute(_figure_rows(ids))


def impact_rank(impact: SQLCoreOperations[str]) -> ColumnElement[int]:
    return case(IMPACT_RANK, value=impact, else_=0)


def _team_credit_rows(ids: Sequence[int]) -> Any:
    rows = (
        select(
            col(Answer.deal_id),
            col(Answer.helping_team_id),
            col(Deal.stage),
            col(Deal.closed_at),
            func.max(impact_rank(col(Answer.impact))),
            func.count(),
        )
        .join(Deal, col(Deal.id) == col(Answer.deal_id))
        .where(col(Answer.deal_id).in_(ids))
        .group_by(col(Answer.deal_id), col(Answer.helping_team_id), col(Deal.stage), col(Deal.closed_at))
    )
    return insert(DealTeamCredit).from_select(["deal_id", "team_id", "stage", "closed_at", "rank", "answers"], rows)


def _figure_rows(ids: Sequence[int]) -> Any:
    answered = case((col(Ask.status) == AskStatus.ANSWERED.value, col(Ask.sent_at)))
    asks = (
        select(
            col(Ask.deal_id).label("deal_id"),
            func.count(col(Ask.sent_at)).label("sent"),
            func.count(answered).label("answered"),
        )
        .where(col(Ask.deal_id).in_(ids))
        .group_by(col(Ask.deal_id))
        .subquery("asks")
    )
    term = cast(col(DealTeamCredit.team_id), String) + ":" + cast(col(DealTeamCredit.rank), String)
    credit = (
        select(
            col(DealTeamCredit.deal_id).label("deal_id"),
            func.aggregate_strings(term, ",").label("pattern"),
            func.sum(col(DealTeamCredit.rank)).label("weight"),
            func.count().label("teams"),
        )
        .where(col(DealTeamCredit.deal_id).in_(ids), col(DealTeamCredit.rank) > 0)
        .group_by(col(DealTeamCredit.deal_id))
        .subquery("credit")
    )
    strongest = (
        select(col(Answer.id))
        .where(col(Answer.deal_id) == col(Deal.id), col(Answer.quotable) == true())
        .order_by(impact_rank(col(Answer.impact)).desc(), col(Answer.answered_at).desc(), col(Answer.id).desc())
        .limit(1)
        .correlate(Deal)
        .scalar_subquery()
    )
    quote = aliased(Answer)
    rows = (
        select(
            col(Deal.id),
            col(Deal.stage),
            col(Deal.closed_at),
            col(Deal.currency),
            col(Deal.amount_cents),
            col(Deal.owner_id),
            func.coalesce(asks.c.sent, 0),
            func.coalesce(asks.c.answered, 0),
            func.coalesce(credit.c.pattern, ""),
            func.coalesce(credit.c.weight, 0),
            func.coalesce(credit.c.teams, 0),
            col(quote.id),
            case((col(quote.id).is_not(None), impact_rank(col(quote.impact)))),
            col(quote.answered_at),
        )
        .outerjoin(asks, asks.c.deal_id == col(Deal.id))
        .outerjoin(quote, col(quote.id) == strongest)
        .outerjoin(credit, credit.c.deal_id == col(Deal.id))
        .where(col(Deal.id).in_(ids))
    )
    return insert(DealFigures).from_select(
        [
            "deal_id",
            "stage",
            "closed_at",
            "currency",
            "amount_cents",
            "owner_id",
            "asks_sent",
            "asks_answered",
            "credit_pattern",
            "credit_weight",
            "credit_teams",
            "quote_id",
            "quote_rank",
            "quote_at",
        ],
        rows,
    )


_PENDING = "deal_figures_touched"
"""The `session.info` key of the deals a flush under way touches."""


def _before_flush(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    """Deleted and changed rows are read before the flush, while their columns can still be loaded;
    a changed row counts only when a watched column changed (an answer moved to another deal
    touches both deals)."""
    touched: set[int] = session.info.setdefault(_PENDING, set())
    for instance in session.deleted:
        if type(instance) in _WATCHED:
            touched.update(_deal_ids(instance))
    for instance in session.dirty:
        watched = _WATCHED.get(type(instance))
        if watched is not None and _changed(instance, watched):
            touched.update(_deal_ids(instance))


def _changed(instance: Any, watched: tuple[str, ...]) -> bool:
    attributes = inspect(instance).attrs
    return any(attributes[name].history.has_changes() for name in watched)


def _deal_ids(instance: Any) -> set[int]:
    key = "id" if isinstance(instance, Deal) else "deal_id"
    history = inspect(instance).attrs[key].history
    ids = {getattr(instance, key), *history.deleted}
    return {int(value) for value in ids if value is not None}


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    """New rows have their ids only now; the refresh runs in the flush's own transaction."""
    touched: set[int] = session.info.pop(_PENDING, set())
    for instance in session.new:
        if type(instance) in _WATCHED:
            touched.update(_deal_ids(instance))
    if touched:
        refresh_deal_figures(session, touched)


def _bulk_statement(state: ORMExecuteState) -> Any:
    """An ORM bulk update or delete of a source table: its deals are read before and refreshed after."""
    if not (state.is_update or state.is_delete):
        return None
    mapper = state.bind_mapper
    entity = mapper.class_ if mapper is not None else None
    if entity not in _WATCHED:
        return None
    key = Deal.id if entity is Deal else entity.deal_id
    where = state.statement.whereclause  # type: ignore[attr-defined]
    query = select(col(key)) if where is None else select(col(key)).where(where)
    touched = set(state.session.connection().execute(query).scalars().all())
    result = state.invoke_statement()
    refresh_deal_figures(state.session, touched)
    return result


def install() -> None:
    """Maintain the rollups in every session (idempotent: the events are registered once)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _bulk_statement)
