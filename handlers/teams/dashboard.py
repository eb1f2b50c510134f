"""`dashboard` in Teams: a one-time sign-in link to the web dashboard, in the personal chat only.

A link typed into a channel would be readable by everyone there, and it signs in as its owner, so
in a channel the bot only points to the personal chat.
"""

from __future__ import annotations

import asyncio

from botbuilder.core import TurnContext

from bot.access.links import PublicUrlMissing, sign_in_link
from bot.access.login import LOGIN_TOKEN_LIFETIME
from bot.runtime import Runtime
from prompts import message

DASHBOARD = "dashboard"


async def send_dashboard_link(
    turn_context: TurnContext, runtime: Runtime, member_id: int | None, language: str, *, personal: bool
) -> None:
    if not personal:
        await turn_context.send_activity(message(language, "dashboard.personal_only"))
        return
    if member_id is None:
        await turn_context.send_activity(message(language, "dashboard.unknown_member"))
        return
    try:
        link = await asyncio.to_thread(sign_in_link, runtime, member_id)
    except PublicUrlMissing:
        await turn_context.send_activity(message(language, "dashboard.no_public_url"))
        return
    minutes = int(LOGIN_TOKEN_LIFETIME.total_seconds() // 60)
    await turn_context.send_activity(message(language, "dashboard.link", url=link.url, minutes=minutes))
