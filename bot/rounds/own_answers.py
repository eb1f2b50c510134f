"""A member in charge of their own ask: take an answer back, or put the ask off until tomorrow.

Withdrawing deletes the answer (so it leaves every scorecard) and puts the ask back to pending, so
the message that asked offers Answer again; still at most one answer per ask. Snoozing ("Remind
me tomorrow") asks again at the start of the member's next ask-hours day in their own time zone,
at most `MAX_SNOOZES` times. Both are idempotent: a double click or a retried request finds the
state the first one left (no answer to withdraw; an ask already snoozed) and changes nothing.
Whatever changes, the delivered message is refreshed through the outbound queue.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.organisation import Organisation
from bot.people.profile import member_profile
from bot.rounds.ask_owner import ask_for_member
from bot.rounds.calendar import AskCalendar
from bot.rounds.release import queue_reminder, request_update
from storage.db import session_scope
from storage.models import Answer, Ask, AskStatus, Member

MAX_SNOOZES = 2
STILL_OPEN_AFTER_REMINDER = timedelta(days=1)
"""A snoozed ask stays answerable at least this long after its reminder, and a reopened one this
long after its answer was taken back, whatever its expiry was."""


def can_snooze(ask: Ask) -> bool:
    """Pending, not already waiting for a snoozed reminder, and snoozed fewer than twice."""
    return ask.status == AskStatus.PENDING.value and ask.snoozed_until is None and ask.snoozes < MAX_SNOOZES


def withdraw_answer(session: Session, ask_id: int, member_id: int | None, *, now: datetime) -> bool:
    """Delete the member's answer and reopen the ask; False when there was no answer to take back."""
    ask = ask_for_member(session, ask_id, member_id)
    answer = session.exec(select(Answer).where(Answer.ask_id == ask.id)).first()
    if answer is None:
        return False
    session.delete(answer)
    ask.status = AskStatus.PENDING.value
    ask.expires_at = max(ask.expires_at or now, now + STILL_OPEN_AFTER_REMINDER)  # time to answer again
    ask.updated_at = now
    session.add(ask)
    session.flush()
    if ask.message_ref is not None:
        request_update(session, ask, now)
    return True


def snooze_ask(
    session: Session, ask_id: int, member_id: int | None, org: Organisation, *, now: datetime
) -> datetime | None:
    """Put the ask off to the member's next ask-hours day; when it will be asked again, or None
    when nothing changed (already snoozed, answered, or snoozed twice already)."""
    ask = ask_for_member(session, ask_id, member_id)
    if ask.sent_at is None or not can_snooze(ask):
        return None
    member = session.get(Member, ask.member_id)
    assert member is not None
    due = next_ask_day(member_profile(session, member, org).calendar, now)
    ask.snoozes += 1
    ask.snoozed_until = due
    ask.reminded_at = ask.reminded_at or now  # the snoozed reminder takes the place of the usual one
    ask.expires_at = max(ask.expires_at or due, due + STILL_OPEN_AFTER_REMINDER)
    ask.updated_at = now
    session.add(ask)
    session.flush()
    request_update(session, ask, now)
    return due


def next_ask_day(calendar: AskCalendar, now: datetime) -> datetime:
    """When the member's next ask-hours day opens: tomorrow's window or the next one after it."""
    tomorrow = now.astimezone(calendar.zone).date() + timedelta(days=1)
    return calendar.next_open(datetime.combine(tomorrow, time(0), tzinfo=calendar.zone))


def queue_snoozed_reminders(engine: Engine, now: datetime) -> int:
    """Queue the reminder of every snoozed ask now due; each snooze's reminder is queued once."""
    with session_scope(engine) as session:
        query = select(Ask).where(col(Ask.snoozed_until) <= now)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        due = list(session.exec(query).all())
        for ask in due:
            ask.snoozed_until = None
            session.add(ask)
            if ask.status == AskStatus.PENDING.value:
                queue_reminder(session, ask, now, dedupe_key=f"ask:{ask.id}:snooze:{ask.snoozes}")
        return len(due)
