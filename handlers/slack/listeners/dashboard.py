"""`/onescore dashboard`: a one-time sign-in link to the web dashboard, visible only to the caller.

The link is sent without an unfurl (a preview would fetch it, and it is for the caller only);
the core makes the token, keeps only its hash, and says when the public URL is missing.
"""

from __future__ import annotations

import asyncio

from slack_bolt.async_app import AsyncApp

from bot.access.links import PublicUrlMissing, sign_in_link
from bot.access.login import LOGIN_TOKEN_LIFETIME
from handlers.slack.deps import SlackDeps
from handlers.slack.listeners.commands import CommandCall, subcommand
from prompts import message


def register(_app: AsyncApp, _deps: SlackDeps) -> None:
    subcommand("dashboard")(send_dashboard_link)


async def send_dashboard_link(call: CommandCall) -> None:
    member = await call.deps.directory.member(call.user_id)
    if member is None or member.id is None:
        await call.reply(message(call.language, "dashboard.unknown_member"))
        return
    try:
        link = await asyncio.to_thread(sign_in_link, call.deps.runtime, member.id)
    except PublicUrlMissing:
        await call.reply(message(call.language, "dashboard.no_public_url"))
        return
    minutes = int(LOGIN_TOKEN_LIFETIME.total_seconds() // 60)
    await call.respond(
        text=message(call.language, "dashboard.link", url=link.url, minutes=minutes),
        response_type="ephemeral",
        unfurl_links=False,
        unfurl_media=False,
    )
