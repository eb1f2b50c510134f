"""`answer_scores_request`: the scores request as both platforms send it, answered by the core alone."""

from __future__ import annotations

import pytest

from bot.organisation import Role
from bot.periods import Period
from bot.runtime import Runtime
from bot.scoring.request import (
    Refusal,
    ScoresCommand,
    ScoresRefusal,
    ScoresReply,
    ScoresShown,
    ScoresToPost,
    answer_scores_request,
)
from bot.scoring.view import scorecard_title
from prompts import message
from tests.conftest import ORG_YAML


@pytest.fixture
def org_yaml() -> str:
    """The shared organisation with a team whose name has an underscore and one with a label."""
    return ORG_YAML.replace("  - {name: product}\n", "  - {name: product}\n  - {name: customer_success}\n")


SLACK = ScoresCommand(name="/scores", usage_key="scores.usage", posting=True, team_format="`{}`")
TEAMS = ScoresCommand(name="scores", usage_key="scores.usage_teams", posting=False)


def ask(runtime: Runtime, text: str, *, role: str | None = Role.MEMBER, command: ScoresCommand = SLACK) -> ScoresReply:
    return answer_scores_request(runtime, text, role=role, language="en", command=command)


def refusal(reply: ScoresReply) -> ScoresRefusal:
    assert isinstance(reply, ScoresRefusal), reply
    return reply


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("", "Scorecard – Week 48, 2026 (so far)"),
        ("last", "Scorecard – Week 47, 2026"),
        ("2026-W45", "Scorecard – Week 45, 2026"),
        ("2026-11", "Scorecard – 11/2026 (so far)"),
        ("2026-W40", "Scorecard – Week 40, 2026"),
        ("last team HR & training", "Scorecard – Week 47, 2026 – HR & training"),
    ],
)
def test_a_period_and_a_team_give_that_scorecard(runtime: Runtime, text: str, title: str) -> None:
    reply = ask(runtime, text)
    assert isinstance(reply, ScoresShown)
    assert scorecard_title(reply.view) == title


@pytest.mark.parametrize("spelling", ["customer success", "Customer_Success", "  CUSTOMER   success "])
def test_a_team_is_found_by_any_spelling_of_its_name(runtime: Runtime, spelling: str) -> None:
    reply = ask(runtime, f"team {spelling}")
    assert isinstance(reply, ScoresShown) and reply.view.team == "customer_success"


def test_an_unknown_team_is_refused_with_the_list_of_teams_in_the_platforms_markup(runtime: Runtime) -> None:
    slack, teams = refusal(ask(runtime, "team astronauts")), refusal(ask(runtime, "team astronauts", command=TEAMS))
    assert slack.reason is teams.reason is Refusal.UNKNOWN_TEAM
    assert slack.key == teams.key == "scores.unknown_team"
    assert slack.values["team"] == "astronauts"
    assert slack.values["teams"].startswith("`sales`, `marketing`")
    assert teams.values["teams"].startswith("sales, marketing")


def test_words_not_understood_get_each_platforms_usage_line(runtime: Runtime) -> None:
    slack, teams = refusal(ask(runtime, "yesterday")), refusal(ask(runtime, "yesterday", command=TEAMS))
    assert (slack.reason, slack.key, dict(slack.values)) == (
        Refusal.NOT_UNDERSTOOD,
        "scores.usage",
        {"args": "yesterday", "scores": "/scores"},
    )
    assert (teams.key, dict(teams.values)) == ("scores.usage_teams", {"args": "yesterday"})
    assert message("en", teams.key, **teams.values).startswith("I didn't understand “yesterday”.")


@pytest.mark.parametrize("period", ["0001-W01", "9999-W52", "2026-W60", "2026-13"])
def test_a_period_that_cannot_be_shown_is_refused_as_not_valid(runtime: Runtime, period: str) -> None:
    reply = refusal(ask(runtime, period))
    assert reply.reason is Refusal.INVALID_PERIOD and reply.key == "scores.invalid_period"
    assert message("en", reply.key, **reply.values).startswith(f"“{period}” is not a valid period.")


@pytest.mark.parametrize("role", [Role.LEAD, Role.ADMIN, "lead"])
def test_leads_and_admins_may_post(runtime: Runtime, role: str) -> None:
    reply = ask(runtime, "post last team marketing", role=role)
    assert isinstance(reply, ScoresToPost)
    assert reply.query.team == "marketing" and reply.query.period == Period.parse("2026-W47")


@pytest.mark.parametrize("role", [Role.MEMBER, Role.OBSERVER, None])
def test_anyone_else_is_refused_posting(runtime: Runtime, role: str | None) -> None:
    reply = refusal(ask(runtime, "post", role=role))
    assert (reply.reason, reply.key, dict(reply.values)) == (
        Refusal.POST_REFUSED,
        "scores.post_refused",
        {"scores": "/scores"},
    )


def test_a_platform_that_does_not_post_answers_post_with_its_usage_line(runtime: Runtime) -> None:
    reply = refusal(ask(runtime, "post", role=Role.ADMIN, command=TEAMS))
    assert (reply.reason, reply.key) == (Refusal.NOT_UNDERSTOOD, "scores.usage_teams")
