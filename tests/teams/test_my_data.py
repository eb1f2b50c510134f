"""`my data` and `forget me` in Teams' personal chat, through activities to /api/messages."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, select

from handlers.teams.my_data import FORGET_ME, MESSAGE_BYTES, export_messages
from storage.models import Erasure
from tests.factories import deal_body
from tests.teams.conftest import MIKKO, STRANGER, TeamsDriver, card_text, find_action, personal_chat

ANSWER = {"team": "marketing", "impact": "strong", "text": "Webinaari 🎯 ”lainaus”", "quotable": "true"}


def monospace(card: dict[str, Any]) -> str:
    return "".join(
        run["text"]
        for block in card["body"]
        if block["type"] == "RichTextBlock"
        for run in block["inlines"]
        if run.get("fontType") == "monospace"
    )


def reply_cards(teams: TeamsDriver) -> list[dict[str, Any]]:
    """Every card the bot posted in Mikko's personal chat (new messages and replies), oldest first."""
    return [a["content"] for m in teams.replies(personal_chat(MIKKO)) for a in m.get("attachments") or []]


def answered(teams: TeamsDriver) -> None:
    teams.install(MIKKO)
    assert teams.client.put("/api/deals/hubspot:1", json=deal_body()).status_code == 201
    teams.pump()
    [(sent, card)] = teams.sent_cards(MIKKO)
    teams.execute(MIKKO, find_action(card, "ask.answer"), ANSWER, sent=sent)


def test_my_data_sends_the_export_as_cards(teams: TeamsDriver) -> None:
    answered(teams)
    before = len(reply_cards(teams))
    teams.say(MIKKO, "My data")
    cards = reply_cards(teams)[before:]
    assert "JSON-tiedostona" in card_text(cards[0])
    export = json.loads("".join(monospace(card) for card in cards))
    assert export["member"]["email"] == "mikko@example.com"
    assert [a["text"] for a in export["answers"]] == ["Webinaari 🎯 ”lainaus”"]
    assert export == teams.client.get("/api/members/mikko@example.com/export").json()


def test_a_large_export_is_split_into_messages_within_teams_limits() -> None:
    document = json.dumps(
        {"answers": [{"text": "ä🎯" * 3000 + str(i)} for i in range(40)]}, ensure_ascii=False, indent=2
    )
    activities = export_messages(document, "Tässä")
    assert len(activities) > 1
    texts = []
    for activity in activities:
        card = activity.attachments[0].content
        assert len(json.dumps(card).encode()) < 100_000 and len(json.dumps(card)) < MESSAGE_BYTES + 20_000
        texts.append(monospace(card))
    assert "".join(texts) == document


def test_my_data_for_someone_unknown(teams: TeamsDriver) -> None:
    teams.say(STRANGER, "my data")
    assert (
        teams.replies(personal_chat(STRANGER))[-1]["text"]
        == "OneScore doesn't know you yet, so nothing is stored about you."
    )


def test_forget_me_asks_first_then_erases_once(teams: TeamsDriver) -> None:
    answered(teams)
    teams.say(MIKKO, "forget me")
    confirmation = reply_cards(teams)[-1]
    assert "Poistoa ei voi perua." in card_text(confirmation)
    [button] = confirmation["actions"]
    assert button["data"] == {"onescore": FORGET_ME} and button["title"] == "Unohda minut"
    assert teams.client.get("/api/members/mikko@example.com/export").status_code == 200

    for _ in range(2):  # a double click
        activity = teams.activity("message_with_value_card_submit.json", MIKKO, value=button["data"])
        activity["text"] = ""
        assert teams.post(activity).status_code in (200, 202)
    # the second click comes from someone OneScore no longer knows: answered in the client's language
    first, second = (m["text"] for m in teams.replies(personal_chat(MIKKO))[-2:])
    assert first.startswith("Valmis: OneScore on unohtanut sinut. Olet kuitenkin myös sen organisaatiotiedostossa")
    assert second == "Done: OneScore has forgotten you."
    assert teams.client.get("/api/members/mikko@example.com/export").status_code == 404
    with Session(teams.runtime.engine) as session:
        assert session.exec(select(Erasure.actor)).all() == ["chat"]
