"""The interfaces between the core and a chat platform, side by side (Slack and Teams implement both).

`ChatPlatform` reaches people (asks, reminders, admins' notices); `ScorecardChannel` posts
scorecards into channels. The core decides who is asked what and when, and which figures a
scorecard shows; a platform only knows how to reach a person or a channel and how to lay a message
out. Everything crossing this line is a plain dataclass (the scorecard's is `ScorecardView`, in
`bot.scoring.view`): no Slack or Bot Framework types, so a new platform implements these ports
inside its own adapter (`bot/platforms.py`) and nothing in the core changes.

Both ports report trouble with the same exceptions, so the core reads a Slack 429 and a Teams 429
alike. The outbound queue (`bot.durable.jobs.queue_outcome`, the one place they are read) turns
them into waiting (`RateLimited`), giving up on that message (`Refused`, and `Unreachable` unless
the caller parks the ask until the person can be reached), retrying with backoff and looking first
next time (`Unconfirmed`: the request may have landed) or retrying with backoff (anything else:
outages before anything was sent).

Every message about an ask carries its `Origin`, so that a later look-up adopts only a message this
installation sent for this ask after the ask existed — never one left by a reset database or by
another installation of the same app.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.scoring.view import ChartImage, ScorecardView

MessageRef = dict[str, Any]
"""Where a platform put a message or a post (opaque to the core, stored with the ask or the post's
row as JSON)."""


@dataclass(frozen=True)
class Contact:
    """What the core knows about how to reach a member."""

    member_id: int
    email: str | None
    name: str | None
    platform_user_id: str | None
    """The member's id on this platform when known (Slack `U…`, Teams `29:…`)."""


@dataclass(frozen=True)
class Recipient:
    """A member as a platform found them, with what the platform knows of their preferences."""

    user_id: str
    language: str | None = None
    """The platform's language hint (`fi`, `en`), used when the organisation file names none."""
    timezone: str | None = None
    """The platform's IANA time zone, used when the organisation file names none."""


@dataclass(frozen=True)
class TeamChoice:
    name: str
    label: str


@dataclass(frozen=True)
class AnswerShown:
    helping_team: str
    helping_team_label: str
    impact: str
    text: str
    quotable: bool


@dataclass(frozen=True)
class AskCard:
    """An ask as the member sees it, with the words already in their language.

    `texts` holds every catalogue message the platform may show for this ask (button and modal
    labels, the status line), keyed as in the catalogue, so a platform never picks words itself.
    """

    ask_id: int
    language: str
    status: str
    outcome: str
    question: str
    deal_name: str
    account: str | None
    amount: str | None
    owner_name: str | None
    helping_team: str | None
    teams: tuple[TeamChoice, ...]
    texts: dict[str, str]
    answer: AnswerShown | None = None
    asks_team: bool = False
    """The member has no team yet: "Which team are you in?" comes first (`teams` are the choices),
    and the question follows once they answer it (`bot.people.team_choice`)."""
    can_snooze: bool = False
    """Whether "Remind me tomorrow" is offered (pending, not snoozed now, snoozed fewer than twice)."""
    snoozed: bool = False
    """Waiting for its snoozed reminder; `texts["own.snoozed"]` says when."""


@dataclass(frozen=True)
class Origin:
    """Who sends a message about an ask, and since when such a message can exist."""

    installation: str
    """This database's id (`storage.installation`), carried in the message for the look-up to match."""
    since: datetime
    """When the ask was created: a message older than that cannot be this ask's."""


class PortError(Exception):
    """Trouble a platform reports through either port; the subclasses say what the core should do."""


class RateLimited(PortError):
    """The platform asked us to wait (HTTP 429); nothing was delivered."""

    def __init__(self, retry_after: timedelta) -> None:
        super().__init__(f"rate limited; retry after {retry_after.total_seconds():.0f}s")
        self.retry_after = retry_after


class Unreachable(PortError):
    """This person (or channel) cannot be reached on this platform (no account, deactivated, blocked
    the app, the app is not in that team)."""


class Refused(PortError):
    """The platform refused the request itself (bad content, missing permission): retrying won't help."""


class Unconfirmed(PortError):
    """The request went out but its outcome is unknown (a timeout, a dropped connection, a 5xx): it may
    have been delivered, so before sending again the platform is asked whether it was."""


class ChatPlatform(Protocol):
    """Sends asks (and admins' notices) to people on one chat platform."""

    name: str

    def reaches(self, contact: Contact) -> bool:
        """Whether this platform can try to reach the member (no I/O: ids and emails only)."""
        ...

    async def find_recipient(self, contact: Contact) -> Recipient:
        """Find the member on the platform (by id, else by email); raises `Unreachable`."""
        ...

    async def send_ask(self, recipient: Recipient, card: AskCard, origin: Origin) -> MessageRef:
        """Deliver the ask as a direct message marked with `origin`; returns where it landed."""
        ...

    async def find_sent_ask(
        self, recipient: Recipient, ask_id: int, origin: Origin, *, reminder: bool = False
    ) -> MessageRef | None:
        """The ask's message (or its reminder's) that this installation (`origin`) sent after the ask
        was created, if an earlier attempt delivered it without learning so (`Unconfirmed`); None
        when it is not there or the platform cannot tell. Asked only after such an attempt."""
        ...

    async def send_reminder(self, recipient: Recipient, card: AskCard, sent: MessageRef, origin: Origin) -> MessageRef:
        """Remind the member of a pending ask; returns the ask's message reference, updated."""
        ...

    async def update_ask(self, sent: MessageRef, card: AskCard) -> None:
        """Show the ask's new state (answered, declined, expired) where it was delivered."""
        ...

    async def send_notice(self, recipient: Recipient, text: str) -> MessageRef:
        """Tell an admin something only a person can fix, as a plain-text direct message (no markup)."""
        ...


class ScorecardChannel(Protocol):
    """Posts scorecards into channels on one chat platform; raises the port errors above."""

    name: str

    async def post_scorecard(self, channel_id: str, view: ScorecardView) -> MessageRef:
        """Post the scorecard to the channel; returns where it landed."""
        ...

    async def post_chart(self, channel_id: str, chart: ChartImage, card: MessageRef) -> MessageRef:
        """Post the chart that goes with the scorecard posted at `card`; returns where it landed."""
        ...

    async def find_posted_scorecard(self, channel_id: str, post_key: str, since: datetime) -> MessageRef | None:
        """The scorecard posted with `post_key` at `since` or later, if an earlier attempt posted it
        without learning so (`Unconfirmed`); None when it is not there or the platform cannot tell."""
        ...
