"""Slack as a `ScorecardChannel`: the scorecard as a Block Kit message, the chart as an uploaded PNG.

The chart goes up through Slack's current external upload flow (`files.getUploadURLExternal`,
the upload itself, `files.completeUploadExternal`, which `files_upload_v2` wraps), shared into the
same channel right after the card. Slack's errors are turned into the outbound queue's terms:
a 429 waits for its `Retry-After`, a refusal (no such channel, missing scope) is final, anything
else is retried with backoff. A public channel the app has not joined is joined once and tried
again, so an admin does not have to invite the bot to every score channel.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.jobs import PermanentFailure, RetryLater
from bot.ports import RateLimited, Refused, Unreachable
from bot.scorecard_view import ChartImage, MessageRef, ScorecardView, scorecard_summary
from handlers.slack.blocks import MESSAGE_TEXT, escape, fit
from handlers.slack.platform import HISTORY_LOOKBACK, message_with_metadata, translate
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

        posted = await self._in_channel(channel_id, post)
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

    async def find_posted_scorecard(self, channel_id: str, post_key: str) -> MessageRef | None:
        """Look for the card's metadata among the channel's latest messages.

        Needs `channels:history` (`groups:history` for a private channel); without them, or when
        the app is not in the channel yet, the card is posted again rather than not at all."""
        try:
            history = await _queued(
                self.client.conversations_history(channel=channel_id, limit=HISTORY_LOOKBACK, include_all_metadata=True)
            )
        except PermanentFailure as exc:
            log.warning("slack: cannot check whether %s is in %s already (%s); posting it", post_key, channel_id, exc)
            return None
        posted = message_with_metadata(history, METADATA_EVENT, "post_key", post_key)
        return {"channel": channel_id, "ts": posted["ts"]} if posted else None

    async def _in_channel(
        self, channel_id: str, call: Callable[[], Awaitable[AsyncSlackResponse]]
    ) -> AsyncSlackResponse:
        try:
            return await _queued(call())
        except PermanentFailure as exc:
            if NOT_IN_CHANNEL not in str(exc):
                raise
        await _queued(self.client.conversations_join(channel=channel_id))
        return await _queued(call())


async def _queued(call: Awaitable[AsyncSlackResponse]) -> AsyncSlackResponse:
    """A Web API call whose failures speak the outbound queue's language."""
    try:
        return await call
    except SlackApiError as exc:
        problem = translate(exc)
        error = exc.response.get("error", "") if hasattr(exc.response, "get") else ""
        if isinstance(problem, RateLimited):
            raise RetryLater(problem.retry_after, str(problem)) from exc
        if isinstance(problem, Refused | Unreachable):
            raise PermanentFailure(f"Slack refused the call: {error or problem}") from exc
        raise
