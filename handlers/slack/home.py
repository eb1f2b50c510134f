"""App Home and short notices: what a member sees outside the ask messages themselves."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import Session

from bot.ports import AskCard
from bot.rounds.cards import member_asks
from handlers.slack.blocks import escape, home_view, mrkdwn_section, notice_modal
from handlers.slack.deps import ONESCORE, SCORES, SlackDeps
from prompts import message

log = logging.getLogger(__name__)


async def publish_home(deps: SlackDeps, client: AsyncWebClient, user_id: str) -> None:
    member = await deps.directory.member(user_id)
    language = await deps.directory.language(user_id)
    if member is None:
        text = message(language, "member.unknown", onescore=ONESCORE)
        await client.views_publish(user_id=user_id, view={"type": "home", "blocks": [mrkdwn_section(escape(text))]})
        return
    pending, answered = await asyncio.to_thread(_asks, deps, member.id)  # type: ignore[arg-type]
    texts = {key: message(language, key) for key in ("home.pending", "home.answered", "home.nothing_pending")}
    texts["home.scores_hint"] = message(language, "home.scores_hint", scores=SCORES)
    await client.views_publish(user_id=user_id, view=home_view(pending, answered, texts))


def _asks(deps: SlackDeps, member_id: int) -> tuple[list[AskCard], list[AskCard]]:
    with Session(deps.runtime.engine) as session:
        return member_asks(session, member_id, deps.runtime.org)


async def tell(client: AsyncWebClient, body: dict[str, Any], respond: Any, text: str, language: str) -> None:
    """A private note to the person who clicked: in the conversation when there is one, else a modal.

    A request carrying neither a response_url nor a trigger_id (Slack always sends one) leaves no
    way to reach the person, so the note is dropped with a log line rather than failing."""
    if isinstance(body.get("response_url"), str) and body["response_url"]:
        await respond(text=text, response_type="ephemeral", replace_original=False)
        return
    trigger_id = body.get("trigger_id")
    if not (isinstance(trigger_id, str) and trigger_id):
        log.info("slack: no response_url or trigger_id to send a note through")
        return
    title = message(language, "modal.title")
    await client.views_open(trigger_id=trigger_id, view=notice_modal(title, text, message(language, "modal.cancel")))
