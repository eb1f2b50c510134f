"""A cheap token that moves whenever deals, answers or the members' teams and names change.

One round trip of scalar subqueries, each an index lookup: the latest ids and changes of answers
and deals show what was added or edited; the counter the database's triggers raise on every
insert, update and deletion of an answer or a deal (`insights_changes`, whatever code, cascade or
raw SQL made it) shows what went, and the same counter moves when a member joins, leaves, changes
team or name; a summary of members is read beside it.
Counting rows instead cost tens of milliseconds. Caches of figures computed from the ledger keep a
result while this token is unchanged.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func
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
