"""What people type to the bot in Teams: `help`, `scores` with the same words as Slack's `/scores`, or `insights`.

Teams has no slash commands: the words arrive as the text of a message, in the personal chat or
after an @mention in a channel (the mention is in the text as `<at>OneScore</at>`). The words
after `scores` are answered by the core's `answer_scores_request`, exactly as in Slack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HELP, SCORES = "help", "scores"
INSIGHTS = "insights"
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Command:
    name: str
    args: tuple[str, ...]


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
