"""Slack as a `ScorecardChannel`: the scorecard as a Block Kit message, the chart as an uploaded PNG.

The chart goes up through Slack's current external upload flow (`files.getUploadURLExternal`,
the upload itself, `files.completeUploadExternal`, which `files_upload_v2` wraps), shared into the
same channel right after the card. Slack's errors are reported in the ports' terms, read as for
an ask (`slack_call`): a 429 waits for its `Retry-After`, a refusal (no such channel, missing scope)
is final, anything else is retried with backoff. A public channel the app has not joined is joined
once and tried again, so an admin does not have to invite the bot to every score channel.

The card's metadata carries its post key, which names this installation and the post; a retry
whose last attempt ended without an answer (`Unconfirmed`) looks for it in the channel, and adopts
only a card with that key sent since the post was claimed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.ports import MessageRef, Refused, Unreachable
from bot.scoring.view import ChartImage, ScorecardView, scorecard_summary
from handlers.slack.blocks import MESSAGE_TEXT, escape, fit
from handlers.slack.platform import message_with_metadata, recent_history, slack_call
from handlers.slack.scorecard_blocks import scorecard_blocks

log = logging.getLogger(__name__)

METADATA_EVENT = "onescore_scorecard"
NOT_IN_CHANNEL = "not_in_channel"


class SlackScorecardChannel:
    name = "slack"

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def post_scorecard(self, channel_id: str, view: ScorecardView) -> MessageRef:
        metadata = {
            "event_type": METADATA_EVENT,
            "event_payload": {"period": view.scorecard.period, "post_key": view.post_key or ""},
        }

        def post() -> Awaitable[AsyncSlackResponse]:
            return self.client.chat_postMessage(
                channel=channel_id,
                text=fit(escape(scorecard_summary(view)), MESSAGE_TEXT),
                blocks=scorecard_blocks(view),
                metadata=metadata,
                unfurl_links=False,
                unfurl_media=False,
            )

        posted = await self._in_channel(channel_id, post, posting=True)
        return {"channel": posted["channel"], "ts": posted["ts"]}

    async def post_chart(self, channel_id: str, chart: ChartImage, card: MessageRef) -> MessageRef:
        def upload() -> Awaitable[AsyncSlackResponse]:
            return self.client.files_upload_v2(
                channel=card.get("channel", channel_id),
                content=chart.png,
                filename=chart.filename,
                title=chart.title,
                alt_txt=chart.title,
            )

        uploaded = await self._in_channel(channel_id, upload)
        return {"file": (uploaded.get("file") or {}).get("id")}

    async def find_posted_scorecard(self, channel_id: str, post_key: str, since: datetime) -> MessageRef | None:
        """Look for the card's key among the channel's messages since the post was claimed.

        Needs `channels:history` (`groups:history` for a private channel); without them, or when
        the app is not in the channel yet, the card is posted again rather than not at all."""
        try:
            history = await slack_call(recent_history(self.client, channel_id, since))
        except (Refused, Unreachable) as exc:
            log.warning("slack: cannot check whether %s is in %s already (%s); posting it", post_key, channel_id, exc)
            return None
        posted = message_with_metadata(history, METADATA_EVENT, {"post_key": post_key}, since)
        return {"channel": channel_id, "ts": posted["ts"]} if posted else None

    async def _in_channel(
        self, channel_id: str, call: Callable[[], Awaitable[AsyncSlackResponse]], *, posting: bool = False
    ) -> AsyncSlackResponse:
        try:
            return await slack_call(call(), posting=posting)
        except Refused as exc:
            if NOT_IN_CHANNEL not in str(exc):
                raise
        await slack_call(self.client.conversations_join(channel=channel_id))
        return await slack_call(call(), posting=posting)
