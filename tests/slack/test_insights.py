"""`/onescore insights` over signed Slack requests, on the planted corpus; the fake Slack checks Block Kit's limits."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bot.insights.report import Insights
from bot.insights.request import InsightsLine, InsightsSection, InsightsView
from bot.organisation import ScoreChannel
from bot.periods import Period
from handlers.slack.listeners.insights import insights_blocks
from tests.insights.conftest import plant
from tests.insights.planted import ORG, PLANTED
from tests.slack.conftest import SlackDriver, texts


@pytest.fixture
def org_yaml() -> str:
    return ORG


def replies(slack: SlackDriver) -> list[dict[str, Any]]:
    return [call.args for call in slack.fake.calls() if call.method.startswith("response_url:")]


def test_insights_of_this_month_are_shown_privately_with_themes_and_quotable_examples(slack: SlackDriver) -> None:
    plant(slack.client, PLANTED)
    response = slack.command("U0STRANGER", "insights")
    assert response.status_code == 200 and response.content == b""
    [reply] = replies(slack)
    assert reply["response_type"] == "ephemeral"
    shown = texts(reply["blocks"])
    assert reply["text"] == "Insights · 11/2026"
    assert "webinaari" in shown and "webinar" in shown and "case · study" in shown
    assert "Hidden, as on the scorecard" in shown
    assert "What could have helped on lost deals" in shown
    assert not any(answer.text in shown for answer in PLANTED if not answer.quotable)
    assert "podcast" not in shown


def test_last_a_quarter_and_nonsense(slack: SlackDriver) -> None:
    plant(slack.client, PLANTED[:3])
    slack.command("U0STRANGER", "insights last")
    slack.command("U0STRANGER", "insights 2026-Q4")
    slack.command("U0STRANGER", "insights tomorrow please")
    last, quarter, nonsense = replies(slack)
    assert "Too few answers this period" in texts(last["blocks"])
    assert "Too few answers this period" in texts(quarter["blocks"])
    assert "I didn't understand `tomorrow please`" in nonsense["text"]
    assert "`/onescore insights 2026-Q4`" in nonsense["text"]


def test_very_long_answers_fit_slacks_limits(slack: SlackDriver) -> None:
    long = [replace(answer, text=answer.text + " " + "ä😀" * 9_000) for answer in PLANTED]
    plant(slack.client, long)
    slack.command("U0STRANGER", "insights 2026-11")
    [reply] = replies(slack)
    assert len(reply["blocks"]) <= 50
    assert "webinaari" in texts(reply["blocks"])


def test_the_weekly_post_carries_the_line_about_a_grown_kind_of_help(slack: SlackDriver) -> None:
    plant(slack.client, PLANTED)
    poster = slack.app.state.score_poster
    poster.request([ScoreChannel(slack="C0SCORES")], Period.parse("2026-W46"), force=True)
    slack.client.portal.call(poster.drain)
    [post] = [call.args for call in slack.fake.calls("chat.postMessage") if call.args.get("channel") == "C0SCORES"]
    shown = texts(post["blocks"])
    assert "Marketing's most common help this month: webinaari · asiakas — 6 answers, deals won 83%" in shown


def test_sixty_teams_fill_one_message_and_say_where_the_rest_is() -> None:
    """Block Kit takes 50 blocks: an organisation of many teams gets as many as fit, a note that the
    dashboard shows the rest, and the footer, instead of losing the tail without a word."""
    empty = Insights(
        period="2026-11", currency="EUR", teams=[], lost_lessons=[], lost_too_few_answers=True, corroboration=[]
    )
    sections = [InsightsSection(f"Team {n}", [InsightsLine("Too few answers")]) for n in range(60)]
    view = InsightsView(title="Insights", sections=sections, footer="Footer", insights=empty)
    blocks = insights_blocks(view, left_out="See the dashboard")
    assert len(blocks) == 50
    assert "See the dashboard" in texts(blocks[-2:-1]) and "Footer" in texts(blocks[-1:])
    assert len(insights_blocks(replace(view, sections=sections[:3]), left_out="See the dashboard")) == 5
