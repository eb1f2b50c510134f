"""What every Slack listener needs, handed over at registration instead of living in globals."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.ask_loop import AskLoop
from bot.background import AfterAck
from bot.runtime import Runtime
from handlers.slack.directory import SlackDirectory

ONESCORE = "/onescore"
SCORES = "/scores"


@dataclass
class SlackDeps:
    runtime: Runtime
    loop: AskLoop
    directory: SlackDirectory
    later: AfterAck
    _ticks: set[asyncio.Task[object]] = field(default_factory=set)

    def wake(self) -> None:
        """Something was queued for sending: let the outbound worker start now."""
        self.loop.worker.wake()

    def nudge(self) -> None:
        """A deal may have closed: run a tick now rather than at the next poll."""
        task = asyncio.get_running_loop().create_task(self.loop.tick_and_wake())
        self._ticks.add(task)
        task.add_done_callback(self._ticks.discard)
