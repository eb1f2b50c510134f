"""Insights are served from `insights_cache` while what they were computed from is unchanged.

Finding themes in a quarter takes seconds; reading a stored result takes milliseconds. Two checks
decide whether the stored result still holds:
- the probe: the period's version (`storage.ledger_version.span_versions`: the counters that the
  database's triggers raise whenever a deal closed in one of its months or one of that deal's
  answers changes, and whenever a member joins, leaves, changes team or name; one indexed read)
  and the settings. Unchanged: nothing the period's insights read changed, the stored result is
  served, however much was written about other periods meanwhile.
- the fingerprint of the period itself (how many answers, their ids, text lengths, quoting consent,
  authors, teams and latest change; the period's deals and amounts; the members' counter, since
  who is in which team decides what is hidden). Read only when the probe moved: when it still
  matches (an answer about another week of the same month, say), the result is kept.
Examples are stored as answer ids and their text is read afresh each time, so an answer withdrawn,
erased or no longer quotable never shows, even before the fingerprint notices.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.insights.corpus import answer_summary, load_corpus
from bot.insights.report import Example, Insights, insights_from, quotable_examples
from bot.organisation import Organisation
from bot.periods import Period
from storage.db import read_session, run_transaction
from storage.ledger_version import members_version, span_versions
from storage.models import Deal, InsightsCache, Stage, utcnow

_CLOSED = (Stage.WON.value, Stage.LOST.value)


def insights_for(engine: Engine, org: Organisation, period: Period, *, team: str | None = None) -> Insights:
    """The period's insights (only `team`'s with a team), from the cache when it still holds.

    The one core function every surface calls: the REST API, Slack, Teams and the dashboard. Reads
    the database and may compute for seconds: call it off the event loop."""
    key = period.label if team is None else f"{period.label}/{team}"
    with read_session(engine) as session:
        probe = _probe(session, org, period)
        cached = session.get(InsightsCache, key)
        if cached is not None and cached.probe == probe:
            return _served(session, cached.payload)
        fingerprint = period_fingerprint(session, org, period) if cached is not None else None
        computed_at = None if cached is None or cached.fingerprint != fingerprint else cached.computed_at
        if cached is not None and computed_at is not None:
            payload = cached.payload
            insights = _served(session, payload)
        else:
            corpus = load_corpus(session, org, period)
            insights = insights_from(session, org, period, corpus, team=team)
            payload = _stored(insights)
            fingerprint = period_fingerprint(session, org, period, answers=corpus.summary)
    # after the read ends: SQLite lets one transaction write at a time
    assert fingerprint is not None
    _store(engine, key, probe, fingerprint, payload, computed_at or utcnow())
    return insights


def _stored(insights: Insights) -> dict[str, Any]:
    """The result without its quotes: an answer edited, withdrawn, erased or past retention must not
    live on in the cache, so only the answers' ids are kept and their texts are read when serving."""
    ids = [e.answer_id for e in _examples(insights)]
    bare = _with_examples(insights, lambda examples: [e.model_copy(update={"text": ""}) for e in examples])
    return {"insights": bare.model_dump(mode="json"), "examples": ids}


def _served(session: Session, payload: dict[str, Any]) -> Insights:
    insights = Insights.model_validate(payload["insights"])
    ids: list[int] = payload["examples"]
    texts = quotable_examples(session, ids)
    fresh = iter([texts.get(answer_id) for answer_id in ids])

    def refill(examples: list[Example]) -> list[Example]:
        return [example for example in (next(fresh) for _ in examples) if example is not None]

    return _with_examples(insights, refill)


def _with_examples(insights: Insights, change: Callable[[list[Example]], list[Example]]) -> Insights:
    """The same insights with every theme's and lesson's examples changed, in `_examples`' order."""
    return insights.model_copy(
        update={
            "teams": [
                team.model_copy(
                    update={"themes": [t.model_copy(update={"examples": change(t.examples)}) for t in team.themes]}
                )
                for team in insights.teams
            ],
            "lost_lessons": [
                lesson.model_copy(update={"examples": change(lesson.examples)}) for lesson in insights.lost_lessons
            ],
        }
    )


def _examples(insights: Insights) -> list[Example]:
    """Every example, in the one order `_served` walks them."""
    found = [example for team in insights.teams for theme in team.themes for example in theme.examples]
    return found + [example for lesson in insights.lost_lessons for example in lesson.examples]


def _store(
    engine: Engine, key: str, probe: str, fingerprint: str, payload: dict[str, Any], computed_at: datetime
) -> None:
    def store(session: Session) -> None:
        row = session.get(InsightsCache, key)
        if row is None:
            session.add(
                InsightsCache(key=key, probe=probe, fingerprint=fingerprint, payload=payload, computed_at=computed_at)
            )
            return
        row.probe, row.fingerprint, row.payload, row.computed_at = probe, fingerprint, payload, computed_at
        session.add(row)

    run_transaction(engine, store)


def _probe(session: Session, org: Organisation, period: Period) -> str:
    [version] = span_versions(session, [(period.first, period.last)])
    return _digest([list(version), _settings(org)])


def period_fingerprint(session: Session, org: Organisation, period: Period, *, answers: list[Any] | None = None) -> str:
    """`answers`: the period's answers already summed up (`Corpus.summary`), so they are not read twice."""
    in_period = (col(Deal.stage).in_(_CLOSED), col(Deal.closed_at) >= period.first, col(Deal.closed_at) <= period.last)
    summary = answer_summary(session, period) if answers is None else answers
    deals = session.exec(
        select(func.count(), func.max(col(Deal.updated_at)), func.sum(col(Deal.amount_cents))).where(*in_period)
    ).one()
    return _digest([summary, list(deals), members_version(session), _settings(org)])


def _settings(org: Organisation) -> Any:
    return org.model_dump(mode="json", include={"min_group_size", "currency", "fx_rates", "teams"})


def _digest(parts: list[Any]) -> str:
    return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()
