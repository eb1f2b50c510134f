"""The scorecard posted to a Teams channel, and the card's content: the same figures as everywhere."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from bot.periods import Period
from bot.ports import MessageRef, Unreachable
from bot.scoring import Scorecard, compute_scorecard
from tests.fakes.bot_connector import SEND
from tests.teams.conftest import AINO, CARD, CHANNEL_ID, TeamsDriver, card_text

WON = {
    "name": "Acme renewal",
    "amount": 50000,
    "currency": "EUR",
    "stage": "won",
    "owner": "aino@example.com",
    "participants": [{"member": "mikko@example.com", "team": "marketing"}],
    "created_at": "2026-11-01",
    "closed_at": "2026-11-17",
}


def week_47(teams: TeamsDriver) -> Scorecard:
    with Session(teams.runtime.engine) as session:
        return compute_scorecard(session, teams.runtime.org, Period.parse("2026-W47"))


def post(teams: TeamsDriver, scorecard: Scorecard) -> MessageRef:
    platform = teams.client.app.state.teams.platform  # type: ignore[union-attr]
    return teams.client.portal.call(platform.post_scorecard, CHANNEL_ID, scorecard)  # type: ignore[union-attr]


def record_week(teams: TeamsDriver) -> None:
    assert teams.client.put("/api/deals/d1", json=WON).status_code == 201
    teams.client.put("/api/deals/d2", json={**WON, "name": "Lost one", "stage": "lost", "amount": 1000})
    teams.client.put("/api/deals/d3", json={**WON, "name": "Dollars", "currency": "SEK", "amount": 1000})
    answer = {
        "member": "mikko@example.com",
        "helping_team": "marketing",
        "impact": "strong",
        "text": "Webinaari *ei* ole Markdownia [linkki](https://example.com) 🎉",
        "quotable": True,
    }
    assert teams.client.post("/api/deals/d1/answers", json=answer).status_code in (200, 201)


def test_the_scorecard_is_posted_to_a_channel_the_app_was_added_to(teams: TeamsDriver) -> None:
    teams.install_in_team(AINO, CHANNEL_ID)
    record_week(teams)
    ref = post(teams, week_47(teams))

    [posted] = [c for c in teams.fake.calls(SEND) if c.conversation_id == CHANNEL_ID]
    assert ref == {"service_url": teams.fake.url, "conversation_id": CHANNEL_ID, "activity_id": posted.activity_id}
    [attachment] = posted.body["attachments"]
    assert attachment["contentType"] == CARD
    text = card_text(attachment["content"])
    for expected in [
        "Scorecard – Week 47, 2026",
        "Won revenue",
        "€50,000",
        "Deals lost",
        "Win rate",
        "67%",
        "Collaboration coverage",
        "Attributed revenue (weighted by impact)",
        "Too few people to show separately (fewer than 3)",
        "Trend",
        "Week 43, 2026",
        "Highlights",
        "“Webinaari *ei* ole Markdownia [linkki](https://example.com) 🎉” – marketing, Acme renewal",
        "Deals not counted (no exchange rate): 1 (SEK)",
        "Everyone sees the same numbers. No one is ranked.",
    ]:
        assert expected in text, expected


def test_quotes_are_shown_verbatim_never_as_markdown(teams: TeamsDriver) -> None:
    teams.install_in_team(AINO, CHANNEL_ID)
    record_week(teams)
    post(teams, week_47(teams))
    [posted] = [c for c in teams.fake.calls(SEND) if c.conversation_id == CHANNEL_ID]
    body = posted.body["attachments"][0]["content"]["body"]
    quotes = [b for b in body if b["type"] == "RichTextBlock" and "Markdownia" in b["inlines"][0]["text"]]
    assert len(quotes) == 1 and quotes[0]["inlines"][0]["type"] == "TextRun"
    assert not any(b["type"] == "TextBlock" for b in body)


def test_without_any_teams_conversation_the_post_cannot_be_made(teams: TeamsDriver) -> None:
    with pytest.raises(Unreachable):
        post(teams, week_47(teams))
    assert teams.fake.calls() == []
