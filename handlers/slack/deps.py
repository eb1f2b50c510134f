"""What every Slack listener needs, handed over at registration instead of living in globals."""

from __future__ import annotations

from dataclasses import dataclass

from bot.rounds.loop import AskLoop
from bot.runtime import Runtime
from handlers.slack.after_ack import AfterAck
from handlers.slack.directory import SlackDirectory

ONESCORE = "/onescore"
SCORES = "/scores"


@dataclass
class SlackDeps:
    runtime: Runtime
    loop: AskLoop
    directory: SlackDirectory
    later: AfterAck

    def wake(self) -> None:
        """Something was queued for sending: let the outbound worker start now."""
        self.loop.wake()

    def nudge(self) -> None:
        """A deal may have closed: run a tick now rather than at the next poll."""
        self.later.run(self.loop.tick_and_wake(), name="ask tick for a deal saved in chat")
