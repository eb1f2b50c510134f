""" "Which team are you in?" answered from the select on an ask (in the DM or on App Home).

Acknowledged at once; the choice is stored after the acknowledgement, and the ask's messages are
refreshed through the outbound queue, so the question follows where the select was. Only the
member the ask was sent to may choose; a value that names no team (not one we sent) changes nothing.
"""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import InputError, NotFound
from bot.people.team_choice import choose_team
from bot.rounds.answers import NotYourAsk
from handlers.slack.blocks import TEAM_CHOICE
from handlers.slack.deps import SlackDeps
from handlers.slack.home import publish_home, tell
from handlers.slack.listeners.payload import record_id, text
from prompts import message
from storage.db import run_transaction


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.action(TEAM_CHOICE)
    async def team_chosen(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        await ack()
        deps.later.run(_choose(deps, body, client, respond), name=f"team chosen by {body['user']['id']}")


async def _choose(deps: SlackDeps, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
    user_id = body["user"]["id"]
    selected = body["actions"][0].get("selected_option") or {}
    ask_text, _, team = (text(selected.get("value")) or "").partition(":")
    ask_id = record_id(ask_text) or 0
    member = await deps.directory.member(user_id)
    runtime = deps.runtime
    now = runtime.now()
    try:
        changed = await asyncio.to_thread(
            run_transaction,
            runtime.engine,
            lambda session: choose_team(session, runtime.org, ask_id, member.id if member else None, team, now),
        )
    except (NotYourAsk, NotFound):
        language = await deps.directory.language(user_id)
        await tell(client, body, respond, message(language, "ask.not_yours"), language)
        return
    except InputError:
        return
    if changed:
        deps.wake()
    if (body.get("view") or {}).get("type") == "home":
        await publish_home(deps, client, user_id)
