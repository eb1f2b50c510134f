"""`onescore post-scores` as an operator runs it: a real process, a real database."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ORG_YAML
from tests.fakes.slack_api import FakeSlack
from tests.test_cli import run

CHANNELS = "score_channels:\n  - {slack: C0ONE}\n  - {teams: '19:abc@thread.tacv2'}\n"


def env_for(tmp_path: Path, database_url: str, org_yaml: str) -> dict[str, str]:
    config = tmp_path / "onescore.yaml"
    config.write_text(org_yaml, encoding="utf-8")
    return {
        "DATABASE_URL": database_url,
        "ONESCORE_CONFIG": str(config),
        "SLACK_BOT_TOKEN": "",
        "MicrosoftAppId": "",
    }


@pytest.mark.parametrize(
    ("week", "expected"),
    [
        ("2026-W60", "onescore: --week: 2026-W60: 2026 has 53 ISO weeks (W01–W53)"),
        ("2026-11", "onescore: --week: '2026-11' is not an ISO week"),
        ("next", "onescore: --week: 'next' is not a period"),
    ],
)
def test_a_bad_week_is_one_clear_line(tmp_path: Path, database_url: str, week: str, expected: str) -> None:
    result = run(["post-scores", "--week", week], env_for(tmp_path, database_url, ORG_YAML + CHANNELS))
    assert result.returncode == 2
    assert result.stderr.strip().startswith(expected), result.stderr


def test_without_score_channels_there_is_nothing_to_post_to(tmp_path: Path, database_url: str) -> None:
    result = run(["post-scores"], env_for(tmp_path, database_url, ORG_YAML))
    assert result.returncode == 1
    assert "no score_channels in" in result.stderr


def test_a_platform_that_is_off_is_named_and_nothing_is_claimed(tmp_path: Path, database_url: str) -> None:
    result = run(["post-scores", "--week", "2026-W47"], env_for(tmp_path, database_url, ORG_YAML + CHANNELS))
    assert result.returncode == 1
    assert "2026-W47: not posted to slack C0ONE: slack is off (SLACK_BOT_TOKEN is not set)" in result.stdout
    teams_off = "2026-W47: not posted to teams 19:abc@thread.tacv2: teams is off (MicrosoftAppId is not set)"
    assert teams_off in result.stdout


def test_post_scores_twice_posts_once_and_force_posts_again(tmp_path: Path, database_url: str) -> None:
    with FakeSlack() as slack:
        env = {
            **env_for(tmp_path, database_url, ORG_YAML + "score_channels:\n  - {slack: C0ONE}\n"),
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": "secret",
            "SLACK_API_URL": slack.api_url,
        }
        first = run(["post-scores", "--week", "2026-W47"], env)
        second = run(["post-scores", "--week", "2026-W47"], env)
        forced = run(["post-scores", "--week", "2026-W47", "--force"], env)
        posts = [c.args for c in slack.calls("chat.postMessage") if c.args["channel"] == "C0ONE"]
        charts = slack.shared_files("C0ONE")

    assert "2026-W47: posted to slack C0ONE" in first.stdout, first.stderr
    assert "2026-W47: already posted to slack C0ONE on " in second.stdout
    assert "(use --force to post it again)" in second.stdout
    assert "2026-W47: posted to slack C0ONE" in forced.stdout
    assert [result.returncode for result in (first, second, forced)] == [0, 0, 0]
    assert len(posts) == 2
    assert len(charts) == 2
    assert posts[0]["blocks"][0]["text"]["text"] == "Scorecard – Week 47, 2026"
