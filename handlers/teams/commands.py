"""What people type to the bot in Teams: `help`, `scores`, `scores last`, `scores 2026-W47`, `scores team NAME`.

Teams has no slash commands: the words arrive as the text of a message, in the personal chat or
after an @mention in a channel (the mention is in the text as `<at>OneScore</at>`). Parsing is
pure, so every form is tested without Teams.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.organisation import Organisation
from bot.periods import Period, local_date

HELP, SCORES = "help", "scores"
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Command:
    name: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class ScoresRequest:
    period: Period
    so_far: bool
    team: str | None


class UnknownTeam(ValueError):
    def __init__(self, team: str) -> None:
        super().__init__(team)
        self.team = team


def command(text: str | None, mentions: list[str]) -> Command:
    """The command in a message; `mentions` are the bot's own @mention texts, removed first."""
    cleaned = text or ""
    for mention in mentions:
        cleaned = cleaned.replace(mention, " ")
    words = _SPACES.sub(" ", cleaned.replace("\u00a0", " ")).strip().split(" ")
    words = [w for w in words if w]
    if not words:
        return Command(HELP, ())
    return Command(words[0].lower().lstrip("/"), tuple(words[1:]))


def scores_request(args: tuple[str, ...], org: Organisation, now: datetime) -> ScoresRequest | None:
    """`[last | YYYY-Www | YYYY-MM | YYYY-Qn] [team NAME]`; None when the words make no sense.

    Raises UnknownTeam when the team named is not in the organisation file.
    """
    words = list(args)
    lowered = [w.lower() for w in words]
    team = None
    if "team" in lowered:
        at = lowered.index("team")
        wanted = " ".join(words[at + 1 :]).strip()
        if not wanted:
            return None
        team = _team(org, wanted)
        words = words[:at]
    today = local_date(now, org.zone)
    current = Period.containing(today)
    if not words:
        return ScoresRequest(current, True, team)
    if len(words) > 1:
        return None
    if words[0].lower() == "last":
        return ScoresRequest(current.previous(), False, team)
    try:
        period = Period.parse(words[0])
    except ValueError:
        return None
    return ScoresRequest(period, today in period, team)


def _team(org: Organisation, wanted: str) -> str:
    key = wanted.lower()
    for entry in org.teams:
        if key in (entry.name, (entry.label or "").lower()):
            return entry.name
    raise UnknownTeam(wanted)
