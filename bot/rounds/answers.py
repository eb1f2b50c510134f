"""What a member does with an ask: answer it, edit the answer, say the team didn't help, or pass.

Only the member the ask was sent to may act on it; anyone else is refused and nothing changes.
Every action is idempotent: a retried request, a double click or a resubmitted form finds the
state it would create already there and changes nothing (the answers table holds at most one
answer per ask, so even two racing submissions store one answer). Whatever changes, the ask's
delivered message is refreshed through the outbound queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session, select

from bot.errors import InputError, UnknownTeam
from bot.organisation import Organisation
from bot.people.directory import team_by_name
from bot.rounds.ask_owner import NotYourAsk as NotYourAsk  # re-exported: the edges catch it from here
from bot.rounds.ask_owner import ask_for_member as ask_for_member
from bot.rounds.own_answers import snooze_ask, withdraw_answer
from bot.rounds.release import request_update
from storage.models import Answer, Ask, AskStatus, Impact


class Change(StrEnum):
    CREATED = "created"
    EDITED = "edited"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class AnswerForm:
    helping_team: str
    impact: Impact
    text: str | None
    """None keeps the stored text (an edit that changes only the team, impact or quoting)."""
    quotable: bool


def answer_ask(
    session: Session, ask_id: int, member_id: int | None, form: AnswerForm, *, source: str, now: datetime
) -> Change:
    """Store (or edit) the member's answer to the ask; the same answer again changes nothing."""
    ask = ask_for_member(session, ask_id, member_id)
    team = team_by_name(session, form.helping_team)
    if team is None:
        raise UnknownTeam("helping_team", form.helping_team)
    answer = session.exec(select(Answer).where(Answer.ask_id == ask.id)).first()
    text = form.text if form.text is not None else (answer.text if answer else None)
    if text is None:
        raise InputError("text", "must not be blank")
    values: dict[str, Any] = {
        "helping_team_id": team.id,
        "impact": form.impact.value,
        "text": text,
        "quotable": form.quotable,
    }
    if answer is None:
        answer = Answer(
            deal_id=ask.deal_id,
            ask_id=ask.id,
            member_id=ask.member_id,
            source=source,
            answered_at=now,
            **values,
        )
        change = Change.CREATED
    elif all(getattr(answer, k) == v for k, v in values.items()) and ask.status == AskStatus.ANSWERED.value:
        return Change.UNCHANGED
    else:
        for key, value in values.items():
            setattr(answer, key, value)
        change = Change.EDITED
    answer.updated_at = now
    session.add(answer)
    _set_status(session, ask, AskStatus.ANSWERED, now)
    return change


def decline_ask(session: Session, ask_id: int, member_id: int | None, *, now: datetime) -> bool:
    """ "Didn't help": the ask is closed without an answer. False when nothing changed."""
    return _close_without_answer(session, ask_id, member_id, AskStatus.DECLINED, now)


def not_sure(session: Session, ask_id: int, member_id: int | None, *, now: datetime) -> bool:
    """ "Not sure": the member cannot say; they are not asked again about it."""
    return _close_without_answer(session, ask_id, member_id, AskStatus.NOT_SURE, now)


class AskAction(StrEnum):
    """The buttons on an ask, named as both platforms' buttons carry them."""

    ANSWER = "ask.answer"
    DECLINE = "ask.decline"
    NOT_SURE = "ask.not_sure"
    WITHDRAW = "ask.withdraw"
    SNOOZE = "ask.snooze"


def act_on_ask(
    session: Session,
    ask_id: int,
    member_id: int | None,
    action: AskAction,
    *,
    form: AnswerForm | None = None,
    org: Organisation | None = None,
    source: str,
    now: datetime,
) -> bool:
    """What a click or a submitted form does to an ask, whichever platform it came from; whether
    anything changed (a repeated click changes nothing, so the delivered card need not be refreshed).
    Snoozing needs the organisation: the member's ask hours decide when "tomorrow" starts."""
    if action is AskAction.WITHDRAW:
        return withdraw_answer(session, ask_id, member_id, now=now)
    if action is AskAction.SNOOZE:
        if org is None:
            raise InputError("org", "snoozing needs the organisation's ask hours")
        return snooze_ask(session, ask_id, member_id, org, now=now) is not None
    if action is AskAction.ANSWER:
        if form is None:
            raise InputError("form", "an answer needs its form")
        return answer_ask(session, ask_id, member_id, form, source=source, now=now) is not Change.UNCHANGED
    closer = decline_ask if action is AskAction.DECLINE else not_sure
    return closer(session, ask_id, member_id, now=now)


def _close_without_answer(
    session: Session, ask_id: int, member_id: int | None, status: AskStatus, now: datetime
) -> bool:
    """An answered ask keeps its answer (a stale button cannot erase it); the Edit button changes it."""
    ask = ask_for_member(session, ask_id, member_id)
    if ask.status in (status.value, AskStatus.ANSWERED.value):
        return False
    _set_status(session, ask, status, now)
    return True


def _set_status(session: Session, ask: Ask, status: AskStatus, now: datetime) -> None:
    ask.status = status.value
    ask.updated_at = now
    session.add(ask)
    session.flush()
    if ask.message_ref is not None:
        request_update(session, ask, now)
