"""Options for the deal form's "existing deal" picker, searched by name as the person types."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from sqlmodel import Session, col, select

from bot.ledger.deals import CLOSED_STAGES
from handlers.slack.blocks import OPTION_TEXT, STATIC_OPTIONS, deal_options, fit
from handlers.slack.deps import SlackDeps
from handlers.slack.listeners.payload import text
from storage.models import Deal


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.options("deal.existing")
    async def existing_deals(ack: AsyncAck, body: dict[str, Any]) -> None:
        found = await asyncio.to_thread(_search, deps, (text(body.get("value")) or "").strip())
        await ack(options=deal_options(found))


def _search(deps: SlackDeps, text: str) -> list[tuple[int, str]]:
    """Open deals first, most recently changed first; closed ones can still be corrected."""
    with Session(deps.runtime.engine) as session:
        query = select(Deal.id, Deal.name, Deal.stage)
        if text:
            query = query.where(col(Deal.name).icontains(text, autoescape=True))
        rows = session.exec(query.order_by(col(Deal.updated_at).desc()).limit(STATIC_OPTIONS)).all()
    ordered = sorted(rows, key=lambda row: row[2] in CLOSED_STAGES)
    return [(deal_id, fit(name, OPTION_TEXT)) for deal_id, name, _ in ordered if deal_id is not None]
