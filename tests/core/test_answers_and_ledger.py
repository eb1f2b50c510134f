"""What members do with an ask, and what the ledger keeps: answers land once and the message follows."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.ledger.deals import record_answer
from bot.ledger.schemas import AnswerInput
from bot.rounds.answers import AnswerForm, Change, NotYourAsk, answer_ask, decline_ask
from bot.rounds.loop import AskLoop
from bot.runtime import Runtime
from storage.db import run_transaction
from storage.models import Answer, AskStatus, Impact
from tests.core.conftest import ask_for, asks, write_deal
from tests.core.memory_platform import MemoryPlatform

pytestmark = pytest.mark.anyio

FORM = AnswerForm(helping_team="marketing", impact=Impact.STRONG, text="The webinar won their CFO.", quotable=True)


def ask_and_member(runtime: Runtime, email: str) -> tuple[int, int]:
    ask = ask_for(runtime, email)
    assert ask.id is not None
    return ask.id, ask.member_id


def answer(runtime: Runtime, email: str, form: AnswerForm = FORM) -> Change:
    ask_id, member_id = ask_and_member(runtime, email)
    return run_transaction(
        runtime.engine, lambda session: answer_ask(session, ask_id, member_id, form, source="test", now=runtime.now())
    )


def decline(runtime: Runtime, ask_id: int, member_id: int) -> bool:
    return run_transaction(runtime.engine, lambda session: decline_ask(session, ask_id, member_id, now=runtime.now()))


async def test_an_answer_is_stored_once_and_the_delivered_ask_shows_it(
    loop: AskLoop, synced: Runtime, platform: MemoryPlatform
) -> None:
    write_deal(synced)
    await loop.pump()

    assert answer(synced, "aino@example.com") is Change.CREATED
    assert answer(synced, "aino@example.com") is Change.UNCHANGED
    await loop.pump()

    assert ask_for(synced, "aino@example.com").status == AskStatus.ANSWERED.value
    [(ref, card)] = platform.updates
    assert ref == ask_for(synced, "aino@example.com").message_ref
    assert card.answer is not None and card.answer.text == "The webinar won their CFO."


async def test_an_answer_edited_changes_the_stored_one(loop: AskLoop, synced: Runtime) -> None:
    write_deal(synced)
    await loop.pump()
    answer(synced, "aino@example.com")
    edited = AnswerForm(helping_team="marketing", impact=Impact.SOME, text=None, quotable=False)
    assert answer(synced, "aino@example.com", edited) is Change.EDITED
    with Session(synced.engine) as session:
        [stored] = session.exec(select(Answer)).all()
    assert (stored.impact, stored.text, stored.quotable) == ("some", "The webinar won their CFO.", False)


async def test_nobody_acts_on_someone_else_s_ask(loop: AskLoop, synced: Runtime, platform: MemoryPlatform) -> None:
    write_deal(synced)
    await loop.pump()
    ainos, _ = ask_and_member(synced, "aino@example.com")
    _, mikko = ask_and_member(synced, "mikko@example.com")
    with pytest.raises(NotYourAsk):
        decline(synced, ainos, mikko)
    await loop.pump()
    assert ask_for(synced, "aino@example.com").status == AskStatus.PENDING.value
    assert platform.updates == []


async def test_a_decline_closes_the_ask_and_updates_its_message(
    loop: AskLoop, synced: Runtime, platform: MemoryPlatform
) -> None:
    write_deal(synced)
    await loop.pump()
    assert decline(synced, *ask_and_member(synced, "mikko@example.com")) is True
    await loop.pump()
    assert ask_for(synced, "mikko@example.com").status == AskStatus.DECLINED.value
    assert [card.status for _, card in platform.updates] == [AskStatus.DECLINED.value]


async def test_an_answer_logged_from_outside_chat_answers_the_pending_ask(
    loop: AskLoop, synced: Runtime, platform: MemoryPlatform
) -> None:
    write_deal(synced)
    await loop.pump()
    data = AnswerInput.model_validate(
        {"member": "aino@example.com", "helping_team": "marketing", "impact": "strong", "text": "The webinar."}
    )

    def log(session: Session) -> bool:
        return record_answer(session, "crm:1", data, source="api", now=synced.now())[1]

    assert run_transaction(synced.engine, log) is True
    assert run_transaction(synced.engine, log) is False
    await loop.pump()
    assert ask_for(synced, "aino@example.com").status == AskStatus.ANSWERED.value
    assert len(platform.updates) == 1
    assert len(asks(synced)) == 2
