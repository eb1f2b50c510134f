"""Leases: one replica at a time runs a scheduled job, on SQLite and PostgreSQL alike.

A lease is a row naming its holder and when it lapses. Taking it is one atomic upsert that only
succeeds when the row is free, lapsed or already ours, so two replicas firing the same cron at
the same second cannot both win. A holder that dies simply lets the lease lapse. Leases keep
replicas from doing the same work twice; correctness never rests on them alone (a weekly post is
also claimed as a unique row before it is sent).
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import col

from storage.db import session_scope
from storage.models import Lease


def holder_id() -> str:
    """This process, distinguishable in the table by a person reading it: host, pid and a nonce."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def try_acquire(engine: Engine, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take (or extend) the lease `name` until `now + ttl`; False when another holder has it."""
    with session_scope(engine) as session:
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        statement = (
            insert(Lease)
            .values(name=name, holder=holder, expires_at=now + ttl)
            .on_conflict_do_update(
                index_elements=["name"],
                set_={"holder": holder, "expires_at": now + ttl},
                where=or_(col(Lease.expires_at) <= now, col(Lease.holder) == holder),
            )
            .returning(col(Lease.name))
        )
        return session.execute(statement).first() is not None


def release(engine: Engine, name: str, holder: str) -> None:
    """Give the lease back early, if it is still ours."""
    with session_scope(engine) as session:
        session.execute(delete(Lease).where(col(Lease.name) == name, col(Lease.holder) == holder))
