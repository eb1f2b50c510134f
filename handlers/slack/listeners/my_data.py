"""`/onescore my data` and `/onescore forget me`: a person's own data, from Slack.

`my data` uploads the person's export as a JSON file into their DM with the app (files upload v2),
so it is theirs to keep and nobody else's to see. `forget me` first answers with a confirmation
button; only the click erases, and a second click (or a retried one) finds nobody left to forget.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError

from bot.errors import NotFound
from bot.people.personal_data import export_json, forget_person
from handlers.slack.blocks import button, escape, mrkdwn_section
from handlers.slack.deps import ONESCORE, SlackDeps
from handlers.slack.listeners.commands import CommandCall, subcommand
from prompts import message

log = logging.getLogger(__name__)

FORGET_ME = "onescore.forget_me"
EXPORT_FILENAME = "onescore-my-data.json"


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def confirmed(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        deps.later.run(_forget_me(deps, body["user"]["id"], respond), name=f"forget me for {body['user']['id']}")

    app.action(FORGET_ME)(confirmed)


@subcommand("my", about_own_data=True)
async def my_data(call: CommandCall) -> None:
    if [word.lower() for word in call.args] != ["data"]:
        await _unknown(call)
        return
    member = await call.deps.directory.member(call.user_id, adopt=False)
    document = await asyncio.to_thread(_export, call.deps, member.id if member else None)
    if document is None:
        await call.reply(message(call.language, "mydata.unknown"))
        return
    text = message(call.language, "mydata.sent")
    try:
        opened = await call.client.conversations_open(users=call.user_id)
        await call.client.files_upload_v2(
            channel=opened["channel"]["id"],
            content=document.encode("utf-8"),
            filename=EXPORT_FILENAME,
            title=EXPORT_FILENAME,
            initial_comment=text,
        )
    except SlackApiError as exc:
        log.warning("my data: Slack refused the upload: %s", exc.response.get("error"))
        await call.reply(message(call.language, "error.generic"))
        return
    await call.reply(text)


@subcommand("forget", about_own_data=True)
async def forget_me(call: CommandCall) -> None:
    if [word.lower() for word in call.args] != ["me"]:
        await _unknown(call)
        return
    text = message(call.language, "forget.confirm")
    confirm = button(message(call.language, "forget.button"), FORGET_ME, "me", "danger")
    blocks = [mrkdwn_section(escape(text)), {"type": "actions", "elements": [confirm]}]
    await call.respond(text=text, blocks=blocks, response_type="ephemeral")


async def _forget_me(deps: SlackDeps, user_id: str, respond: AsyncRespond) -> None:
    language = await deps.directory.language(user_id)
    member = await deps.directory.member(user_id, adopt=False)
    in_file = False
    if member is not None and member.id is not None:
        engine, now = deps.runtime.engine, deps.runtime.now()
        in_file = (await asyncio.to_thread(forget_person, engine, member.id, actor="chat", now=now)).listed_in_file
    done = message(language, "forget.done_in_file" if in_file else "forget.done")
    await respond(text=done, replace_original=True, response_type="ephemeral")


def _export(deps: SlackDeps, member_id: int | None) -> str | None:
    if member_id is None:
        return None
    try:
        return export_json(deps.runtime.engine, member_id)
    except NotFound:
        return None


async def _unknown(call: CommandCall) -> None:
    typed = (call.command.get("text") or "").strip()
    await call.reply(message(call.language, "command.unknown", command=typed, onescore=ONESCORE))
