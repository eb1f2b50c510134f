"""Forgetting a Teams user leaves none of their ids, name, chat or words in any table."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import ConversationRef
from tests.erasure_scan import rows_holding
from tests.factories import deal_body
from tests.teams.conftest import MIKKO, TeamsDriver, find_action, personal_chat

WORDS = "Webinaari vakuutti talousjohtajan 🎯"


def test_forgetting_a_teams_user_leaves_no_trace(teams: TeamsDriver) -> None:
    teams.install(MIKKO)
    assert teams.client.put("/api/deals/hubspot:1", json=deal_body()).status_code == 201
    teams.pump()
    [(sent, card)] = teams.sent_cards(MIKKO)
    inputs = {"team": "marketing", "impact": "strong", "text": WORDS, "quotable": "true"}
    teams.execute(MIKKO, find_action(card, "ask.answer"), inputs, sent=sent)
    teams.say(MIKKO, "scores")
    teams.pump()
    before = teams.client.get("/api/scores", params={"week": "2026-W48"}).json()
    traces = {MIKKO.email, MIKKO.name, MIKKO.id, MIKKO.aad_object_id, personal_chat(MIKKO), WORDS}
    with Session(teams.runtime.engine) as session:
        assert session.exec(select(ConversationRef)).all(), "Teams remembered where Mikko can be reached"
    assert rows_holding(teams.runtime.engine, traces)

    assert teams.client.delete(f"/api/members/{MIKKO.email}").status_code == 204

    assert rows_holding(teams.runtime.engine, traces) == []
    after = teams.client.get("/api/scores", params={"week": "2026-W48"}).json()
    assert {**after, "highlights": []} == {**before, "highlights": []}
