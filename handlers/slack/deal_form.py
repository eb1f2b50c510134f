"""`/onescore deal`: a deal registered, updated or closed from Slack, through the same ledger as REST.

Closing a deal moves everyone's score, so only the deal's owner, leads and admins may mark it won
or lost here. A new deal's external id is `slack:<view id>`, so a form submitted twice creates one
deal; an existing deal keeps its own id (a CRM's, say), and fields left empty keep their values.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, select

from bot.durable.dedupe import mark_processed
from bot.errors import InputError
from bot.ledger.schemas import DealInput
from bot.organisation import Role
from handlers.slack.deps import ONESCORE, SlackDeps
from handlers.slack.listeners.payload import element, record_id, selected, text, texts
from prompts import message
from storage.db import run_transaction
from storage.models import Deal, Member

State = dict[str, dict[str, dict[str, Any]]]
CLOSING = ("won", "lost")
CLOSERS = (Role.LEAD.value, Role.ADMIN.value)


@dataclass(frozen=True)
class DealForm:
    view_id: str
    existing_id: int | None = None
    name: str | None = None
    account: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    stage: str | None = None
    owner: str | None = None
    participants: tuple[str, ...] = ()
    closed_at: date | None = None

    @classmethod
    def from_state(cls, view_id: str, values: State) -> DealForm:
        """The form as submitted; a value of the wrong type or shape counts as left empty."""

        def given(block: str, key: str = "value") -> str | None:
            value = (text(element(values, block).get(key)) or "").strip()
            return value or None

        return cls(
            view_id=view_id,
            existing_id=record_id(selected(element(values, "existing"))),
            name=given("name"),
            account=given("account"),
            amount=_decimal(given("amount")),
            currency=given("currency"),
            stage=selected(element(values, "stage")),
            owner=given("owner", "selected_user"),
            participants=texts(element(values, "participants").get("selected_users")),
            closed_at=_date(given("closed_at", "selected_date")),
        )


@dataclass
class SaveOutcome:
    errors: dict[str, str] = field(default_factory=dict)
    deal_name: str = ""


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _decimal(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return None


async def save_deal(deps: SlackDeps, user_id: str, form: DealForm, language: str, *, once: str) -> SaveOutcome:
    """Apply the form through the ledger; errors are keyed by the form's block ids.

    Only a form that is saved is marked processed under `once`, in the same transaction; raises
    AlreadyProcessed (with nothing saved) for a form saved before."""
    caller = await deps.directory.member(user_id)
    if caller is None:
        return SaveOutcome({"name": message(language, "member.unknown", onescore=ONESCORE)})
    unknown = message(language, "deal_modal.unknown_member", onescore=ONESCORE)
    owner = await deps.directory.member(form.owner) if form.owner else None
    if form.owner and owner is None:
        return SaveOutcome({"owner": unknown})
    participants = [await deps.directory.member(user_id) for user_id in form.participants]
    if any(p is None for p in participants):
        return SaveOutcome({"participants": unknown})
    found = [p for p in participants if p]

    def save(session: Session) -> SaveOutcome:
        outcome = _apply(session, deps, form, caller, owner, found, language)
        if not outcome.errors:
            mark_processed(session, once, deps.runtime.now())
        return outcome

    return await asyncio.to_thread(run_transaction, deps.runtime.engine, save)


def _apply(
    session: Session,
    deps: SlackDeps,
    form: DealForm,
    caller: Member,
    owner: Member | None,
    participants: list[Member],
    language: str,
) -> SaveOutcome:
    new_id = f"slack:{form.view_id}"
    if form.existing_id:
        existing = session.get(Deal, form.existing_id)
    else:
        existing = session.exec(select(Deal).where(Deal.external_id == new_id)).first()
    if existing is None and not form.name:
        return SaveOutcome({"name": message(language, "deal_modal.name_required")})
    if form.stage in CLOSING and not _may_close(caller, existing, owner):
        return SaveOutcome({"stage": message(language, "deal_modal.close_refused")})
    try:
        data = DealInput(**_fields(form, existing, owner or (None if existing else caller), participants))
    except ValidationError as exc:
        reason = f"{'.'.join(str(p) for p in exc.errors()[0]['loc'])}: {exc.errors()[0]['msg']}"
        return SaveOutcome({"name": message(language, "deal_modal.invalid", reason=reason)})
    writer = deps.runtime.deal_writer(session, source="slack")
    try:
        result = writer.upsert(existing.external_id if existing else new_id, data, existing)
        writer.flush()
    except InputError as exc:
        return SaveOutcome({"name": message(language, "deal_modal.invalid", reason=exc.message)})
    return SaveOutcome(deal_name=result.deal.name)


def _may_close(caller: Member, existing: Deal | None, owner: Member | None) -> bool:
    """The deal's owner (as it stands before this form), a lead or an admin."""
    if caller.role in CLOSERS:
        return True
    current_owner = existing.owner_id if existing and existing.owner_id else (owner.id if owner else caller.id)
    return current_owner == caller.id


def _fields(form: DealForm, existing: Deal | None, owner: Member | None, participants: list[Member]) -> dict[str, Any]:
    given: dict[str, Any] = {
        "name": form.name,
        "account": form.account,
        "amount": form.amount,
        "currency": form.currency,
        "stage": form.stage,
        "closed_at": form.closed_at,
        "owner": owner.email if owner else None,
    }
    fields = {key: value for key, value in given.items() if value is not None}
    if participants:
        fields["participants"] = [{"member": p.email} for p in participants if p.email]
    if existing is None:
        fields.setdefault("stage", "open")
    return fields
