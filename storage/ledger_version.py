"""Cheap tokens that move whenever what a period's figures read changes.

`span_versions` reads the counters that database triggers keep in `ledger_changes` (migration
0015): one per month of closing days, raised whenever a deal closed in it, its rollups or one of
its answers are added, changed or deleted (whatever code, cascade or raw SQL did it), and one for
the members, raised whenever a member joins, leaves, changes team or name. Caches of figures
computed from the ledger keep a period's result while its token is unchanged; counting rows
instead cost tens of milliseconds, and one token for the whole ledger threw every period away
at each write.

A token is the database's committed state only for a session that has not written: inside a
transaction with writes of its own, figures include what may still roll back (and on PostgreSQL
the counters move only at commit). `wrote_uncommitted` tells such a session, so caches neither
serve it nor keep what it computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import event, or_
from sqlalchemy.orm import ORMExecuteState, SessionTransaction, UOWTransaction
from sqlmodel import Session, col, select

from storage.models import LedgerChanges

MEMBERS_SCOPE = "members"


def members_version(session: Session) -> int:
    """The members' counter alone: who is in which team decides what is hidden and whose answers
    are a helper's, and names decide which words never become terms."""
    found = session.exec(select(LedgerChanges.changes).where(col(LedgerChanges.scope) == MEMBERS_SCOPE)).first()
    return int(found or 0)


def span_versions(session: Session, spans: Sequence[tuple[date, date]]) -> list[tuple[int, ...]]:
    """For each span of closing days (first, last), a token that moves whenever anything the figures
    of deals closed in it read changes: the counters of its months and the members' (migration 0015).

    One indexed read for all spans. A write about a deal closed in June moves June's token and
    leaves every span without June standing, so a cache of periods recomputes only the periods the
    write was about."""
    months = [_months(first, last) for first, last in spans]
    known: dict[str, int] = {}
    if spans:
        earliest, latest = min(span[0] for span in months), max(span[-1] for span in months)
        scope = col(LedgerChanges.scope)
        rows = session.exec(
            select(scope, col(LedgerChanges.changes)).where(
                or_(scope == MEMBERS_SCOPE, scope.between(earliest, latest))
            )
        )
        known = {name: int(changes) for name, changes in rows}
    members = known.get(MEMBERS_SCOPE, 0)
    return [(members, *(known.get(month, 0) for month in span)) for span in months]


def _months(first: date, last: date) -> list[str]:
    """The months a span of days touches, as the triggers name them ('2026-06')."""
    months: list[str] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


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
