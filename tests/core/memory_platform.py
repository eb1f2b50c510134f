"""In-memory implementations of both chat ports, for driving the core without HTTP or a chat SDK.

They keep everything sent in plain lists, and can be told to fail an operation with any port error
(`fail`). An `Unconfirmed` failure can be told that the message landed all the same (`landed=True`),
which is what a timeout after Slack accepted a post looks like: the look-up then finds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.ports import AskCard, Contact, MessageRef, Origin, PortError, Recipient
from bot.scoring.view import ChartImage, ScorecardView


@dataclass(frozen=True)
class Failure:
    error: PortError
    landed: bool


@dataclass
class FailurePlan:
    """Failures queued per operation name, each used once, in order."""

    queued: dict[str, list[Failure]] = field(default_factory=dict)

    def add(self, operation: str, error: PortError, *, landed: bool) -> None:
        self.queued.setdefault(operation, []).append(Failure(error, landed))

    def next(self, operation: str) -> Failure | None:
        waiting = self.queued.get(operation) or []
        return waiting.pop(0) if waiting else None


@dataclass(frozen=True)
class SentMessage:
    kind: str
    """"ask", "reminder" or "notice"."""
    user_id: str
    ref: MessageRef
    card: AskCard | None = None
    text: str | None = None
    origin: Origin | None = None


class MemoryPlatform:
    """A `ChatPlatform` that delivers into `sent`; a member is found by their platform id or email."""

    def __init__(self, name: str = "slack") -> None:
        self.name = name
        self.sent: list[SentMessage] = []
        self.updates: list[tuple[MessageRef, AskCard]] = []
        self.looked_for: list[int] = []
        self.failures = FailurePlan()

    def fail(self, operation: str, error: PortError, *, landed: bool = False) -> None:
        """Make the next call of `operation` (a method name) raise `error`, having delivered when `landed`."""
        self.failures.add(operation, error, landed=landed)

    def reaches(self, contact: Contact) -> bool:
        return bool(contact.platform_user_id or contact.email)

    async def find_recipient(self, contact: Contact) -> Recipient:
        self._raise_planned("find_recipient")
        return Recipient(user_id=contact.platform_user_id or f"mem:{contact.email}")

    async def send_ask(self, recipient: Recipient, card: AskCard, origin: Origin) -> MessageRef:
        return self._deliver("send_ask", SentMessage("ask", recipient.user_id, self._ref(), card=card, origin=origin))

    async def find_sent_ask(
        self, recipient: Recipient, ask_id: int, origin: Origin, *, reminder: bool = False
    ) -> MessageRef | None:
        self.looked_for.append(ask_id)
        kind = "reminder" if reminder else "ask"
        for message in self.sent:
            about_it = message.kind == kind and message.card is not None and message.card.ask_id == ask_id
            if about_it and message.origin is not None and message.origin.installation == origin.installation:
                return message.ref
        return None

    async def send_reminder(self, recipient: Recipient, card: AskCard, sent: MessageRef, origin: Origin) -> MessageRef:
        ref = self._ref()
        self._deliver("send_reminder", SentMessage("reminder", recipient.user_id, ref, card=card, origin=origin))
        return {**sent, "reminders": [*sent.get("reminders", []), ref["ts"]]}

    async def update_ask(self, sent: MessageRef, card: AskCard) -> None:
        self._raise_planned("update_ask")
        self.updates.append((sent, card))

    async def send_notice(self, recipient: Recipient, text: str) -> MessageRef:
        return self._deliver("send_notice", SentMessage("notice", recipient.user_id, self._ref(), text=text))

    def asks_to(self, user_id: str) -> list[AskCard]:
        return [m.card for m in self.sent if m.kind == "ask" and m.user_id == user_id and m.card is not None]

    def _deliver(self, operation: str, message: SentMessage) -> MessageRef:
        failure = self.failures.next(operation)
        if failure is not None:
            if failure.landed:
                self.sent.append(message)
            raise failure.error
        self.sent.append(message)
        return message.ref

    def _raise_planned(self, operation: str) -> None:
        failure = self.failures.next(operation)
        if failure is not None:
            raise failure.error

    def _ref(self) -> dict[str, Any]:
        return {"channel": "D0MEMORY", "ts": f"{len(self.sent) + 1}.0001"}


@dataclass(frozen=True)
class Post:
    channel_id: str
    view: ScorecardView
    ref: MessageRef


class MemoryScorecardChannel:
    """A `ScorecardChannel` that posts into `posts` and `charts`; a card is found again by its post key."""

    def __init__(self, name: str = "slack") -> None:
        self.name = name
        self.posts: list[Post] = []
        self.charts: list[tuple[str, ChartImage, MessageRef]] = []
        self.looked_for: list[str] = []
        self.failures = FailurePlan()

    def fail(self, operation: str, error: PortError, *, landed: bool = False) -> None:
        self.failures.add(operation, error, landed=landed)

    async def post_scorecard(self, channel_id: str, view: ScorecardView) -> MessageRef:
        post = Post(channel_id, view, {"channel": channel_id, "ts": f"{len(self.posts) + 1}.0001"})
        failure = self.failures.next("post_scorecard")
        if failure is not None:
            if failure.landed:
                self.posts.append(post)
            raise failure.error
        self.posts.append(post)
        return post.ref

    async def post_chart(self, channel_id: str, chart: ChartImage, card: MessageRef) -> MessageRef:
        failure = self.failures.next("post_chart")
        if failure is not None:
            raise failure.error
        self.charts.append((channel_id, chart, card))
        return {"file": f"F{len(self.charts)}"}

    async def find_posted_scorecard(self, channel_id: str, post_key: str, since: datetime) -> MessageRef | None:
        self.looked_for.append(post_key)
        return next((p.ref for p in self.posts if p.channel_id == channel_id and p.view.post_key == post_key), None)
