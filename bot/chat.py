"""A chat platform as the running service sees it: one adapter per platform.

The core talks to a platform through its two ports (`ChatPlatform` for asks, `ScorecardChannel`
for scorecards); the service also has to mount the platform's HTTP route, hand it the ask loop
and the score poster, and start and stop it with the process. `bot/app.py` does all of that by
looping over `ChatAdapter`s, so a new platform is a new `handlers/` package plus one entry in
`handlers/chat.py`, and nothing in the core changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from fastapi import APIRouter

    from bot.ports import ChatPlatform
    from bot.posting.posts import ScorePoster
    from bot.rounds.loop import AskLoop
    from bot.scoring.view import ScorecardChannel


class ChatAdapter(Protocol):
    name: str
    """The platform's key: in `ChatPlatform` maps, score channels and the organisation file."""

    platform: ChatPlatform
    scorecards: ScorecardChannel

    delivery_prefix: str
    """Prefix of the `processed_events` keys the adapter writes for redelivered requests; the
    service forgets them after a day, long after any platform has stopped retrying."""

    def attach(self, loop: AskLoop, poster: ScorePoster) -> None:
        """Wire the adapter's handlers to the ask loop and the score poster, which exist only now."""
        ...

    def router(self) -> APIRouter:
        """The platform's HTTP endpoint."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
