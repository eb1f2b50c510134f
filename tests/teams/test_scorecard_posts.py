"""Scorecards in Teams channels, through the same exactly-once posting as Slack, and the card's content."""

from __future__ import annotations

import base64
from datetime import timedelta

from sqlmodel import Session, select

from bot.organisation import ScoreChannel
from bot.periods import Period
from bot.posting.posts import ClaimOutcome, PostStatus
from storage.models import ScorePost
from tests.factories import deal_body
from tests.fakes.bot_connector import SEND
from tests.teams.conftest import AINO, CARD, CHANNEL_ID, STRANGER, TeamsDriver, card_text, personal_chat

WON = deal_body(omit=("account",), created_at="2026-11-01", closed_at="2026-11-17")
QUOTE = "Webinaari *ei* ole Markdownia [linkki](https://example.com) 🎉"
WEEK_47 = Period.parse("2026-W47")


def record_week(teams: TeamsDriver) -> None:
    assert teams.client.put("/api/deals/d1", json=WON).status_code == 201
    teams.client.put("/api/deals/d2", json={**WON, "name": "Lost one", "stage": "lost", "amount": 1000})
    teams.client.put("/api/deals/d3", json={**WON, "name": "Kronor", "currency": "SEK", "amount": 1000})
    teams.client.put(
        "/api/deals/d4", json={**WON, "name": "Nobody's", "owner": None, "participants": [], "amount": 700}
    )
    answer = {"member": "mikko@example.com", "helping_team": "marketing", "impact": "strong", "text": QUOTE}
    assert teams.client.post("/api/deals/d1/answers", json={**answer, "quotable": True}).status_code in (200, 201)


def post_week(teams: TeamsDriver, *, force: bool = False) -> list[ClaimOutcome]:
    """What the weekly schedule and `onescore post-scores` do: claim, then send through the queue."""
    poster = teams.client.app.state.score_poster  # type: ignore[union-attr]
    claims = poster.request([ScoreChannel(teams=CHANNEL_ID)], WEEK_47, force=force)
    teams.client.portal.call(poster.drain)  # type: ignore[union-attr]
    return [claim.outcome for claim in claims]


def channel_posts(teams: TeamsDriver) -> list[dict]:
    return [c.body for c in teams.fake.calls(SEND) if c.conversation_id == CHANNEL_ID]


def test_the_week_is_posted_to_the_channel_once_with_its_chart(teams: TeamsDriver) -> None:
    teams.install_in_team(AINO, CHANNEL_ID)
    record_week(teams)
    assert post_week(teams) == [ClaimOutcome.CLAIMED]
    assert post_week(teams) == [ClaimOutcome.ALREADY_POSTED]

    card, chart = channel_posts(teams)
    assert card["attachments"][0]["contentType"] == CARD
    assert card["summary"] == "Scorecard – Week 47, 2026: Won revenue €50,700"
    [image] = chart["attachments"]
    assert image["contentType"] == "image/png"
    assert base64.b64decode(image["contentUrl"].removeprefix("data:image/png;base64,"))[:8] == b"\x89PNG\r\n\x1a\n"
    with Session(teams.runtime.engine) as session:
        [post] = session.exec(select(ScorePost)).all()
    assert post.status == PostStatus.SENT and post.platform == "teams"
    assert post.message_ref and post.message_ref["conversation_id"] == CHANNEL_ID

    assert post_week(teams, force=True) == [ClaimOutcome.CLAIMED]
    assert len(channel_posts(teams)) == 4


def test_the_card_has_the_same_figures_as_everywhere(teams: TeamsDriver) -> None:
    teams.install_in_team(AINO, CHANNEL_ID)
    record_week(teams)
    post_week(teams)
    text = card_text(channel_posts(teams)[0]["attachments"][0]["content"])
    for expected in [
        "Scorecard – Week 47, 2026",
        "Won revenue",
        "€50,700",
        "Deals lost",
        "Win rate",
        "75%",
        "Collaboration coverage",
        "By team · Attributed revenue (weighted by impact)",
        "Not shown separately, so that no group of fewer than 3 people can be singled out",
        "No team",
        "€700",
        "Trend",
        "Week 43, 2026",
        "Highlights",
        f"“{QUOTE}” – Marketing, Acme renewal",
        "Deals not counted (no exchange rate): 1 (SEK)",
        "Everyone sees the same numbers. No one is ranked.",
    ]:
        assert expected in text, expected


def test_quotes_are_shown_verbatim_never_as_markdown(teams: TeamsDriver) -> None:
    teams.install_in_team(AINO, CHANNEL_ID)
    record_week(teams)
    post_week(teams)
    body = channel_posts(teams)[0]["attachments"][0]["content"]["body"]
    runs = [
        item["inlines"][0]
        for block in body
        for item in block.get("items", [block])
        if item["type"] == "RichTextBlock" and QUOTE in item["inlines"][0]["text"]
    ]
    assert len(runs) == 1 and runs[0]["type"] == "TextRun"
    assert not any(b["type"] == "TextBlock" for b in body)


def test_a_channel_the_app_is_not_in_fails_for_good_instead_of_retrying(teams: TeamsDriver) -> None:
    teams.install_in_team(AINO, CHANNEL_ID)
    teams.fake.fail(SEND, 403)
    post_week(teams)
    with Session(teams.runtime.engine) as session:
        [post] = session.exec(select(ScorePost)).all()
    assert post.status == PostStatus.FAILED
    assert len(teams.fake.calls(SEND, ok_only=False)) == 1


def test_a_429_waits_and_the_post_goes_out_once(teams: TeamsDriver) -> None:
    teams.install_in_team(AINO, CHANNEL_ID)
    teams.fake.fail(SEND, 429, retry_after=60)
    post_week(teams)
    assert channel_posts(teams) == []
    teams.clock.advance(timedelta(seconds=61))
    teams.client.portal.call(teams.client.app.state.score_poster.drain)  # type: ignore[union-attr]
    assert len(channel_posts(teams)) == 2  # the card, then its chart


def test_scores_in_a_personal_chat_shows_the_same_card(teams: TeamsDriver) -> None:
    record_week(teams)
    teams.say(STRANGER, "scores 2026-W47")
    [reply] = teams.replies(personal_chat(STRANGER))
    assert "€50,700" in card_text(reply["attachments"][0]["content"])
