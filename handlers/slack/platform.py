"""Slack as a `ChatPlatform`: asks arrive as direct messages from the app.

Slack allows about one message per second in a channel, so messages to the same person are
spaced out here; a short wait is slept, a longer one (a burst of asks for one person) is handed
back to the outbound queue as `RateLimited`, which frees the worker for other people's messages.
A 429 from Slack itself becomes `RateLimited` with Slack's own `Retry-After` — also when a proxy
in between answered it with an HTML or plain-text page instead of Slack's JSON.

A message the bot sends carries, in its metadata, what it is about (the ask's id) and who sent it
(the installation's id). Looking for it later adopts only a message with both, sent after the ask
was created: an earlier database's message about an ask with the same id, or another installation's
on the same Slack app, is someone else's.

A posting call that fails after its request went out (a timeout, a dropped connection, a 5xx) is
`Unconfirmed`: it may have landed, and only then is the DM looked through before sending again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Mapping
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.ports import AskCard, Contact, MessageRef, Origin, RateLimited, Recipient, Refused, Unconfirmed, Unreachable
from handlers.slack.blocks import MESSAGE_TEXT, ask_blocks, escape, fallback_text, fit

log = logging.getLogger(__name__)

ASK_METADATA_EVENT = "onescore_ask"
REMINDER_METADATA_EVENT = "onescore_ask_reminder"
HISTORY_LOOKBACK = 20
PER_CHANNEL_INTERVAL = 1.0
LONGEST_SLEEP = 1.0
DEFAULT_RETRY_AFTER = 30
UNREACHABLE_ERRORS = {
    "users_not_found",
    "user_not_found",
    "account_inactive",
    "user_disabled",
    "cannot_dm_bot",
    "channel_not_found",
    "is_archived",
}
TRANSIENT_ERRORS = {
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "team_added_to_org",
}


class SlackPlatform:
    name = "slack"

    def __init__(self, client: AsyncWebClient, *, per_channel_interval: float = PER_CHANNEL_INTERVAL) -> None:
        self.client = client
        self.per_channel_interval = per_channel_interval
        self._next_slot: dict[str, float] = {}

    def reaches(self, contact: Contact) -> bool:
        return bool(contact.platform_user_id or contact.email)

    async def find_recipient(self, contact: Contact) -> Recipient:
        user_id = contact.platform_user_id
        if user_id is None:
            if not contact.email:
                raise Unreachable("no Slack id and no email to look it up by")
            found = await slack_call(self.client.users_lookupByEmail(email=contact.email))
            user_id = found["user"]["id"]
        info = (await slack_call(self.client.users_info(user=user_id, include_locale=True)))["user"]
        if info.get("deleted"):
            raise Unreachable(f"Slack user {user_id} is deactivated")
        return Recipient(user_id=user_id, language=info.get("locale"), timezone=info.get("tz"))

    async def send_ask(self, recipient: Recipient, card: AskCard, origin: Origin) -> MessageRef:
        """The ask's id and the installation's travel in the message's metadata, for `find_sent_ask`."""
        await self._wait_for_slot(recipient.user_id)
        posted = await slack_call(
            self.client.chat_postMessage(
                channel=recipient.user_id,
                text=fallback_text(card),
                blocks=ask_blocks(card),
                metadata=ask_metadata(ASK_METADATA_EVENT, card.ask_id, origin),
            ),
            posting=True,
        )
        return {"channel": posted["channel"], "ts": posted["ts"]}

    async def find_sent_ask(
        self, recipient: Recipient, ask_id: int, origin: Origin, *, reminder: bool = False
    ) -> MessageRef | None:
        """Look through the member's DM with the app, since the ask was created, for this
        installation's message about this ask.

        Needs `im:write` and `im:history`; an app installed before it asked for them cannot look,
        and then the ask is sent again rather than not at all."""
        try:
            channel = (await slack_call(self.client.conversations_open(users=recipient.user_id)))["channel"]["id"]
            history = await slack_call(recent_history(self.client, channel, origin.since))
        except Refused as exc:
            log.warning("slack: cannot check whether ask %s was already sent (%s); sending it", ask_id, exc)
            return None
        event = REMINDER_METADATA_EVENT if reminder else ASK_METADATA_EVENT
        wanted = {"ask_id": ask_id, "installation": origin.installation}
        sent = message_with_metadata(history, event, wanted, origin.since)
        return {"channel": channel, "ts": sent["ts"]} if sent else None

    async def send_reminder(self, recipient: Recipient, card: AskCard, sent: MessageRef, origin: Origin) -> MessageRef:
        """A new message with the same buttons (the first may have scrolled away); both stay in step."""
        await self._wait_for_slot(recipient.user_id)
        reminder = card.texts["ask.reminder"]
        posted = await slack_call(
            self.client.chat_postMessage(
                channel=sent.get("channel", recipient.user_id),
                text=fit(escape(reminder), MESSAGE_TEXT),
                blocks=ask_blocks(card, lead=reminder),
                metadata=ask_metadata(REMINDER_METADATA_EVENT, card.ask_id, origin),
            ),
            posting=True,
        )
        return {**sent, "reminders": [*sent.get("reminders", []), posted["ts"]]}

    async def update_ask(self, sent: MessageRef, card: AskCard) -> None:
        for ts in [sent["ts"], *sent.get("reminders", [])]:
            await slack_call(
                self.client.chat_update(
                    channel=sent["channel"], ts=ts, text=fallback_text(card), blocks=ask_blocks(card)
                )
            )

    async def send_notice(self, recipient: Recipient, text: str) -> MessageRef:
        """Plain text with Slack's markup off; the control characters are escaped as Slack still reads them."""
        await self._wait_for_slot(recipient.user_id)
        posted = await slack_call(
            self.client.chat_postMessage(channel=recipient.user_id, text=escape(text), mrkdwn=False)
        )
        return {"channel": posted["channel"], "ts": posted["ts"]}

    async def _wait_for_slot(self, channel: str) -> None:
        """Space messages to one person `per_channel_interval` apart, as Slack asks."""
        now = time.monotonic()
        slot = max(now, self._next_slot.get(channel, now))
        wait = slot - now
        if wait > LONGEST_SLEEP:
            raise RateLimited(timedelta(seconds=wait))
        self._next_slot[channel] = slot + self.per_channel_interval
        if wait > 0:
            await asyncio.sleep(wait)


def ask_metadata(event_type: str, ask_id: int, origin: Origin) -> dict[str, Any]:
    return {"event_type": event_type, "event_payload": {"ask_id": ask_id, "installation": origin.installation}}


def recent_history(client: AsyncWebClient, channel: str, since: datetime) -> Awaitable[AsyncSlackResponse]:
    """The channel's latest messages from `since` on (inclusive), with their metadata."""
    return client.conversations_history(
        channel=channel,
        limit=HISTORY_LOOKBACK,
        include_all_metadata=True,
        oldest=f"{since.timestamp():.6f}",
        inclusive=True,
    )


def message_with_metadata(
    history: AsyncSlackResponse, event_type: str, wanted: Mapping[str, object], since: datetime
) -> dict[str, Any] | None:
    """The message in a `conversations.history` page, sent at `since` or later, whose metadata is
    `event_type` with every `wanted` key and value in its payload (the installation among them)."""
    for message in history.get("messages") or []:
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if metadata.get("event_type") != event_type or not _sent_since(message, since):
            continue
        if all(payload.get(key) == value for key, value in wanted.items()):
            return message
    return None


def _sent_since(message: Mapping[str, Any], since: datetime) -> bool:
    try:
        return float(message.get("ts", "")) >= since.timestamp()
    except (TypeError, ValueError):
        return False


AMBIGUOUS_ERRORS = (TimeoutError, aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientOSError)


async def slack_call(call: Awaitable[AsyncSlackResponse], *, posting: bool = False) -> AsyncSlackResponse:
    """Slack's errors in the port's terms: 429 waits, a person gone is unreachable, a 4xx is refused;
    a posting call whose outcome is unknown is `Unconfirmed`, so the queue looks before sending again."""
    try:
        return await call
    except SlackApiError as exc:
        problem = translate(exc)
        if posting and problem is exc:
            raise Unconfirmed(f"Slack answered {status_of(exc.response) or 'nothing readable'}") from exc
        raise problem from exc
    except Exception as exc:
        if posting and is_ambiguous(exc):
            raise Unconfirmed(f"no answer from Slack: {type(exc).__name__}: {exc}") from exc
        raise


def is_ambiguous(exc: BaseException) -> bool:
    """A connection that failed before anything was sent cannot have posted; any other break can have."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        return False
    return isinstance(exc, AMBIGUOUS_ERRORS)


def translate(exc: SlackApiError) -> Exception:
    """In the port's terms; a response that is not Slack's JSON (a proxy's HTML 429 or 503 page) is
    judged by its status and headers alone, so its `Retry-After` still counts."""
    response = exc.response
    status = status_of(response)
    error = error_of(response)
    if status == 429 or error == "ratelimited":
        return RateLimited(timedelta(seconds=_retry_after(getattr(response, "headers", None))))
    if error in UNREACHABLE_ERRORS:
        return Unreachable(f"Slack says {error}")
    if error in TRANSIENT_ERRORS or status >= 500:
        return exc
    if 400 <= status < 500 or error:
        return Refused(f"Slack refused the call: {error or status}")
    return exc


def status_of(response: object) -> int:
    """The HTTP status of slack_sdk's response, or of the raw aiohttp one it hands over when the
    body was not JSON."""
    for attribute in ("status_code", "status"):
        value = getattr(response, attribute, None)
        if isinstance(value, int):
            return value
    return 0


def error_of(response: object) -> str:
    """Slack's `error` code, or "" when the body is not Slack's JSON object."""
    data = getattr(response, "data", None)
    if isinstance(data, Mapping):
        return str(data.get("error") or "")
    return ""


def _retry_after(headers: Mapping[str, Any] | None) -> float:
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            try:
                return max(float(value), 1.0)
            except (TypeError, ValueError):
                break
    return DEFAULT_RETRY_AFTER
