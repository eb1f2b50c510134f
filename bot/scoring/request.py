"""A scores request from chat (`/scores` in Slack, `scores` in Teams), answered once for every platform.

The words, who may post, and which refusal fits are decided here; an adapter only reads its payload
and renders the reply. A refusal carries its catalogue key and values rather than finished text, so
each platform words it in the person's language with its own markup, and a core test can check the
decision without a chat platform.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from sqlmodel import Session

from bot.organisation import Role
from bot.runtime import Runtime
from bot.scoring.query import ScoreQuery, ScoreQueryError, parse_scores_words
from bot.scoring.scorecard import compute_scorecard
from bot.scoring.view import ScorecardView, scorecard_view
from prompts import MESSAGES

POSTERS = frozenset({Role.LEAD, Role.ADMIN})
PERIOD_ERRORS = (ValueError, OverflowError)
"""What the period arithmetic raises for a period it parsed but cannot compute (its trend reaches
before year 1, its end past 9999): the person gets told the period is not valid, not silence."""


@dataclass(frozen=True)
class ScoresCommand:
    """How one platform spells the command: its name in hints, its usage line, whether it can post."""

    name: str
    usage_key: str
    posting: bool
    team_format: str = "{}"
    """How a team name is shown in the list of teams (Slack marks names as code)."""


class Refusal(StrEnum):
    NOT_UNDERSTOOD = "not_understood"
    UNKNOWN_TEAM = "unknown_team"
    INVALID_PERIOD = "invalid_period"
    POST_REFUSED = "post_refused"


@dataclass(frozen=True)
class ScoresRefusal:
    reason: Refusal
    key: str
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ScoresShown:
    view: ScorecardView


@dataclass(frozen=True)
class ScoresToPost:
    """A post the caller may make; the adapter posts it to the channel the command came from."""

    query: ScoreQuery


ScoresReply = ScoresShown | ScoresToPost | ScoresRefusal


def answer_scores_request(
    runtime: Runtime, text: str, *, role: str | None, language: str, command: ScoresCommand
) -> ScoresReply:
    """The reply to `text` (the words after the command) from someone with `role` (None: not a member).

    Reads the database: call it off the event loop."""
    words = text.strip()
    try:
        query = parse_scores_words(words, runtime.org, runtime.now())
    except ScoreQueryError as exc:
        return _query_refusal(runtime, exc, words, command)
    if query.post:
        return _post_request(query, words, role, command)
    try:
        return ScoresShown(_view(runtime, query, language))
    except PERIOD_ERRORS:
        return invalid_period(words, command)


def invalid_period(words: str, command: ScoresCommand) -> ScoresRefusal:
    """The refusal for a period that parsed but cannot be computed (also when posting it)."""
    return _refusal(Refusal.INVALID_PERIOD, "scores.invalid_period", command, args=words)


def _post_request(query: ScoreQuery, words: str, role: str | None, command: ScoresCommand) -> ScoresReply:
    if not command.posting:
        return _refusal(Refusal.NOT_UNDERSTOOD, command.usage_key, command, args=words)
    if role not in POSTERS:
        return _refusal(Refusal.POST_REFUSED, "scores.post_refused", command)
    return ScoresToPost(query)


def _query_refusal(runtime: Runtime, exc: ScoreQueryError, words: str, command: ScoresCommand) -> ScoresRefusal:
    if exc.parameter == "team":
        teams = ", ".join(command.team_format.format(entry.name) for entry in runtime.org.teams)
        return _refusal(Refusal.UNKNOWN_TEAM, "scores.unknown_team", command, team=exc.value or "", teams=teams)
    if exc.parameter == "period":
        return _refusal(Refusal.INVALID_PERIOD, "scores.invalid_period", command, args=exc.value or words)
    return _refusal(Refusal.NOT_UNDERSTOOD, command.usage_key, command, args=words)


def _refusal(reason: Refusal, key: str, command: ScoresCommand, **values: str) -> ScoresRefusal:
    """Only the values the key's message takes: Teams' usage line names no command, Slack's does."""
    wanted = MESSAGES[key].placeholders
    given = {"scores": command.name, **values}
    return ScoresRefusal(reason, key, {name: value for name, value in given.items() if name in wanted})


def _view(runtime: Runtime, query: ScoreQuery, language: str) -> ScorecardView:
    with Session(runtime.engine) as session:
        card = compute_scorecard(session, runtime.org, query.period, team=query.team)
    return scorecard_view(card, runtime.org, language, runtime.now(), team=query.team)
