"""Insights are served from `insights_cache` while what they were computed from is unchanged.

Finding themes in a quarter takes seconds; reading a stored result takes milliseconds. The stored
result carries a fingerprint of its period's answers (how many, their ids, text lengths, quoting
consent and latest change), of the period's deals and of the people and settings that decide
privacy. Any edit, withdrawal, erasure or new answer in the period changes it, and the next request
computes afresh; a change in another period leaves this one's result alone.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import Integer, cast, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.insights.report import Insights, compute_insights
from bot.organisation import Organisation
from bot.periods import Period
from storage.db import run_transaction
from storage.models import Answer, Deal, InsightsCache, Member, Stage

_CLOSED = (Stage.WON.value, Stage.LOST.value)


def insights_for(engine: Engine, org: Organisation, period: Period, *, team: str | None = None) -> Insights:
    """The period's insights (only `team`'s with a team), from the cache when it is still true.

    The core function every surface calls: the REST API, Slack, Teams and the dashboard. Reads the
    database and may compute for seconds: call it off the event loop."""
    key = period.label if team is None else f"{period.label}/{team}"
    with Session(engine) as session:
        fingerprint = period_fingerprint(session, org, period)
        cached = session.get(InsightsCache, key)
        if cached is not None and cached.fingerprint == fingerprint:
            return Insights.model_validate(cached.payload)
        insights = compute_insights(session, org, period, team=team)
    payload = insights.model_dump(mode="json")

    def store(session: Session) -> None:
        row = session.get(InsightsCache, key)
        if row is None:
            session.add(InsightsCache(key=key, fingerprint=fingerprint, payload=payload))
        else:
            row.fingerprint, row.payload = fingerprint, payload
            session.add(row)

    run_transaction(engine, store)
    return insights


def period_fingerprint(session: Session, org: Organisation, period: Period) -> str:
    in_period = (col(Deal.stage).in_(_CLOSED), col(Deal.closed_at) >= period.first, col(Deal.closed_at) <= period.last)
    answers = session.exec(
        select(  # type: ignore[call-overload]  # SQLModel types select() for at most four columns
            func.count(),
            func.sum(col(Answer.id)),
            func.max(col(Answer.updated_at)),
            func.sum(func.length(col(Answer.text))),
            func.sum(cast(col(Answer.quotable), Integer)),
            func.sum(col(Answer.member_id) * 7 + col(Answer.helping_team_id)),
        )
        .join(Deal, col(Deal.id) == col(Answer.deal_id))
        .where(*in_period)
    ).one()
    deals = session.exec(
        select(func.count(), func.max(col(Deal.updated_at)), func.sum(col(Deal.amount_cents))).where(*in_period)
    ).one()
    people = session.exec(
        select(func.count(), func.sum(func.coalesce(col(Member.team_id), 0)), func.max(col(Member.created_at)))
    ).one()
    settings = org.model_dump(mode="json", include={"min_group_size", "currency", "fx_rates", "teams"})
    text = json.dumps([list(answers), list(deals), list(people), settings], default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()
