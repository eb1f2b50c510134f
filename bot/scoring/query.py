"""Which scorecard someone asked for: a period, maybe one team, maybe posted to a channel.

The REST API names its choices as query parameters and `/scores` as words; both end up here, so
"this week so far", "last" and a team name mean the same thing whichever way they arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.organisation import Organisation
from bot.periods import Period, PeriodKind, current_period, local_date


class ScoreQueryError(ValueError):
    """The request cannot be understood; `parameter` names the part that is wrong."""

    def __init__(self, parameter: str, message: str, value: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message
        self.value = value


@dataclass(frozen=True)
class ScoreQuery:
    period: Period
    team: str | None = None
    post: bool = False
    so_far: bool = False
    """The period has not ended yet, so its figures are still growing."""


def is_so_far(period: Period, now: datetime, zone: ZoneInfo) -> bool:
    return local_date(now, zone) <= period.last


def resolve_period(now: datetime, zone: ZoneInfo, *, week: str | None, period: str | None) -> Period:
    """`?week=` (an ISO week) or `?period=` (a week, month or quarter); neither means this week."""
    if week is not None and period is not None:
        raise ScoreQueryError("period", "give either week or period, not both")
    if week is not None:
        chosen = _parse("week", week)
        if chosen.kind is not PeriodKind.WEEK:
            raise ScoreQueryError("week", f"{week!r} is not an ISO week: use YYYY-Www, e.g. 2026-W48")
        return chosen
    if period is not None:
        return _parse("period", period)
    return current_period(now, zone)


def resolve_team(org: Organisation, team: str | None, parameter: str = "team") -> str | None:
    """A configured team as `Organisation.find_team` reads it; None for no team."""
    if team is None:
        return None
    entry = org.find_team(team)
    if entry is not None:
        return entry.name
    names = ", ".join(entry.name for entry in org.teams)
    raise ScoreQueryError(parameter, f"unknown team {team!r} (teams: {names})", team)


def parse_scores_words(text: str, org: Organisation, now: datetime) -> ScoreQuery:
    """`/scores [post] [last | YYYY-Www | YYYY-MM | YYYY-Qn] [team NAME]`, words in any order.

    Raises ScoreQueryError with parameter "args" for words that mean nothing, "team" for a team
    that does not exist (so the reply can list the teams instead of the usage line).
    """
    words = text.split()
    zone = org.zone
    period: Period | None = None
    team_words: list[str] | None = None
    post = False
    index = 0
    while index < len(words):
        word = words[index].lower()
        index += 1
        if word == "post" and not post:
            post = True
        elif word == "last" and period is None:
            period = current_period(now, zone).previous()
        elif word == "team" and team_words is None:
            team_words = []
            while (
                index < len(words)
                and words[index].lower() not in ("post", "last")
                and not Period.looks_like(words[index])
            ):
                team_words.append(words[index])
                index += 1
            if not team_words:
                raise ScoreQueryError("args", "team needs a name")
        elif period is None and Period.looks_like(word):
            period = _parse("period", words[index - 1])
        else:
            raise ScoreQueryError("args", f"unexpected {words[index - 1]!r}")
    chosen = period or current_period(now, zone)
    team = resolve_team(org, " ".join(team_words)) if team_words else None
    return ScoreQuery(period=chosen, team=team, post=post, so_far=is_so_far(chosen, now, zone))


def _parse(parameter: str, text: str) -> Period:
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise ScoreQueryError(parameter, str(exc), text) from None
