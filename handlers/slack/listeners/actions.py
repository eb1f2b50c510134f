"""Buttons on an ask (in the DM or on App Home): Answer / Edit open the form, the others (Didn't
help, Not sure, Take back, Remind me tomorrow) act at once.

Every click is acknowledged first; what it does follows after the acknowledgement. Only the
member the ask was sent to may act on it; anyone else gets a polite private note and nothing
changes. A double click finds the ask already in the state the first click left it in, so it
changes nothing and sends nothing.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import Session

from bot.errors import NotFound
from bot.ports import AskCard
from bot.rounds.answers import AskAction, NotYourAsk, act_on_ask, ask_for_member
from bot.rounds.cards import ask_card
from handlers.slack.blocks import answer_modal
from handlers.slack.deps import SlackDeps
from handlers.slack.home import publish_home, tell
from handlers.slack.listeners.payload import record_id, text
from prompts import message
from storage.db import run_transaction

OWN_ANSWER_ACTIONS = (AskAction.WITHDRAW, AskAction.SNOOZE)
"""Clicked in the DM, these still change what App Home lists (answered or pending, snoozed), so Home
is published again at once rather than when it is next opened."""


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def answer(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        await ack()
        form = _open_form(deps, body, client, respond)
        deps.later.run(form, name=f"answer form for {body['user']['id']}", urgent=True)

    async def decline(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        await ack()
        deps.later.run(_act(deps, AskAction.DECLINE, body, client, respond), name=f"decline by {body['user']['id']}")

    async def unsure(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        await ack()
        deps.later.run(
            _act(deps, AskAction.NOT_SURE, body, client, respond), name=f"not sure from {body['user']['id']}"
        )

    async def withdraw(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        await ack()
        deps.later.run(_act(deps, AskAction.WITHDRAW, body, client, respond), name=f"withdraw by {body['user']['id']}")

    async def snooze(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        await ack()
        deps.later.run(_act(deps, AskAction.SNOOZE, body, client, respond), name=f"snooze by {body['user']['id']}")

    app.action(AskAction.ANSWER.value)(answer)
    app.action("ask.edit")(answer)
    app.action(AskAction.DECLINE.value)(decline)
    app.action(AskAction.NOT_SURE.value)(unsure)
    app.action(AskAction.WITHDRAW.value)(withdraw)
    app.action(AskAction.SNOOZE.value)(snooze)


async def _open_form(deps: SlackDeps, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
    user_id, ask_id = body["user"]["id"], _ask_id(body)
    member = await deps.directory.member(user_id)
    card = await asyncio.to_thread(_card_if_theirs, deps, ask_id, member.id if member else None)
    if card is None:
        await _refuse(deps, client, body, respond, user_id)
        return
    trigger_id = text(body.get("trigger_id"))
    if trigger_id:  # Slack always sends one; without it no form can be opened
        await client.views_open(trigger_id=trigger_id, view=answer_modal(card, _origin(body)))


async def _act(
    deps: SlackDeps, action: AskAction, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
) -> None:
    user_id, ask_id = body["user"]["id"], _ask_id(body)
    member = await deps.directory.member(user_id)
    now = deps.runtime.now()
    try:
        changed = await asyncio.to_thread(_close, deps, action, ask_id, member.id if member else None, now)
    except (NotYourAsk, NotFound):
        await _refuse(deps, client, body, respond, user_id)
        return
    if changed:
        deps.wake()
    if _from_home(body) or (changed and action in OWN_ANSWER_ACTIONS):
        await publish_home(deps, client, user_id)


def _ask_id(body: dict[str, Any]) -> int:
    """The ask a button names, or 0 (no ask) for a value that names none."""
    return record_id(body["actions"][0].get("value")) or 0


def _from_home(body: dict[str, Any]) -> bool:
    return (body.get("view") or {}).get("type") == "home"


def _origin(body: dict[str, Any]) -> dict[str, Any]:
    return {"origin": "home" if _from_home(body) else "message"}


def _card_if_theirs(deps: SlackDeps, ask_id: int, member_id: int | None) -> AskCard | None:
    with Session(deps.runtime.engine) as session:
        try:
            ask = ask_for_member(session, ask_id, member_id)
        except (NotYourAsk, NotFound):
            return None
        return ask_card(session, ask, deps.runtime.org)


def _close(deps: SlackDeps, action: AskAction, ask_id: int, member_id: int | None, now: datetime) -> bool:
    return run_transaction(
        deps.runtime.engine,
        lambda session: act_on_ask(session, ask_id, member_id, action, org=deps.runtime.org, source="slack", now=now),
    )


async def _refuse(
    deps: SlackDeps, client: AsyncWebClient, body: dict[str, Any], respond: AsyncRespond, user_id: str
) -> None:
    language = await deps.directory.language(user_id)
    await tell(client, body, respond, message(language, "ask.not_yours"), language)
