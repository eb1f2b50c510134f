"""The deal ledger: deals, their participants, their closes, and the answers logged against them.

Writes are idempotent: the same description of a deal applied twice changes nothing, and a deal
reaching won or lost records exactly one `DealClose` per transition — the event that opens a
question round. Re-opening and closing again is a new transition, so a new close.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, insert, text
from sqlmodel import Session, col, select

from bot.errors import InputError, NotFound, UnknownMember, UnknownTeam
from bot.ledger.schemas import (
    AnswerInput,
    AnswerView,
    AskView,
    DealInput,
    DealView,
    ParticipantInput,
    ParticipantView,
    from_cents,
    to_cents,
)
from bot.people.directory import member_by_email, members_by_email, team_by_name, teams_by_id
from bot.periods import check_supported_day
from bot.rounds.release import request_update
from storage.models import Answer, Ask, AskStatus, Deal, DealClose, DealParticipant, Member, Stage, Team

CLOSED_STAGES = (Stage.WON.value, Stage.LOST.value)
_UNSET = object()


@dataclass
class UpsertResult:
    deal: Deal
    created: bool
    changed: bool
    closing: bool


def _as_date(value: date | datetime | None, zone: ZoneInfo, field: str) -> date | None:
    """A CRM's timestamp becomes the calendar day it was in the organisation's time zone.

    That day must be in the supported calendar too: an instant late on its last day can be the next
    year's first day here.
    """
    if not isinstance(value, datetime):
        return value
    day = (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(zone).date()
    try:
        return check_supported_day(day)
    except ValueError as exc:
        raise InputError(field, f"{exc} in the organisation's time zone") from None


class DealWriter:
    """Applies `DealInput`s for one unit of work, caching members and teams across many deals."""

    def __init__(
        self,
        session: Session,
        *,
        zone: ZoneInfo,
        default_currency: str,
        today: date,
        now: datetime,
        source: str,
        strict_members: bool = True,
    ) -> None:
        self.session = session
        self.zone = zone
        self.default_currency = default_currency
        self.today = today
        self.now = now
        self.source = source
        self.strict_members = strict_members
        self._members: dict[str, Member | None] = {}
        self._teams: dict[str, Team | None] = {}
        self._closing: list[Deal] = []
        self._reserved_ids: list[int] = []

    def reserve_ids(self, count: int) -> None:
        """Take deal ids from PostgreSQL's sequence up front for a batch of new deals.

        With their keys known, the ORM inserts a batch as one pipelined executemany instead of a
        multi-row INSERT … RETURNING, which psycopg would parse placeholder by placeholder. SQLite
        needs nothing: its multi-row insert is cheap.
        """
        if count <= 0 or self.session.get_bind().dialect.name != "postgresql":
            return
        rows = self.session.execute(
            text("SELECT nextval(pg_get_serial_sequence('deals', 'id')) FROM generate_series(1, :n)"), {"n": count}
        )
        self._reserved_ids.extend(row[0] for row in rows)

    def prefetch_members(self, emails: set[str]) -> None:
        found = members_by_email(self.session, emails - self._members.keys())
        for email in emails:
            self._members.setdefault(email, found.get(email))

    def _member(self, email: str, field: str) -> Member | None:
        if email not in self._members:
            self._members[email] = member_by_email(self.session, email)
        member = self._members[email]
        if member is None and self.strict_members:
            raise UnknownMember(field, email)
        return member

    def _team(self, name: str, field: str) -> Team:
        key = name.strip().lower()
        if key not in self._teams:
            self._teams[key] = team_by_name(self.session, key)
        team = self._teams[key]
        if team is None:
            raise UnknownTeam(field, name)
        return team

    def upsert(self, external_id: str, data: DealInput, existing: Deal | object | None = _UNSET) -> UpsertResult:
        """Apply `data`; call `flush()` before reading ids or ending the transaction."""
        deal = self._find(external_id) if existing is _UNSET else existing
        assert deal is None or isinstance(deal, Deal)
        if (
            deal is not None
            and data.source_updated_at is not None
            and deal.source_updated_at is not None
            and data.source_updated_at < deal.source_updated_at
        ):
            return UpsertResult(deal, created=False, changed=False, closing=False)

        owner = self._member(data.owner, "owner") if data.owner else None
        participants = self._resolve_participants(data.participants) if data.participants is not None else None

        created = deal is None
        if deal is None:
            if data.name is None:
                raise InputError("name", "is required when the deal is new")
            deal = Deal(
                id=self._reserved_ids.pop() if self._reserved_ids else None,
                external_id=external_id,
                name=data.name,
                currency=data.currency or self.default_currency,
                source=self.source,
                recorded_at=self.now,
                updated_at=self.now,
            )
        old_stage = None if created else deal.stage
        changed = self._apply_fields(deal, data, owner) or created
        closing = deal.stage in CLOSED_STAGES and old_stage != deal.stage
        if deal.stage == Stage.OPEN and old_stage in CLOSED_STAGES and "closed_at" not in data.model_fields_set:
            deal.closed_at = None
        if closing:
            deal.closed_at = deal.closed_at or self.today
            deal.close_seq += 1
            self._closing.append(deal)
            changed = True
        if changed:
            deal.updated_at = self.now
            self.session.add(deal)
        if participants is not None:
            if deal.id is None:
                self.session.flush()
            if self._replace_participants(deal, participants) and not changed:
                changed = True
                deal.updated_at = self.now
                self.session.add(deal)
        return UpsertResult(deal, created=created, changed=changed, closing=closing)

    def flush(self) -> int:
        """Write pending changes and record one close per deal that reached won or lost.

        Closes are written after one flush for the whole batch, as one bulk insert, so a bulk import
        inserts its deals in batches instead of flushing deal by deal to learn each new id.
        Returns how many closes were recorded.
        """
        self.session.flush()
        rows = [
            {"deal_id": d.id, "seq": d.close_seq, "outcome": d.stage, "closed_at": d.closed_at, "recorded_at": self.now}
            for d in self._closing
        ]
        self._closing.clear()
        if rows:
            self.session.execute(insert(DealClose), rows)
        return len(rows)

    def _find(self, external_id: str) -> Deal | None:
        query = select(Deal).where(Deal.external_id == external_id)
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        return self.session.exec(query).first()

    def _apply_fields(self, deal: Deal, data: DealInput, owner: Member | None) -> bool:
        given = data.model_fields_set
        values: dict[str, object] = {}
        if "name" in given and data.name is not None:
            values["name"] = data.name
        if "account" in given:
            values["account"] = data.account
        if "amount" in given:
            values["amount_cents"] = None if data.amount is None else to_cents(data.amount)
        if "currency" in given and data.currency is not None:
            values["currency"] = data.currency
        if "stage" in given and data.stage is not None:
            values["stage"] = data.stage.value
        if "owner" in given:
            values["owner_email"] = data.owner
            values["owner_id"] = owner.id if owner else None
        if "created_at" in given:
            values["created_at"] = _as_date(data.created_at, self.zone, "created_at")
        if "closed_at" in given:
            values["closed_at"] = _as_date(data.closed_at, self.zone, "closed_at")
        if "source_updated_at" in given and data.source_updated_at is not None:
            values["source_updated_at"] = data.source_updated_at
        changed = False
        for field, value in values.items():
            if getattr(deal, field) != value:
                setattr(deal, field, value)
                changed = True
        return changed

    def _resolve_participants(self, entries: list[ParticipantInput]) -> dict[int, int | None]:
        resolved: dict[int, int | None] = {}
        for index, entry in enumerate(entries):
            member = self._member(entry.member, f"participants[{index}].member")
            if member is None:
                continue
            if entry.team is not None:
                team_id = self._team(entry.team, f"participants[{index}].team").id
            else:
                team_id = member.team_id
            resolved[member.id] = team_id  # type: ignore[index]
        return resolved

    def _replace_participants(self, deal: Deal, wanted: dict[int, int | None]) -> bool:
        assert deal.id is not None, "the deal is flushed before its participants are replaced"
        current = self.session.exec(select(DealParticipant).where(DealParticipant.deal_id == deal.id)).all()
        if {p.member_id: p.team_id for p in current} == wanted:
            return False
        for row in current:
            if wanted.get(row.member_id, -1) != row.team_id:
                self.session.delete(row)
        self.session.flush()
        kept = {p.member_id for p in current if wanted.get(p.member_id, -1) == p.team_id}
        for member_id, team_id in wanted.items():
            if member_id not in kept:
                self.session.add(DealParticipant(deal_id=deal.id, member_id=member_id, team_id=team_id))
        return True


def deal_by_external_id(session: Session, external_id: str) -> Deal:
    deal = session.exec(select(Deal).where(Deal.external_id == external_id)).first()
    if deal is None:
        raise NotFound(f"no deal {external_id!r}")
    return deal


def deal_views(session: Session, deals: list[Deal]) -> list[DealView]:
    """Views of many deals with a fixed number of queries, whatever the page size."""
    ids = [d.id for d in deals]
    if not ids:
        return []
    participants: dict[int, list[DealParticipant]] = defaultdict(list)
    for p in session.exec(
        select(DealParticipant).where(col(DealParticipant.deal_id).in_(ids)).order_by(col(DealParticipant.id))
    ):
        participants[p.deal_id].append(p)
    asks: dict[int, list[Ask]] = defaultdict(list)
    for a in session.exec(select(Ask).where(col(Ask.deal_id).in_(ids)).order_by(col(Ask.id))):
        asks[a.deal_id].append(a)
    answers: dict[int, list[Answer]] = defaultdict(list)
    for answer in session.exec(select(Answer).where(col(Answer.deal_id).in_(ids)).order_by(col(Answer.id))):
        answers[answer.deal_id].append(answer)
    member_ids = {p.member_id for ps in participants.values() for p in ps}
    member_ids |= {a.member_id for xs in asks.values() for a in xs}
    member_ids |= {a.member_id for xs in answers.values() for a in xs}
    emails = (
        {m.id: m.email or m.name for m in session.exec(select(Member).where(col(Member.id).in_(member_ids)))}
        if member_ids
        else {}
    )
    teams = {i: t.name for i, t in teams_by_id(session).items()}

    return [
        DealView(
            external_id=d.external_id,
            name=d.name,
            account=d.account,
            amount=from_cents(d.amount_cents),
            currency=d.currency,
            stage=d.stage,
            owner=d.owner_email,
            participants=[
                ParticipantView(member=emails.get(p.member_id), team=teams.get(p.team_id) if p.team_id else None)
                for p in participants[d.id]  # type: ignore[index]
            ],
            created_at=d.created_at,
            closed_at=d.closed_at,
            source=d.source,
            asks=[
                AskView(
                    member=emails.get(a.member_id),
                    question=a.question,
                    status=a.status,
                    helping_team=teams.get(a.helping_team_id) if a.helping_team_id else None,
                )
                for a in asks[d.id]  # type: ignore[index]
            ],
            answers=[_answer_view(a, emails, teams) for a in answers[d.id]],  # type: ignore[index]
        )
        for d in deals
    ]


def _answer_view(answer: Answer, emails: dict[int | None, str | None], teams: dict[int, str]) -> AnswerView:
    return AnswerView(
        member=emails.get(answer.member_id),
        helping_team=teams.get(answer.helping_team_id, ""),
        impact=answer.impact,
        text=answer.text,
        quotable=answer.quotable,
        answered_at=answer.answered_at,
    )


def list_deals(
    session: Session,
    *,
    stage: Stage | None = None,
    closed_from: date | None = None,
    closed_to: date | None = None,
    owner: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Deal], int]:
    conditions: list[ColumnElement[bool] | bool] = []
    if stage is not None:
        conditions.append(Deal.stage == stage.value)
    if closed_from is not None:
        conditions.append(col(Deal.closed_at) >= closed_from)
    if closed_to is not None:
        conditions.append(col(Deal.closed_at) <= closed_to)
    if owner is not None:
        conditions.append(Deal.owner_email == owner.strip().lower())
    total = session.exec(select(func.count()).select_from(Deal).where(*conditions)).one()
    rows = session.exec(select(Deal).where(*conditions).order_by(col(Deal.id).desc()).offset(offset).limit(limit)).all()
    return list(rows), int(total)


def record_answer(
    session: Session, external_id: str, data: AnswerInput, *, source: str, now: datetime
) -> tuple[AnswerView, bool]:
    """Log an answer from outside chat. The same answer sent twice is stored once (False = existed).

    A pending ask of the same member about the same deal is marked answered by it, so an answer
    given on a web form is not asked for again in chat.
    """
    deal = deal_by_external_id(session, external_id)
    member = member_by_email(session, data.member)
    if member is None:
        raise UnknownMember("member", data.member)
    team = team_by_name(session, data.helping_team)
    if team is None:
        raise UnknownTeam("helping_team", data.helping_team)
    assert deal.id is not None and member.id is not None and team.id is not None, "stored rows have ids"

    same = session.exec(
        select(Answer).where(
            Answer.deal_id == deal.id,
            Answer.member_id == member.id,
            Answer.helping_team_id == team.id,
            Answer.impact == data.impact.value,
            Answer.text == data.text,
        )
    ).first()
    teams = {team.id: team.name}
    emails: dict[int | None, str | None] = {member.id: member.email}
    if same is not None:
        return _answer_view(same, emails, teams), False

    ask = _open_ask_for(session, deal, member, team)
    answer = Answer(
        deal_id=deal.id,
        ask_id=ask.id if ask else None,
        member_id=member.id,
        helping_team_id=team.id,
        impact=data.impact.value,
        text=data.text,
        quotable=data.quotable,
        source=source,
        answered_at=now,
        updated_at=now,
    )
    session.add(answer)
    if ask is not None:
        ask.status = AskStatus.ANSWERED
        ask.updated_at = now
        session.add(ask)
        if ask.sent_at is not None:
            request_update(session, ask, now)
    session.flush()
    return _answer_view(answer, emails, teams), True


def _open_ask_for(session: Session, deal: Deal, member: Member, team: Team) -> Ask | None:
    pending = session.exec(
        select(Ask)
        .where(Ask.deal_id == deal.id, Ask.member_id == member.id, Ask.status == AskStatus.PENDING)
        .order_by(col(Ask.id))
    ).all()
    return next((a for a in pending if a.helping_team_id == team.id), pending[0] if pending else None)
