"""The scorecard in Slack, through signed slash commands against the fake Slack Web API:
`/scores` and its arguments, `/scores post`, the weekly post with its chart, and `/onescore settings`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bot.app import create_app
from bot.runtime import Runtime
from storage.models import ScorePost
from tests.conftest import API_TOKEN, ORG_YAML
from tests.fakes.slack_api import FakeSlack
from tests.slack.conftest import SlackDriver, texts

MONDAY_0930_HELSINKI = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
ORG = (
    ORG_YAML
    + "  - {email: paula@example.com, name: Paula, team: sales, role: admin, slack_id: U0PAULA}\n"
    + "min_group_size: 1\n"
    + "score_channels:\n  - {slack: C0SCORES}\n"
)


@pytest.fixture
def org_yaml() -> str:
    return ORG


@pytest.fixture(autouse=True)
def admin(fake: FakeSlack) -> None:
    fake.add_user("U0PAULA", "paula@example.com", name="Paula")


def deal(client: TestClient, external_id: str, amount: int, closed_at: str, **extra: Any) -> None:
    body = {
        "name": external_id.title(),
        "amount": amount,
        "currency": "EUR",
        "stage": "won",
        "owner": "aino@example.com",
        "created_at": "2026-10-01",
        "closed_at": closed_at,
        **extra,
    }
    assert client.put(f"/api/deals/{external_id}", json=body).status_code in (200, 201)


def answer(client: TestClient, external_id: str, text: str, **extra: Any) -> None:
    body = {"member": "mikko@example.com", "helping_team": "marketing", "impact": "strong", "text": text, **extra}
    assert client.post(f"/api/deals/{external_id}/answers", json=body).status_code in (200, 201)


@pytest.fixture
def weeks_of_deals(slack: SlackDriver) -> None:
    deal(slack.client, "acme", 1000, "2026-11-23")
    answer(slack.client, "acme", "Our webinar brought the CFO <!channel>.", quotable=True)
    deal(slack.client, "beta", 300, "2026-11-24", stage="lost")
    deal(slack.client, "gamma", 500, "2026-11-17")
    deal(slack.client, "delta", 700, "2026-11-10")


def replies(slack: SlackDriver) -> list[dict[str, Any]]:
    """What the bot sent back through commands' response URLs."""
    return [c.args for c in slack.fake.calls() if c.method.startswith("response_url:cmd")]


def scores(slack: SlackDriver, user_id: str, text: str) -> dict[str, Any]:
    """Run `/scores text` and return the one ephemeral reply (acknowledged first, with no body)."""
    before = len(replies(slack))
    response = slack.command(user_id, text, command="/scores")
    assert response.status_code == 200
    assert response.text == ""
    [reply] = replies(slack)[before:]
    assert reply["response_type"] == "ephemeral"
    return reply


def channel_posts(slack: SlackDriver, channel: str) -> list[dict[str, Any]]:
    """Messages that landed in `channel` (Slack answered ok)."""
    return [
        c.args
        for c in slack.fake.calls("chat.postMessage")
        if c.args.get("channel") == channel and c.response.get("ok")
    ]


# --- /scores --------------------------------------------------------------------------------------


@pytest.mark.usefixtures("weeks_of_deals")
def test_scores_is_this_week_so_far_for_the_caller_only(slack: SlackDriver) -> None:
    reply = scores(slack, "U0AINO", "")
    shown = texts(reply["blocks"])
    assert reply["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Scorecard – Week 48, 2026 (so far)", "emoji": True},
    }
    assert "*Won revenue*\n€1,000" in shown
    assert "*Win rate*\n50%" in shown
    assert "*Collaboration coverage*\n100%" in shown
    assert "*Marketing* – attributed €400 · influenced €1,000 · answers 1" in shown
    assert "Week 47, 2026: €500 · Win rate 100%" in shown
    assert ">“Our webinar brought the CFO &lt;!channel&gt;.” – Marketing, Acme" in shown
    assert reply["text"] == "Scorecard – Week 48, 2026 (so far): Won revenue €1,000"
    assert channel_posts(slack, "C0GENERAL") == []


@pytest.mark.usefixtures("weeks_of_deals")
@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("last", "Scorecard – Week 47, 2026"),
        ("2026-W46", "Scorecard – Week 46, 2026"),
        ("2026-11", "Scorecard – 11/2026 (so far)"),
        ("team marketing", "Scorecard – Week 48, 2026 – Marketing (so far)"),
        ("last team HR & training", "Scorecard – Week 47, 2026 – HR & training"),
    ],
)
def test_scores_arguments(slack: SlackDriver, text: str, title: str) -> None:
    reply = scores(slack, "U0AINO", text)
    assert reply["blocks"][0]["text"]["text"] == title


@pytest.mark.usefixtures("weeks_of_deals")
def test_scores_for_one_team_lists_that_team_only(slack: SlackDriver) -> None:
    shown = texts(scores(slack, "U0AINO", "team marketing")["blocks"])
    assert "*Marketing* –" in shown
    assert "*Sales* –" not in shown


@pytest.mark.parametrize("text", ["lastweek", "team", "last last", "post post please"])
def test_bad_arguments_get_a_one_line_usage_hint(slack: SlackDriver, text: str) -> None:
    reply = scores(slack, "U0AINO", text)
    assert reply["text"].startswith(f"I didn't understand “{text}”. Try `/scores`, `/scores last`")
    assert "\n" not in reply["text"]
    assert "blocks" not in reply


def test_an_unknown_team_lists_the_teams(slack: SlackDriver) -> None:
    reply = scores(slack, "U0AINO", "team legal")
    assert reply["text"] == "There's no team called “legal”. Teams: `sales`, `marketing`, `product`, `hr`."


def test_scores_help(slack: SlackDriver) -> None:
    assert scores(slack, "U0AINO", "help")["text"].startswith("`/scores` – this week's scorecard so far")


def test_scores_speaks_the_callers_language(slack: SlackDriver) -> None:
    reply = scores(slack, "U0MIKKO", "")
    assert reply["blocks"][0]["text"]["text"] == "Tuloskortti – viikko 48/2026 (tähän mennessä)"


# --- /scores post ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("weeks_of_deals")
@pytest.mark.parametrize("user_id", ["U0MIKKO", "U0OLLI", "U0STRANGER"])
def test_members_observers_and_strangers_are_politely_refused(slack: SlackDriver, user_id: str) -> None:
    reply = scores(slack, user_id, "post")
    assert "`/scores`" in reply["text"]
    assert channel_posts(slack, "C0GENERAL") == []
    with Session(slack.runtime.engine) as session:
        assert session.exec(select(ScorePost)).all() == []


@pytest.mark.usefixtures("weeks_of_deals")
def test_a_lead_posts_the_scorecard_with_its_chart_to_the_channel(slack: SlackDriver) -> None:
    reply = scores(slack, "U0AINO", "post last")
    assert reply["text"] == "Scorecard for Week 47, 2026 posted to this channel."
    [post] = channel_posts(slack, "C0GENERAL")
    assert post["blocks"][0]["text"]["text"] == "Scorecard – Week 47, 2026"
    assert post["metadata"]["event_type"] == "onescore_scorecard"
    [chart] = slack.fake.shared_files("C0GENERAL")
    assert chart["data"].startswith(b"\x89PNG")
    assert chart["filename"] == "onescore-2026-W47.png"
    assert chart["title"] == "Won revenue per week, last 12 weeks, by team"
    assert [c.method for c in slack.fake.calls() if c.method.startswith(("files.", "upload"))] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]


@pytest.mark.usefixtures("weeks_of_deals")
def test_posting_joins_a_public_channel_the_app_is_not_in(slack: SlackDriver) -> None:
    slack.fake.leave("C0GENERAL")
    reply = scores(slack, "U0PAULA", "post")
    assert reply["text"] == "Scorecard for Week 48, 2026 posted to this channel."
    assert len(slack.fake.calls("conversations.join")) == 1
    assert len(channel_posts(slack, "C0GENERAL")) == 1


# --- the weekly post ------------------------------------------------------------------------------


@contextmanager
def started(runtime: Runtime) -> Iterator[TestClient]:
    """The service starting (its lifespan runs the weekly catch-up), without background workers."""
    app = create_app(runtime, background=False)
    with TestClient(app, headers={"Authorization": f"Bearer {API_TOKEN}"}) as client:
        yield client


def drain_posts(client: TestClient) -> None:
    client.portal.call(client.app.state.score_poster.drain)  # type: ignore[attr-defined, union-attr]


@pytest.mark.usefixtures("weeks_of_deals")
def test_a_restart_at_0930_on_monday_posts_the_week_once_with_its_chart(slack: SlackDriver, runtime: Runtime) -> None:
    slack.clock.set(MONDAY_0930_HELSINKI)
    with started(runtime) as client:
        drain_posts(client)
    with started(runtime) as client:
        drain_posts(client)
    [post] = channel_posts(slack, "C0SCORES")
    assert post["blocks"][0]["text"]["text"] == "Scorecard – Week 48, 2026"
    assert "*Won revenue*\n€1,000" in texts(post["blocks"])
    assert len(slack.fake.shared_files("C0SCORES")) == 1
    with Session(runtime.engine) as session:
        [row] = session.exec(select(ScorePost)).all()
    assert (row.channel_id, row.period, row.attempt, row.status) == ("C0SCORES", "2026-W48", 0, "sent")
    assert row.message_ref["ts"] == slack.fake.calls("chat.postMessage")[-1].response["ts"]


@pytest.mark.usefixtures("weeks_of_deals")
def test_a_rate_limited_weekly_post_waits_for_retry_after_and_posts_once(slack: SlackDriver, runtime: Runtime) -> None:
    slack.clock.set(MONDAY_0930_HELSINKI)
    slack.fake.fail("chat.postMessage", 429, retry_after=30)
    with started(runtime) as client:
        drain_posts(client)
        assert channel_posts(slack, "C0SCORES") == []
        slack.clock.advance(timedelta(seconds=29))
        drain_posts(client)
        assert channel_posts(slack, "C0SCORES") == []
        slack.clock.advance(timedelta(seconds=2))
        drain_posts(client)
    assert len(channel_posts(slack, "C0SCORES")) == 1


@pytest.mark.usefixtures("weeks_of_deals")
def test_a_weekly_post_whose_response_was_lost_is_found_in_the_channel_not_posted_twice(
    slack: SlackDriver, runtime: Runtime
) -> None:
    slack.clock.set(MONDAY_0930_HELSINKI)
    slack.fake.lose_responses("chat.postMessage")  # Slack posts the card; the answer is lost
    with started(runtime) as client:
        drain_posts(client)
        for _ in range(4):
            slack.clock.advance(timedelta(minutes=1))
            drain_posts(client)
    cards = [ts for channel, ts in slack.fake.state.messages if channel == "C0SCORES"]
    assert len(cards) == 1
    assert len(slack.fake.shared_files("C0SCORES")) == 1  # the chart still follows, once
    with Session(runtime.engine) as session:
        [row] = session.exec(select(ScorePost)).all()
    assert row.status == "sent" and row.message_ref["ts"] == cards[0]


# --- /onescore settings ---------------------------------------------------------------------------


def test_settings_show_the_schedule_channels_model_and_next_run_to_admins(slack: SlackDriver) -> None:
    slack.command("U0PAULA", "settings")
    [reply] = replies(slack)
    shown = texts(reply["blocks"])
    assert reply["response_type"] == "ephemeral"
    assert "*OneScore settings*" in shown
    assert "Weekly scorecard: mon 09:00 (Europe/Helsinki)" in shown
    assert "Next weekly post: 2026-11-30 09:00 EET" in shown
    assert "Score channels: <#C0SCORES>" in shown
    assert "Attribution model: weighted by impact" in shown
    assert "groups of at least 1 people" in shown


@pytest.mark.parametrize("user_id", ["U0AINO", "U0MIKKO"])
def test_settings_are_for_admins_only(slack: SlackDriver, user_id: str) -> None:
    slack.command(user_id, "settings")
    [reply] = replies(slack)
    assert "blocks" not in reply or not reply["blocks"]
    assert "Next weekly post" not in reply["text"]
