"""Deliveries already handled: a retried event, a resubmitted form, a CRM sending twice.

The key is inserted before the work starts; whoever inserts it first does the work, any later
copy (even one racing in on another replica) finds it there and does nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import col

from storage.db import session_scope
from storage.models import ProcessedEvent


def first_time(engine: Engine, key: str, now: datetime) -> bool:
    """Record `key`; True only for the first caller ever to record it.

    RETURNING tells whether the row was inserted: psycopg reports no row count (-1) for an
    INSERT … ON CONFLICT DO NOTHING, so counting rows would say "first" every time on PostgreSQL.
    """
    with session_scope(engine) as session:
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
