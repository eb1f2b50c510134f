"""Own answers in Teams, through activities to /api/messages: take an answer back (behind a
confirmation), and "Remind me tomorrow"; the delivered card is updated (update activity) each time."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from storage.models import Answer, Ask, Member
from tests.factories import deal_body
from tests.fakes.bot_connector import UPDATE
from tests.teams.conftest import MIKKO, TeamsDriver, card_text, find_action, personal_chat

ANSWER = {"team": "marketing", "impact": "strong", "text": "Webinaari 🎯", "quotable": "true"}


def mikko_asked(teams: TeamsDriver) -> tuple[str, dict]:  # type: ignore[type-arg]
    teams.install(MIKKO)
    assert teams.client.put("/api/deals/hubspot:1", json=deal_body()).status_code == 201
    teams.pump()
    [(sent, card)] = teams.sent_cards(MIKKO)
    return sent, card


def mikkos_ask(teams: TeamsDriver) -> Ask:
    with Session(teams.runtime.engine) as session:
        return session.exec(select(Ask).join(Member).where(Member.email == "mikko@example.com")).one()


def shown(teams: TeamsDriver, sent: str) -> dict:  # type: ignore[type-arg]
    content: dict = teams.fake.message(personal_chat(MIKKO), sent)["attachments"][0]["content"]  # type: ignore[type-arg]
    return content


def test_taking_an_answer_back_reopens_the_card_and_a_second_click_changes_nothing(teams: TeamsDriver) -> None:
    sent, card = mikko_asked(teams)
    answered = teams.execute(MIKKO, find_action(card, "ask.answer"), ANSWER, sent=sent).json()["value"]
    take_back = find_action(answered, "ask.withdraw")  # behind "Peru vastaus", with the warning
    assert "Vastaustasi ei enää lasketa" in card_text(answered)

    reopened = teams.execute(MIKKO, take_back, {}, sent=sent).json()["value"]
    assert find_action(reopened, "ask.answer")["title"] == "Vastaa"
    with Session(teams.runtime.engine) as session:
        assert session.exec(select(Answer)).all() == []
    assert mikkos_ask(teams).status == "pending"

    teams.submit(MIKKO, take_back, {}, sent=sent)  # the same button again, as Action.Submit
    teams.pump()
    updates = len(teams.fake.calls(UPDATE))
    teams.submit(MIKKO, take_back, {}, sent=sent)
    teams.pump()
    assert len(teams.fake.calls(UPDATE)) == updates
    assert find_action(shown(teams, sent), "ask.answer")["title"] == "Vastaa"


def test_remind_me_tomorrow_in_teams(teams: TeamsDriver) -> None:
    sent, card = mikko_asked(teams)
    snooze = find_action(card, "ask.snooze")
    assert snooze["title"] == "Muistuta huomenna"
    after = teams.execute(MIKKO, snooze, {}, sent=sent).json()["value"]
    # ask_hours: always, so "tomorrow" starts at midnight in Helsinki
    assert "Selvä – kysyn uudelleen 26.11.2026 klo 0.00." in card_text(after)
    teams.execute(MIKKO, snooze, {}, sent=sent)  # a double click
    assert mikkos_ask(teams).snoozes == 1
    teams.pump()
    assert "kysyn uudelleen 26.11.2026" in card_text(shown(teams, sent))  # the delivered card, updated

    teams.clock.set(datetime(2026, 11, 25, 22, 0, tzinfo=UTC))
    teams.pump()
    teams.pump()
    cards = teams.sent_cards(MIKKO)
    assert len(cards) == 2 and "Muistutus" in card_text(cards[-1][1])
