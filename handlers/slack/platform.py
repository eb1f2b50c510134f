"""Slack as a `ChatPlatform`: asks arrive as direct messages from the app.

Slack allows about one message per second in a channel, so messages to the same person are
spaced out here; a short wait is slept, a longer one (a burst of asks for one person) is handed
back to the outbound queue as `RateLimited`, which frees the worker for other people's messages.
A 429 from Slack itself becomes `RateLimited` with Slack's own `Retry-After`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.ports import AskCard, Contact, MessageRef, RateLimited, Recipient, Refused, Unreachable
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
            found = await _slack(self.client.users_lookupByEmail(email=contact.email))
            user_id = found["user"]["id"]
        info = (await _slack(self.client.users_info(user=user_id, include_locale=True)))["user"]
        if info.get("deleted"):
            raise Unreachable(f"Slack user {user_id} is deactivated")
        return Recipient(user_id=user_id, language=info.get("locale"), timezone=info.get("tz"))

    async def send_ask(self, recipient: Recipient, card: AskCard) -> MessageRef:
        """The ask's id travels in the message's metadata, so `find_sent_ask` can recognise it."""
        await self._wait_for_slot(recipient.user_id)
        posted = await _slack(
            self.client.chat_postMessage(
                channel=recipient.user_id,
                text=fallback_text(card),
                blocks=ask_blocks(card),
                metadata={"event_type": ASK_METADATA_EVENT, "event_payload": {"ask_id": card.ask_id}},
            )
        )
        return {"channel": posted["channel"], "ts": posted["ts"]}

    async def find_sent_ask(self, recipient: Recipient, ask_id: int, *, reminder: bool = False) -> MessageRef | None:
        """Look through the latest messages of the member's DM with the app for this ask's metadata.

        Needs `im:write` and `im:history`; an app installed before it asked for them cannot look,
        and then the ask is sent again rather than not at all."""
        try:
            channel = (await _slack(self.client.conversations_open(users=recipient.user_id)))["channel"]["id"]
            history = await _slack(
                self.client.conversations_history(channel=channel, limit=HISTORY_LOOKBACK, include_all_metadata=True)
            )
        except Refused as exc:
            log.warning("slack: cannot check whether ask %s was already sent (%s); sending it", ask_id, exc)
            return None
        event = REMINDER_METADATA_EVENT if reminder else ASK_METADATA_EVENT
        sent = message_with_metadata(history, event, "ask_id", ask_id)
        return {"channel": channel, "ts": sent["ts"]} if sent else None

    async def send_reminder(self, recipient: Recipient, card: AskCard, sent: MessageRef) -> MessageRef:
        """A new message with the same buttons (the first may have scrolled away); both stay in step."""
        await self._wait_for_slot(recipient.user_id)
        reminder = card.texts["ask.reminder"]
        posted = await _slack(
            self.client.chat_postMessage(
                channel=sent.get("channel", recipient.user_id),
                text=fit(escape(reminder), MESSAGE_TEXT),
                blocks=ask_blocks(card, lead=reminder),
                metadata={"event_type": REMINDER_METADATA_EVENT, "event_payload": {"ask_id": card.ask_id}},
            )
        )
        return {**sent, "reminders": [*sent.get("reminders", []), posted["ts"]]}

    async def update_ask(self, sent: MessageRef, card: AskCard) -> None:
        for ts in [sent["ts"], *sent.get("reminders", [])]:
            await _slack(
                self.client.chat_update(
                    channel=sent["channel"], ts=ts, text=fallback_text(card), blocks=ask_blocks(card)
                )
            )

    async def send_notice(self, recipient: Recipient, text: str) -> MessageRef:
        """Plain text with Slack's markup off; the control characters are escaped as Slack still reads them."""
        await self._wait_for_slot(recipient.user_id)
        posted = await _slack(self.client.chat_postMessage(channel=recipient.user_id, text=escape(text), mrkdwn=False))
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


def message_with_metadata(
    history: AsyncSlackResponse, event_type: str, key: str, value: object
) -> dict[str, Any] | None:
    """The message in a `conversations.history` page whose metadata has `key` = `value`."""
    for message in history.get("messages") or []:
        metadata = message.get("metadata") or {}
        if metadata.get("event_type") == event_type and (metadata.get("event_payload") or {}).get(key) == value:
            return message
    return None


async def _slack(call: Awaitable[AsyncSlackResponse]) -> AsyncSlackResponse:
    """Slack's errors in the port's terms: 429 waits, a person gone is unreachable, a 4xx is refused."""
    try:
        return await call
    except SlackApiError as exc:
        raise translate(exc) from exc


def translate(exc: SlackApiError) -> Exception:
    response = exc.response
    status = getattr(response, "status_code", 0)
    error = response.get("error", "") if hasattr(response, "get") else ""
    if status == 429 or error == "ratelimited":
        return RateLimited(timedelta(seconds=_retry_after(response.headers)))
    if error in UNREACHABLE_ERRORS:
        return Unreachable(f"Slack says {error}")
    if error in TRANSIENT_ERRORS or status >= 500:
        return exc
    if 400 <= status < 500 or error:
        return Refused(f"Slack refused the call: {error or status}")
    return exc


def _retry_after(headers: dict[str, Any] | None) -> float:
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            try:
                return max(float(value), 1.0)
            except (TypeError, ValueError):
                break
    return DEFAULT_RETRY_AFTER
