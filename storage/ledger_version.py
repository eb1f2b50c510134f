"""A cheap token that moves whenever deals, answers or the members' teams and names change.

One round trip of scalar subqueries, each an index lookup: the latest ids and changes of answers
and deals show what was added or edited; the counter the database's triggers raise on every
insert, update and deletion of an answer or a deal (`insights_changes`, whatever code, cascade or
raw SQL made it) shows what went, and the same counter moves when a member joins, leaves, changes
team or name; a summary of members is read beside it.
Counting rows instead cost tens of milliseconds. Caches of figures computed from the ledger keep a
result while this token is unchanged.

The token is the database's committed state only for a session that has not written: inside a
transaction with writes of its own, figures include what may still roll back (and on PostgreSQL
the counter moves only at commit). `wrote_uncommitted` tells such a session, so caches neither
serve it nor keep what it computed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, event, func
from sqlalchemy.orm import ORMExecuteState, SessionTransaction, UOWTransaction
from sqlmodel import Session, col, select

from storage.models import Answer, Deal, InsightsChanges, Member


def ledger_version(session: Session) -> tuple[Any, ...]:
    parts: list[Select[Any]] = [
        select(func.max(col(Answer.id))),
        select(func.max(col(Answer.updated_at))),
        select(func.max(col(Deal.id))),
        select(func.max(col(Deal.updated_at))),
        select(InsightsChanges.changes).where(col(InsightsChanges.id) == 1),
        *_MEMBERS,
    ]
    return tuple(session.exec(select(*(part.scalar_subquery() for part in parts))).one())


def members_summary(session: Session) -> tuple[Any, ...]:
    """Who is in which team decides what is hidden and whose team owns a deal; names decide which
    words never become terms."""
    return tuple(session.exec(select(*(part.scalar_subquery() for part in _MEMBERS))).one())


_MEMBERS: list[Select[Any]] = [
    select(func.count()).select_from(Member),
    select(func.max(col(Member.id))),
    select(func.sum(func.coalesce(col(Member.team_id), 0) * col(Member.id))),
    select(func.count(col(Member.name))),
]


_WROTE = "ledger_wrote_uncommitted"
"""The `session.info` key set from a session's first write until its transaction ends."""


def wrote_uncommitted(session: Session) -> bool:
    return bool(session.info.get(_WROTE))


def _flushed(session: Session, _flush: UOWTransaction) -> None:
    session.info[_WROTE] = True


def _statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)


def install() -> None:
    """Watch every session's writes (idempotent: the events are registered once)."""
    if not event.contains(Session, "after_flush", _flushed):
        event.listen(Session, "after_flush", _flushed)
        event.listen(Session, "do_orm_execute", _statement)
        event.listen(Session, "after_transaction_end", _ended)
