"""Deliveries already handled: a retried event, a resubmitted form, a CRM sending twice.

For a delivery that is handled whatever it holds (an event), the key is inserted before the work
starts; whoever inserts it first does the work, any later copy (even one racing in on another
replica) finds it there and does nothing. A delivery that may be refused (a form: invalid, or not
the sender's to answer) must not count as handled until it is accepted, or the corrected copy,
which arrives under the same key, would be dropped: its key is recorded in the transaction that
saves it (`mark_processed`), so a refusal leaves no trace and a repeat rolls back its own work.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from storage.db import session_scope
from storage.models import ProcessedEvent


class AlreadyProcessed(Exception):
    """Raised inside the transaction of a repeated delivery, so the work it repeated is rolled back."""


def first_time(engine: Engine, key: str, now: datetime) -> bool:
    """Record `key` in a transaction of its own; True only for the first caller ever to record it."""
    with session_scope(engine) as session:
        return _record(session, key, now)


def mark_processed(session: Session, key: str, now: datetime) -> None:
    """Record `key` in the caller's transaction, which saves the delivery; raises AlreadyProcessed
    when an earlier copy was saved (on PostgreSQL a racing copy waits here for the first to commit)."""
    if not _record(session, key, now):
        raise AlreadyProcessed(key)


def _record(session: Session, key: str, now: datetime) -> bool:
    """RETURNING tells whether the row was inserted: psycopg reports no row count (-1) for an
    INSERT … ON CONFLICT DO NOTHING, so counting rows would say "first" every time on PostgreSQL."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(ProcessedEvent)
        .values(key=key[:255], received_at=now)
        .on_conflict_do_nothing()
        .returning(col(ProcessedEvent.key))
    )
    return session.execute(statement).first() is not None


def forget_before(engine: Engine, prefix: str, cutoff: datetime) -> int:
    """Drop keys with `prefix` recorded before `cutoff` (once the sender has stopped retrying)."""
    with session_scope(engine) as session:
        result = session.execute(
            delete(ProcessedEvent).where(
                col(ProcessedEvent.key).startswith(prefix), col(ProcessedEvent.received_at) < cutoff
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
