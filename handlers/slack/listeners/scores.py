"""`/scores [last | YYYY-Www] [team NAME]` and `/scores post`: the scorecard on demand.

The command is acknowledged at once, before even the database is read; everything else — the
card, a usage hint, a refusal — follows through the command's response_url, visible only to
the caller. `/scores post` puts the same card into the channel for everyone, for leads and admins
only; it goes through the same claimed, queued posting as the weekly post. What the words mean,
who may post and which refusal fits are the core's (`answer_scores_request`, shared with Teams);
this listener only reads the command, posts when the core allows it, and renders the reply.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.organisation import ScoreChannel
from bot.posting.posts import ClaimOutcome, PostStatus, ScorePoster, post_outcome
from bot.runtime import Runtime
from bot.scoring.query import ScoreQuery
from bot.scoring.request import (
    PERIOD_ERRORS,
    ScoresCommand,
    ScoresRefusal,
    ScoresShown,
    ScoresToPost,
    answer_scores_request,
    invalid_period,
)
from bot.scoring.view import period_name, scorecard_summary
from handlers.slack.after_ack import AfterAck
from handlers.slack.deps import SCORES
from handlers.slack.directory import SlackDirectory
from handlers.slack.listeners import settings
from handlers.slack.scorecard_blocks import scorecard_blocks
from prompts import message

SLACK_SCORES = ScoresCommand(name=SCORES, usage_key="scores.usage", posting=True, team_format="`{}`")
POST_WAIT_SECONDS = 4.0
POST_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class ScoreDeps:
    runtime: Runtime
    directory: SlackDirectory
    poster: ScorePoster
    later: AfterAck


def register(app: AsyncApp, deps: ScoreDeps) -> None:
    settings.register()

    @app.command(SCORES)
    async def scores(ack: AsyncAck, respond: AsyncRespond, command: dict[str, Any]) -> None:
        await ack()
        deps.later.run(_answer(deps, respond, command), name=f"{SCORES} for {command.get('user_id')}")


async def _answer(deps: ScoreDeps, respond: AsyncRespond, command: dict[str, Any]) -> None:
    text = (command.get("text") or "").strip()
    language = await deps.directory.language(command["user_id"])
    if text.lower() == "help":
        await respond(text=message(language, "help.scores", scores=SCORES), response_type="ephemeral")
        return
    member = await deps.directory.member(command["user_id"])  # the core decides whether this role may post
    role = member.role if member else None
    reply = await asyncio.to_thread(
        answer_scores_request, deps.runtime, text, role=role, language=language, command=SLACK_SCORES
    )
    if isinstance(reply, ScoresShown):
        view = reply.view
        await respond(text=scorecard_summary(view), blocks=scorecard_blocks(view), response_type="ephemeral")
        return
    outcome = await _post(deps, command, reply.query, language, text) if isinstance(reply, ScoresToPost) else reply
    shown = outcome if isinstance(outcome, str) else message(language, outcome.key, **outcome.values)
    await respond(text=shown, response_type="ephemeral")


async def _post(
    deps: ScoreDeps, command: dict[str, Any], query: ScoreQuery, language: str, text: str
) -> str | ScoresRefusal:
    """Post to the channel the command came from; the reply says whether it is there yet."""
    target = ScoreChannel(slack=command["channel_id"])
    try:
        [claim] = await asyncio.to_thread(deps.poster.request, [target], query.period, force=True, team=query.team)
    except PERIOD_ERRORS:
        return invalid_period(text, SLACK_SCORES)
    period = period_name(query.period, language)
    if claim.outcome is not ClaimOutcome.CLAIMED or claim.post_id is None:
        return message(language, "scores.post_failed", period=period)
    status = await _sent_within(deps.poster, claim.post_id)
    if status == PostStatus.SENT:
        return message(language, "scores.posted", period=period)
    if status == PostStatus.FAILED:
        return message(language, "scores.post_failed", period=period)
    return message(language, "scores.post_queued", period=period)


async def _sent_within(poster: ScorePoster, post_id: int) -> str:
    """Send now in this task, then wait briefly in case another worker took the job first."""
    await poster.send_due()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + POST_WAIT_SECONDS
    while True:
        status, _error = await asyncio.to_thread(post_outcome, poster.engine, post_id)
        if status != PostStatus.CLAIMED or loop.time() >= deadline:
            return status
        await asyncio.sleep(POST_POLL_SECONDS)
