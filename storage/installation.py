"""The id that tells this installation's chat messages from anyone else's (see `Installation`)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from storage.models import Installation


def installation_id(session: Session, now: datetime) -> str:
    """This database's id, made on first use; two replicas racing to make it agree on the winner's."""
    found = session.get(Installation, 1)
    if found is not None:
        return found.id
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(Installation)
        .values(singleton=1, id=secrets.token_hex(16), created_at=now)
        .on_conflict_do_nothing(index_elements=["singleton"])
    )
    session.flush()
    made = session.get(Installation, 1, populate_existing=True)
    assert made is not None
    return made.id
