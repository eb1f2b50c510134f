"""`/scores [last | YYYY-Www] [team NAME]` and `/scores post`: the scorecard on demand.

The command is acknowledged at once, before even the database is read; everything else — the
card, a usage hint, a refusal — follows through the command's response_url, visible only to
the caller. `/scores post` puts the same card into the channel for everyone, for leads and admins
only; it goes through the same claimed, queued posting as the weekly post.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from sqlmodel import Session

from bot.organisation import Role, ScoreChannel
from bot.posting.posts import ClaimOutcome, PostStatus, ScorePoster, post_outcome
from bot.runtime import Runtime
from bot.scoring.query import ScoreQuery, ScoreQueryError, parse_scores_words
from bot.scoring.scorecard import compute_scorecard
from bot.scoring.view import ScorecardView, period_name, scorecard_summary, scorecard_view
from handlers.slack.after_ack import AfterAck
from handlers.slack.deps import SCORES
from handlers.slack.directory import SlackDirectory
from handlers.slack.listeners import settings
from handlers.slack.scorecard_blocks import scorecard_blocks
from prompts import message

POSTERS = (Role.LEAD.value, Role.ADMIN.value)
PERIOD_ERRORS = (ValueError, OverflowError)
"""What the period arithmetic raises for a period it parsed but cannot compute (its trend reaches
before year 1, its end past 9999): the person gets told the period is not valid, not silence."""
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
    try:
        query = parse_scores_words(text, deps.runtime.org, deps.runtime.now())
    except ScoreQueryError as exc:
        await respond(text=_refusal(deps, exc, text, language), response_type="ephemeral")
        return
    try:
        if query.post:
            reply = await _post(deps, command, query, language)
            await respond(text=reply, response_type="ephemeral")
            return
        view = await asyncio.to_thread(_view, deps.runtime, query, language)
    except PERIOD_ERRORS:
        await respond(
            text=message(language, "scores.invalid_period", args=text, scores=SCORES), response_type="ephemeral"
        )
        return
    await respond(text=scorecard_summary(view), blocks=scorecard_blocks(view), response_type="ephemeral")


def _refusal(deps: ScoreDeps, exc: ScoreQueryError, text: str, language: str) -> str:
    if exc.parameter == "team":
        teams = ", ".join(f"`{entry.name}`" for entry in deps.runtime.org.teams)
        return message(language, "scores.unknown_team", team=exc.value or "", teams=teams)
    if exc.parameter == "period":
        return message(language, "scores.invalid_period", args=exc.value or text, scores=SCORES)
    return message(language, "scores.usage", args=text, scores=SCORES)


def _view(runtime: Runtime, query: ScoreQuery, language: str) -> ScorecardView:
    with Session(runtime.engine) as session:
        card = compute_scorecard(session, runtime.org, query.period, team=query.team)
    return scorecard_view(card, runtime.org, language, runtime.now(), team=query.team)


async def _post(deps: ScoreDeps, command: dict[str, Any], query: ScoreQuery, language: str) -> str:
    """Post to the channel the command came from; the reply says whether it is there yet."""
    member = await deps.directory.member(command["user_id"])
    if member is None or member.role not in POSTERS:
        return message(language, "scores.post_refused", scores=SCORES)
    target = ScoreChannel(slack=command["channel_id"])
    [claim] = await asyncio.to_thread(deps.poster.request, [target], query.period, force=True, team=query.team)
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
