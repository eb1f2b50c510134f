"""The core of own answers, driven directly: take back, snooze and the member's next ask day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.clock import ManualClock
from bot.organisation import AskHours, TimeOff
from bot.rounds.answers import AnswerForm, NotYourAsk, answer_ask
from bot.rounds.calendar import calendar
from bot.rounds.loop import AskLoop
from bot.rounds.own_answers import MAX_SNOOZES, next_ask_day, queue_snoozed_reminders, snooze_ask, withdraw_answer
from bot.runtime import Runtime
from storage.db import run_transaction
from storage.models import Answer, Ask, Impact, Job
from tests.core.conftest import AINO, asks, write_deal
from tests.core.memory_platform import MemoryPlatform

pytestmark = pytest.mark.anyio
HELSINKI = ZoneInfo("Europe/Helsinki")
WORKDAYS = calendar(HELSINKI, AskHours.parse("09:00-17:00"), holidays=[date(2026, 12, 24), date(2026, 12, 25)])


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=HELSINKI)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(date(2026, 11, 25), 12), at(date(2026, 11, 26), 9)),  # Wednesday → Thursday
        (at(date(2026, 11, 25), 7), at(date(2026, 11, 26), 9)),  # before today's window: still tomorrow
        (at(date(2026, 11, 27), 16), at(date(2026, 11, 30), 9)),  # Friday → Monday
        (at(date(2026, 12, 23), 10), at(date(2026, 12, 28), 9)),  # over Christmas
        (at(date(2026, 3, 27), 12), at(date(2026, 3, 30), 9)),  # across the spring DST change
    ],
)
def test_the_next_ask_day(now: datetime, expected: datetime) -> None:
    assert next_ask_day(WORKDAYS, now.astimezone(UTC)) == expected.astimezone(UTC)


def test_time_off_and_always() -> None:
    away = calendar(
        HELSINKI, AskHours.parse("09:00-17:00"), time_off=[TimeOff(start=date(2026, 11, 26), end=date(2026, 11, 30))]
    )
    assert next_ask_day(away, at(date(2026, 11, 25), 12)) == at(date(2026, 12, 1), 9)
    always = calendar(HELSINKI, AskHours.parse("always"))
    assert next_ask_day(always, at(date(2026, 11, 28), 23)) == at(date(2026, 11, 29), 0)


async def delivered(synced: Runtime, loop: AskLoop) -> int:
    """Aino's ask about the Acme renewal, delivered; its id."""
    write_deal(synced)
    await loop.pump()
    ask_id = next(a.id for a in asks(synced) if a.member_id == 1)
    assert ask_id is not None
    return ask_id


def withdraw(runtime: Runtime, ask_id: int, member_id: int) -> bool:
    now = runtime.now()
    return run_transaction(runtime.engine, lambda session: withdraw_answer(session, ask_id, member_id, now=now))


def snooze(runtime: Runtime, ask_id: int) -> datetime | None:
    now = runtime.now()
    return run_transaction(runtime.engine, lambda session: snooze_ask(session, ask_id, 1, runtime.org, now=now))


async def test_withdraw_is_idempotent_and_only_for_the_person_asked(synced: Runtime, loop: AskLoop) -> None:
    ask_id = await delivered(synced, loop)
    now = synced.now()
    form = AnswerForm(helping_team="marketing", impact=Impact.STRONG, text="Webinaari", quotable=True)
    run_transaction(synced.engine, lambda session: answer_ask(session, ask_id, 1, form, source="test", now=now))
    with pytest.raises(NotYourAsk):
        withdraw(synced, ask_id, 2)
    assert withdraw(synced, ask_id, 1) is True
    assert withdraw(synced, ask_id, 1) is False
    with Session(synced.engine) as session:
        assert session.exec(select(Answer)).all() == []
        reopened = session.get(Ask, ask_id)
        assert reopened is not None and reopened.status == "pending"
        assert reopened.expires_at is not None and reopened.expires_at >= now + timedelta(days=1)


async def test_snoozes_at_most_twice_and_each_reminder_is_queued_once(
    synced: Runtime, loop: AskLoop, platform: MemoryPlatform
) -> None:
    ask_id = await delivered(synced, loop)
    clock = synced.clock
    assert isinstance(clock, ManualClock)
    for _ in range(MAX_SNOOZES):
        due = snooze(synced, ask_id)
        assert due is not None and due > synced.now()
        assert snooze(synced, ask_id) is None  # already snoozed: a double click
        clock.set(due)
        assert queue_snoozed_reminders(synced.engine, due) == 1
        assert queue_snoozed_reminders(synced.engine, due) == 0
    assert snooze(synced, ask_id) is None  # twice is the most
    with Session(synced.engine) as session:
        assert len(session.exec(select(Job).where(Job.kind == "ask.remind")).all()) == MAX_SNOOZES
    await loop.pump()
    assert len([m for m in platform.sent if m.user_id == AINO and m.kind == "reminder"]) == MAX_SNOOZES
