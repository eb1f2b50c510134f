"""Teams as a `ScorecardChannel`: the scorecard as an Adaptive Card in a team channel, the chart below it.

A channel is written to at the service URL learnt when the app was added to its team (or, failing
that, the newest one known for the tenant). The chart goes as an inline PNG (a base64 `data:` URI),
which Teams renders in channels without any file storage. Bot Connector errors arrive in the ports'
terms (`connector.translate`) and the queue reads them as for an ask: a 429 waits for `Retry-After`;
a 403/404 (the app is not in that team) or another refusal is final; anything else is retried with
backoff.
"""

from __future__ import annotations

import asyncio
import base64
from datetime import datetime

from botbuilder.schema import Activity, ActivityTypes, Attachment
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.ports import MessageRef, Refused
from bot.scoring.view import ChartImage, ScorecardView, scorecard_summary
from handlers.teams.cards import card_message, fit
from handlers.teams.connector import BotConnector
from handlers.teams.conversations import Address, channel_address, newest_address
from handlers.teams.scorecard_card import scorecard_card


class TeamsScorecardChannel:
    name = "teams"

    def __init__(self, engine: Engine, connector: BotConnector) -> None:
        self.engine = engine
        self.connector = connector

    async def post_scorecard(self, channel_id: str, view: ScorecardView) -> MessageRef:
        address = await asyncio.to_thread(self._address, channel_id)
        message = card_message(scorecard_card(view), scorecard_summary(view))
        activity_id = await self.connector.send(address.service_url, channel_id, message)
        return {"service_url": address.service_url, "conversation_id": channel_id, "activity_id": activity_id}

    async def find_posted_scorecard(self, channel_id: str, post_key: str, since: datetime) -> MessageRef | None:
        """The Bot Connector cannot list a channel's messages, so a retried card is posted again."""
        return None

    async def post_chart(self, channel_id: str, chart: ChartImage, card: MessageRef) -> MessageRef:
        image = Attachment(
            content_type="image/png",
            content_url="data:image/png;base64," + base64.b64encode(chart.png).decode("ascii"),
            name=chart.filename,
        )
        message = Activity(type=ActivityTypes.message, text=fit(chart.title), attachments=[image])
        service_url = card.get("service_url") or (await asyncio.to_thread(self._address, channel_id)).service_url
        return {"activity_id": await self.connector.send(service_url, channel_id, message)}

    def _address(self, channel_id: str) -> Address:
        with Session(self.engine) as session:
            known = channel_address(session, channel_id) or newest_address(session)
        if known is None:
            raise Refused(f"OneScore has not been added to any team yet, so it cannot post to {channel_id}")
        return known
