"""A closed deal becomes asks to the right people, in their own words, sent once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.rounds.loop import AskLoop
from bot.runtime import Runtime
from storage.models import AskStatus
from tests.core.conftest import AINO, MIKKO, asks, write_deal
from tests.core.memory_platform import MemoryPlatform
from tests.factories import participant

pytestmark = pytest.mark.anyio


async def test_a_won_deal_asks_the_owner_about_the_helping_team_and_the_participant_in_their_language(
    loop: AskLoop, synced: Runtime, platform: MemoryPlatform
) -> None:
    write_deal(synced)
    report = await loop.pump()

    assert report.asks_created == 2
    [to_aino] = platform.asks_to(AINO)
    [to_mikko] = platform.asks_to(MIKKO)
    assert to_aino.language == "en"
    assert to_aino.question.startswith("How did marketing help win Acme renewal?")
    assert (to_aino.deal_name, to_aino.account, to_aino.owner_name) == ("Acme renewal", "Acme Oy", "Aino")
    assert to_mikko.language == "fi"
    assert to_mikko.question.startswith("Miten työsi auttoi, kun myynti voitti kaupan Acme renewal?")
    assert {m.user_id for m in platform.sent} == {AINO, MIKKO}


async def test_an_observer_on_the_deal_is_not_asked_but_the_owner_is_asked_about_their_team(
    loop: AskLoop, synced: Runtime, platform: MemoryPlatform
) -> None:
    write_deal(
        synced, participants=[participant("mikko@example.com", "marketing"), participant("olli@example.com", "product")]
    )
    await loop.pump()
    assert {m.user_id for m in platform.sent} == {AINO, MIKKO}
    assert sorted(card.helping_team or "" for card in platform.asks_to(AINO)) == ["marketing", "product"]


async def test_the_same_close_written_twice_opens_one_round(
    loop: AskLoop, synced: Runtime, platform: MemoryPlatform
) -> None:
    write_deal(synced)
    write_deal(synced)
    await loop.pump()
    await loop.pump()
    assert len(asks(synced)) == 2
    assert len(platform.sent) == 2


async def test_a_deal_reopened_before_its_asks_go_out_asks_nobody(
    loop: AskLoop, synced: Runtime, platform: MemoryPlatform
) -> None:
    write_deal(synced)
    loop.tick()
    write_deal(synced, stage="open")
    await loop.worker.drain()
    assert platform.sent == []
    assert {a.status for a in asks(synced)} == {AskStatus.EXPIRED.value}


async def test_a_pending_ask_is_reminded_once_a_day_after_it_went_out(
    loop: AskLoop, synced: Runtime, platform: MemoryPlatform, clock: ManualClock
) -> None:
    write_deal(synced)
    await loop.pump()
    clock.advance(timedelta(hours=25))
    await loop.pump()
    clock.advance(timedelta(hours=25))
    await loop.pump()
    reminders = [m for m in platform.sent if m.kind == "reminder"]
    assert sorted(m.user_id for m in reminders) == [AINO, MIKKO]
    assert all(len(a.message_ref["reminders"]) == 1 for a in asks(synced))  # type: ignore[index]
