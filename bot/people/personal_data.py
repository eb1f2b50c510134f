"""Everything stored about one person: handed to them (export) or erased on request (forget).

Erasure keeps the scorecards true. A person's answers credited a team with an impact on a deal,
their deals counted for their team, their asks made the answer rate: so the member row stays as an
anonymous placeholder holding only a team (and an id the credit rows point at), asks keep only
that they were sent and how they ended, and answers keep only (deal, helping team, impact). Every
word the person wrote and every way to recognise or reach them goes: name, email, chat ids,
preferences, the questions they were asked, the free text of their answers, where their messages
were delivered, what the queues and the redelivery memory hold about them.

Export and erasure look at the same rows, so what a person is shown is exactly what forgetting
them removes. Tables this module does not know by name (added later) are searched too: rows that
point at the member or mention one of their identifiers are exported, and deleted on erasure.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ColumnElement, String, Table, Text, case, cast, delete, false, or_, update
from sqlalchemy import select as select_rows
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col
from sqlmodel import select as select_model

from bot.errors import NotFound
from bot.people.directory import member_by_email, teams_by_id
from storage.db import run_transaction
from storage.models import (
    Answer,
    Ask,
    AskStatus,
    ConversationRef,
    Deal,
    DealParticipant,
    Erasure,
    Job,
    Member,
    ProcessedEvent,
)

log = logging.getLogger(__name__)

ERASED_TEXT = ""
"""What an erased free text becomes: empty, so no placeholder can be mistaken for the person's words."""

KNOWN_TABLES = frozenset(
    str(t.__tablename__)
    for t in (Member, Deal, DealParticipant, Ask, Answer, ConversationRef, Job, ProcessedEvent, Erasure)
)
"""Tables handled by name below."""
ABOUT_NO_ONE = frozenset({"teams", "deal_closes", "score_posts", "leases", "installation"})
"""Tables that hold nothing about a person. Any table in neither set is searched generically."""


@dataclass(frozen=True)
class Person:
    """A member and the strings that identify them anywhere in the database."""

    member: Member
    identifiers: tuple[str, ...]

    @property
    def member_id(self) -> int:
        assert self.member.id is not None
        return self.member.id


@dataclass(frozen=True)
class ErasureResult:
    rows: int
    """Rows changed or deleted; 0 when there was nobody (left) to forget."""
    erasure_id: int | None
    listed_in_file: bool = False
    """The person is in the organisation file too: the next start adds them again unless it is edited."""


Who = str | int
"""A member by email (admins, the REST API) or by id (a chat user the platform already matched)."""


def find_person(session: Session, who: Who) -> Person | None:
    """The member, unless already forgotten."""
    member = session.get(Member, who) if isinstance(who, int) else member_by_email(session, who)
    if member is None or member.erased_at is not None:
        return None
    ids = (member.email, member.slack_id, member.teams_id, member.aad_object_id)
    return Person(member, tuple(sorted({i for i in ids if i})))


def export_person(session: Session, who: Who) -> dict[str, Any]:
    """Every row about the person, as JSON-ready dicts grouped by what they are."""
    person = find_person(session, who)
    if person is None:
        raise NotFound(f"no member {who!r}")
    mid = person.member_id
    teams = {i: t.name for i, t in teams_by_id(session).items()}
    asks = list(session.exec(select_model(Ask).where(col(Ask.member_id) == mid).order_by(col(Ask.id))).all())
    answers = list(
        session.exec(select_model(Answer).where(col(Answer.member_id) == mid).order_by(col(Answer.id))).all()
    )
    taking_part = list(session.exec(select_model(DealParticipant).where(col(DealParticipant.member_id) == mid)).all())
    deal_ids = {a.deal_id for a in asks} | {a.deal_id for a in answers} | {p.deal_id for p in taking_part}
    deals = _external_ids(session, deal_ids)
    member = _row(person.member) | {"team": teams.get(person.member.team_id or 0)}
    return {
        "member": member,
        "asks": [_row(a) | {"deal": deals.get(a.deal_id)} for a in asks],
        "answers": [
            _row(a) | {"deal": deals.get(a.deal_id), "helping_team": teams.get(a.helping_team_id)} for a in answers
        ],
        "deals_owned": [_row(d) for d in session.exec(_owned_deals(person).order_by(col(Deal.id)))],
        "deals_taking_part": [
            _row(p) | {"deal": deals.get(p.deal_id), "team": teams.get(p.team_id or 0)} for p in taking_part
        ],
        "conversation_refs": [_row(r) for r in session.exec(select_model(ConversationRef).where(_refs_of(person)))],
        "notices_and_messages": [
            _row(j) for j in session.exec(select_model(Job).where(_jobs_about(person)).order_by(col(Job.id)))
        ],
        "deliveries_remembered": [
            _row(e) for e in session.exec(select_model(ProcessedEvent).where(_mentions(_table(ProcessedEvent), person)))
        ],
        "other": {
            table.name: [dict(row._mapping) for row in session.execute(select_rows(table).where(clause))]
            for table, clause in _other_tables(person)
        },
    }


def export_json(engine: Engine, who: Who) -> str:
    """The export as a JSON document (UTF-8 text, letters and emoji kept as they are)."""
    with Session(engine) as session:
        data = export_person(session, who)
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def forget_person(engine: Engine, who: Who, *, actor: str, now: datetime) -> ErasureResult:
    """Erase the person; forgetting someone already forgotten (or never known) changes nothing."""
    return run_transaction(engine, lambda session: _forget(session, who, actor, now))


def _forget(session: Session, who: Who, actor: str, now: datetime) -> ErasureResult:
    person = find_person(session, who)
    if person is None:
        return ErasureResult(rows=0, erasure_id=None)
    listed_in_file = person.member.from_config
    rows = _delete_traces(session, person) + _strip_records(session, person, now)
    _anonymise(session, person.member, now)
    rows += 1
    erasure = Erasure(erased_at=now, kind="member", actor=actor, rows=rows)
    session.add(erasure)
    session.flush()
    log.info("erasure %s: a member was forgotten at the request of %s (%d rows)", erasure.id, actor, rows)
    if listed_in_file:
        log.warning("erasure %s: the member is still listed in the organisation file; remove them there", erasure.id)
    return ErasureResult(rows=rows, erasure_id=erasure.id, listed_in_file=listed_in_file)


def _delete_traces(session: Session, person: Person) -> int:
    """Rows that exist only because of the person: work queued about them, where they were
    reached, deliveries naming them, asks never sent to them, and rows of tables added later."""
    mid = person.member_id
    rows = _count(session.execute(delete(Job).where(_jobs_about(person))))
    rows += _count(session.execute(delete(ConversationRef).where(_refs_of(person))))
    rows += _count(session.execute(delete(ProcessedEvent).where(_mentions(_table(ProcessedEvent), person))))
    for table, clause in _other_tables(person):
        rows += _count(session.execute(delete(table).where(clause)))
    unsent = delete(Ask).where(
        col(Ask.member_id) == mid, col(Ask.sent_at).is_(None), col(Ask.status) != AskStatus.ANSWERED.value
    )
    return rows + _count(session.execute(unsent))


def _strip_records(session: Session, person: Person, now: datetime) -> int:
    """Rows the scorecards count, kept without their words: a sent ask keeps whether it was
    answered (a pending one expires, so nobody is reminded), an answer its deal, team and impact."""
    mid = person.member_id
    still_pending = case((col(Ask.status) == AskStatus.PENDING.value, AskStatus.EXPIRED.value), else_=col(Ask.status))
    asks = update(Ask).where(col(Ask.member_id) == mid)
    rows = _count(
        session.execute(asks.values(question=ERASED_TEXT, message_ref=None, status=still_pending, updated_at=now))
    )
    answers = update(Answer).where(col(Answer.member_id) == mid)
    rows += _count(session.execute(answers.values(text=ERASED_TEXT, quotable=False, updated_at=now)))
    if person.member.email:
        owned = update(Deal).where(col(Deal.owner_email) == person.member.email)
        rows += _count(session.execute(owned.values(owner_email=None)))
    return rows


def _anonymise(session: Session, member: Member, now: datetime) -> None:
    """Keep the row (its id carries the team's credit) and nothing that says whose it was."""
    for field in ("email", "name", "slack_id", "teams_id", "aad_object_id", "timezone", "language"):
        setattr(member, field, None)
    member.unreachable_reason = None
    member.from_config = False
    member.role = "observer"
    member.erased_at = now
    member.active = False
    member.directory_seen_at = None
    session.add(member)
    session.flush()


def _external_ids(session: Session, deal_ids: set[int]) -> dict[int, str]:
    if not deal_ids:
        return {}
    rows = session.exec(select_model(Deal.id, Deal.external_id).where(col(Deal.id).in_(deal_ids))).all()
    return {deal_id: external_id for deal_id, external_id in rows if deal_id is not None}


def _owned_deals(person: Person) -> Any:
    owned = col(Deal.owner_id) == person.member_id
    if person.member.email:
        owned = or_(owned, col(Deal.owner_email) == person.member.email)
    return select_model(Deal).where(owned)


def _refs_of(person: Person) -> ColumnElement[bool]:
    return or_(col(ConversationRef.member_id) == person.member_id, _mentions(_table(ConversationRef), person))


def _jobs_about(person: Person) -> ColumnElement[bool]:
    """Queued and finished work about the person: about their asks, addressed to them (notices), or
    naming them. Payload ids are compared as text, which reads the same on SQLite and PostgreSQL and
    cannot fail on a payload whose id is not a number."""
    payload = _table(Job).c.payload
    their_asks = select_rows(cast(col(Ask.id), String)).where(col(Ask.member_id) == person.member_id)
    return or_(
        cast(payload["ask_id"].as_string(), String).in_(their_asks),
        cast(payload["member_id"].as_string(), String) == str(person.member_id),
        _mentions(_table(Job), person),
    )


def _mentions(table: Table | Any, person: Person) -> ColumnElement[bool]:
    """Any text or JSON column of the table containing one of the person's identifiers.

    JSON is compared as its stored text, where a non-ASCII letter may be written as `\\uXXXX`, so
    each identifier is looked for both as it is and as JSON escapes it."""
    clauses: list[ColumnElement[bool]] = []
    for column in table.columns:
        if isinstance(column.type, JSON):
            text = cast(column, Text)
            for identifier in person.identifiers:
                escaped = json.dumps(identifier)[1:-1]
                clauses += [text.contains(identifier, autoescape=True), text.contains(escaped, autoescape=True)]
        elif isinstance(column.type, String):
            clauses += [column.contains(identifier, autoescape=True) for identifier in person.identifiers]
    return or_(false(), *clauses)


def _other_tables(person: Person) -> Iterable[tuple[Table, ColumnElement[bool]]]:
    """Tables added after this module was written: rows pointing at the member, or mentioning them."""
    for table in SQLModel.metadata.sorted_tables:
        if table.name in KNOWN_TABLES or table.name in ABOUT_NO_ONE:
            continue
        clause = _mentions(table, person)
        for column in table.columns:
            if any(fk.column.table.name == "members" for fk in column.foreign_keys):
                clause = or_(clause, column == person.member_id)
        yield table, clause


def _table(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def _count(result: Any) -> int:
    return int(result.rowcount)


def _row(record: SQLModel) -> dict[str, Any]:
    return record.model_dump(mode="json")
