"""A closed deal becomes Adaptive Cards in Teams chats, and clicks on them come back as answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from storage.models import Answer, Ask, Job, Member
from tests.factories import deal_body
from tests.fakes.bot_connector import CREATE, ROSTER, SEND, UPDATE
from tests.teams.conftest import (
    AINO,
    BOT,
    CARD,
    MIKKO,
    SANNA,
    TENANT,
    TeamsDriver,
    card_text,
    find_action,
    personal_chat,
)

ACME = deal_body()
ANSWER = {
    "team": "marketing",
    "impact": "strong",
    "text": "Webinaari vakuutti heidän talousjohtajansa.",
    "quotable": "true",
}


def close_deal(teams: TeamsDriver, external_id: str = "hubspot:1", **changes: Any) -> None:
    response = teams.client.put(f"/api/deals/{external_id}", json={**ACME, **changes})
    assert response.status_code in (200, 201), response.text


def only_card(teams: TeamsDriver, person: Any) -> tuple[str, dict[str, Any]]:
    cards = teams.sent_cards(person)
    assert len(cards) == 1, cards
    return cards[0]


def answers(teams: TeamsDriver) -> list[Answer]:
    with Session(teams.runtime.engine) as session:
        return list(session.exec(select(Answer)).all())


def asks(teams: TeamsDriver) -> list[Ask]:
    with Session(teams.runtime.engine) as session:
        return list(session.exec(select(Ask).order_by(Ask.id)).all())


def refused(teams: TeamsDriver) -> list[Any]:
    return [c for c in teams.fake.calls(SEND, ok_only=False) if c.status >= 400]


def mikko_asked(teams: TeamsDriver) -> tuple[str, dict[str, Any]]:
    """Mikko has the app installed; a deal he worked on closes; his card arrives."""
    teams.install(MIKKO)
    close_deal(teams)
    teams.pump()
    return only_card(teams, MIKKO)


def test_a_won_deal_asks_both_members_with_cards_in_their_own_language(teams: TeamsDriver) -> None:
    teams.install(MIKKO)
    close_deal(teams)
    report = teams.pump()
    assert report.asks_created == 2

    _, to_mikko = only_card(teams, MIKKO)
    text = card_text(to_mikko)
    assert "Kauppa voitettu: Acme renewal" in text
    assert [find_action(to_mikko, v)["title"] for v in ("ask.answer", "ask.decline", "ask.not_sure")] == [
        "Vastaa",
        "Ei auttanut",
        "En osaa sanoa",
    ]
    team_input = next(i for i in to_mikko["body"] if i.get("id") == "team")
    assert team_input["value"] == "marketing"  # preselected

    # Aino never opened the app: her 1:1 chat is opened from the tenant and the service URL known.
    [created] = teams.fake.calls(CREATE)
    assert created.body["members"] == [{"id": AINO.id}]
    assert created.body["channelData"]["tenant"]["id"] == TENANT and created.body["bot"]["id"] == BOT["id"]
    _, to_aino = only_card(teams, AINO)
    assert "Deal won: Acme renewal (Acme Oy, €50,000, owner Aino)" in card_text(to_aino)
    assert "How did marketing help win Acme renewal?" in card_text(to_aino)


def test_no_token_is_sent_without_an_app_id(teams: TeamsDriver) -> None:
    mikko_asked(teams)
    assert {c.authorization for c in teams.fake.calls()} == {None}


def test_a_submitted_card_logs_the_answer_once_and_the_card_shows_it(teams: TeamsDriver) -> None:
    sent, card = mikko_asked(teams)
    click = teams.submit(MIKKO, find_action(card, "ask.answer"), ANSWER, sent=sent)
    assert click.status_code == 202

    [answer] = answers(teams)
    assert (answer.impact, answer.text, answer.quotable, answer.source) == (
        "strong",
        "Webinaari vakuutti heidän talousjohtajansa.",
        True,
        "teams",
    )
    teams.pump()
    [update] = teams.fake.calls(UPDATE)
    assert update.conversation_id == personal_chat(MIKKO)
    shown = teams.fake.message(personal_chat(MIKKO), sent)["attachments"][0]["content"]
    assert "✅ Vastattu: markkinointi – Paljon" in card_text(shown)
    assert "Webinaari vakuutti heidän talousjohtajansa." in card_text(shown)
    assert find_action(shown, "ask.answer")["title"] == "Tallenna"  # behind the Edit button


def test_the_same_click_delivered_twice_or_clicked_twice_logs_one_answer(teams: TeamsDriver) -> None:
    sent, card = mikko_asked(teams)
    button = find_action(card, "ask.answer")
    activity = teams.activity(
        "message_with_value_card_submit.json", MIKKO, value={**button["fallback"]["data"], **ANSWER}, replyToId=sent
    )
    assert [teams.post(activity).status_code for _ in range(2)] == [202, 200]
    assert teams.submit(MIKKO, button, ANSWER, sent=sent).status_code == 202  # a double click: a new activity
    assert len(answers(teams)) == 1
    teams.pump()
    assert len(teams.fake.calls(UPDATE)) == 1


def test_an_action_execute_click_gets_the_answered_card_back_at_once(teams: TeamsDriver) -> None:
    sent, card = mikko_asked(teams)
    response = teams.execute(MIKKO, find_action(card, "ask.answer"), ANSWER, sent=sent)
    assert response.status_code == 200
    body = response.json()
    assert body["statusCode"] == 200 and body["type"] == CARD
    assert "Webinaari vakuutti heidän talousjohtajansa." in card_text(body["value"])
    assert len(answers(teams)) == 1


def test_didnt_help_and_not_sure_close_the_ask_without_an_answer(teams: TeamsDriver) -> None:
    sent, card = mikko_asked(teams)
    response = teams.execute(MIKKO, find_action(card, "ask.decline"), {}, sent=sent)
    assert "ei auttanut kaupassa Acme renewal" in card_text(response.json()["value"])
    mikkos = next(a for a in asks(teams) if a.question.startswith("Miten"))
    assert mikkos.status == "declined" and answers(teams) == []

    response = teams.execute(MIKKO, find_action(card, "ask.not_sure"), {}, sent=sent)
    assert next(a for a in asks(teams) if a.id == mikkos.id).status == "not_sure"
    # answering after all is still possible, from the form behind the "Answer" button
    assert find_action(response.json()["value"], "ask.answer")["title"] == "Tallenna"


def test_only_the_person_asked_may_answer(teams: TeamsDriver) -> None:
    sent, card = mikko_asked(teams)
    response = teams.execute(AINO, find_action(card, "ask.answer"), ANSWER, sent=sent)
    body = response.json()
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert body["value"] == "This question was sent to someone else, so only they can answer it."
    assert answers(teams) == []


def test_an_incomplete_form_is_refused_with_a_note(teams: TeamsDriver) -> None:
    sent, card = mikko_asked(teams)
    teams.submit(MIKKO, find_action(card, "ask.answer"), {"team": "marketing", "text": "x"}, sent=sent)
    assert answers(teams) == []
    assert teams.replies(personal_chat(MIKKO))[-1]["text"].startswith("Valitse tiimi ja vaikutus")


def test_finnish_text_and_emoji_are_kept_intact_end_to_end(teams: TeamsDriver) -> None:
    teams.install(MIKKO)
    name = "Äänekosken Öljy – ”iso” kauppa 🎉 **ei lihavoitu**"
    close_deal(teams, name=name)
    teams.pump()
    sent, card = only_card(teams, MIKKO)
    assert f"Kauppa voitettu: {name}" in card_text(card)
    text = "Järjestimme työpajan; asiakas sanoi: ”tämä ratkaisi” 👍\nToinen rivi."
    teams.submit(MIKKO, find_action(card, "ask.answer"), {**ANSWER, "text": text}, sent=sent)
    assert answers(teams)[0].text == text
    teams.pump()
    shown = teams.fake.message(personal_chat(MIKKO), sent)["attachments"][0]["content"]
    assert text in card_text(shown)
    runs = [b for b in shown["body"] if b["type"] == "RichTextBlock"]
    assert runs and all(r["inlines"][0]["type"] == "TextRun" for r in runs)  # shown verbatim, not as Markdown


def test_a_403_marks_the_member_unreachable_once_without_a_retry_storm(teams: TeamsDriver) -> None:
    teams.install(MIKKO)
    teams.fake.fail(SEND, 403, times=100)
    close_deal(teams, participants=[{"member": "mikko@example.com"}], owner="olli@example.com")
    teams.pump()
    teams.pump()
    assert len(refused(teams)) == 1
    with Session(teams.runtime.engine) as session:
        mikko = session.exec(select(Member).where(Member.email == "mikko@example.com")).one()
        assert mikko.unreachable_reason and "403" in mikko.unreachable_reason
    [ask] = asks(teams)
    assert ask.platform is None and ask.sent_at is None
    assert ask.deliver_after is not None and ask.deliver_after - teams.clock.now() >= timedelta(hours=23)

    teams.fake.fail(SEND, 403, times=0)
    teams.clock.advance(timedelta(days=1, minutes=1))
    teams.pump()
    assert len(teams.sent_cards(MIKKO)) == 1  # reinstalled meanwhile: the ask goes out after all


def test_a_429_waits_for_retry_after_and_loses_nothing(teams: TeamsDriver) -> None:
    teams.install(MIKKO)
    teams.fake.fail(SEND, 429, retry_after=120)
    close_deal(teams, participants=[{"member": "mikko@example.com"}], owner="olli@example.com")
    teams.pump()
    assert teams.sent_cards(MIKKO) == []
    with Session(teams.runtime.engine) as session:
        job = session.exec(select(Job).where(Job.kind == "ask.deliver")).one()
        assert job.run_after - teams.clock.now() == timedelta(seconds=120)
    teams.clock.advance(timedelta(seconds=121))
    teams.pump()
    assert len(teams.sent_cards(MIKKO)) == 1


def test_a_500_is_tried_once_per_attempt_and_retried_by_the_queue(teams: TeamsDriver) -> None:
    teams.install(MIKKO)
    teams.fake.fail(SEND, 500)
    close_deal(teams, participants=[{"member": "mikko@example.com"}], owner="olli@example.com")
    teams.pump()
    assert len(refused(teams)) == 1  # no hidden HTTP retries inside one job
    teams.clock.advance(timedelta(minutes=5))
    teams.pump()
    assert len(teams.sent_cards(MIKKO)) == 1


def test_a_member_known_only_by_email_is_found_in_a_team_roster(teams: TeamsDriver) -> None:
    teams.install_in_team(AINO)
    close_deal(teams, participants=[{"member": "sanna@example.com"}])
    teams.pump()
    assert len(teams.fake.calls(ROSTER)) == 1
    assert len(teams.sent_cards(SANNA)) == 1
    with Session(teams.runtime.engine) as session:
        sanna = session.exec(select(Member).where(Member.email == "sanna@example.com")).one()
        assert sanna.teams_id == SANNA.id


def test_the_reminder_is_a_second_card_and_both_show_the_answer(teams: TeamsDriver) -> None:
    sent, _ = mikko_asked(teams)
    teams.clock.advance(timedelta(hours=25))
    teams.pump()
    cards = teams.sent_cards(MIKKO)
    assert len(cards) == 2
    reminder_id, reminder = cards[1]
    assert card_text(reminder).startswith("Muistutus:")
    teams.execute(MIKKO, find_action(reminder, "ask.answer"), ANSWER, sent=reminder_id)
    teams.pump()
    assert sorted(c.activity_id for c in teams.fake.calls(UPDATE)) == sorted([sent, reminder_id])
