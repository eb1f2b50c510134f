"""The bot's identity: one `auth.test`, and a slow Slack does not hold up start-up."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.settings import Settings
from handlers.slack.identity import BotIdentity
from handlers.slack.web_client import slack_web_client
from tests.fakes.slack_api import FakeSlack
from tests.slack.conftest import BOT_TOKEN


def test_a_slow_auth_test_does_not_hold_up_start_up_and_is_still_asked_once() -> None:
    with FakeSlack() as fake:
        answer = fake.hold("auth.test")
        settings = Settings(_env_file=None, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fake.api_url)
        identity = BotIdentity(slack_web_client(settings), load_timeout=0.2)

        async def scenario() -> list[str | None]:
            await identity.load()  # gives up waiting after 0.2 s; the call goes on
            early = [asyncio.ensure_future(identity.result()) for _ in range(3)]
            await asyncio.sleep(0.1)
            answer.set()
            return [result.bot_token for result in await asyncio.gather(*early)]

        assert asyncio.run(asyncio.wait_for(scenario(), 10)) == [BOT_TOKEN] * 3
        assert len(fake.calls("auth.test")) == 1


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "account_inactive"])
def test_a_refused_token_is_logged_as_slacks_own_refusal_not_as_silence(
    error: str, caplog: pytest.LogCaptureFixture
) -> None:
    with FakeSlack() as fake:
        fake.refuse("auth.test", error)
        settings = Settings(_env_file=None, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fake.api_url)
        identity = BotIdentity(slack_web_client(settings), load_timeout=2)
        with caplog.at_level(logging.WARNING, logger="handlers.slack.identity"):
            asyncio.run(identity.load())
    lines = [r.getMessage() for r in caplog.records]
    assert any(f"Slack refused SLACK_BOT_TOKEN ({error})" in line for line in lines), lines
    assert not any("did not answer" in line for line in lines)


def test_a_slack_that_truly_does_not_answer_is_logged_as_not_answering(caplog: pytest.LogCaptureFixture) -> None:
    with FakeSlack() as fake:
        fake.hold("auth.test")
        settings = Settings(_env_file=None, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fake.api_url)
        identity = BotIdentity(slack_web_client(settings), load_timeout=0.2)
        with caplog.at_level(logging.WARNING, logger="handlers.slack.identity"):
            asyncio.run(identity.load())
        fake.hold("auth.test").set()
    assert any("auth.test did not answer" in r.getMessage() for r in caplog.records)
