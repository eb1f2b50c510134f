"""`/onescore insights [last | YYYY-MM | YYYY-Qn]`: what the answers say, visible only to the caller.

The core (`answer_insights_request`, shared with Teams) reads the words and decides the lines; this
module lays them out in Block Kit within Slack's limits: one section per team, each line with its
quotes, every untrusted text escaped, quotes fitted for display (the stored answers stay whole), and
never more than 50 blocks.
"""

from __future__ import annotations

import asyncio

from bot.insights.request import InsightsRefusal, InsightsSection, InsightsView, answer_insights_request
from handlers.slack.blocks import MESSAGE_BLOCKS, SECTION_TEXT, Block, context, escape, fit, mrkdwn_section
from handlers.slack.deps import ONESCORE
from handlers.slack.listeners.commands import CommandCall, subcommand
from prompts import message

QUOTE_TEXT = 500
"""A quote's length in chat; the REST API and the dashboard show it whole."""


def register() -> None:
    subcommand("insights")(show_insights)


async def show_insights(call: CommandCall) -> None:
    reply = await asyncio.to_thread(
        answer_insights_request,
        call.deps.runtime,
        " ".join(call.args),
        language=call.language,
        usage_key="insights.usage",
        onescore=ONESCORE,
    )
    if isinstance(reply, InsightsRefusal):
        await call.reply(message(call.language, reply.key, **reply.values))
        return
    left_out = message(call.language, "insights.left_out", onescore=ONESCORE)
    blocks = insights_blocks(reply, left_out=left_out)
    await call.respond(text=fit(reply.summary, SECTION_TEXT), blocks=blocks, response_type="ephemeral")


def insights_blocks(view: InsightsView, *, left_out: str) -> list[Block]:
    """Every section when they fit; otherwise as many as fit, then `left_out` (where the rest is shown)."""
    blocks: list[Block] = [mrkdwn_section(f"*{escape(view.title)}*")]
    for section in view.sections:
        blocks.extend(_section_blocks(section))
    footer = context(escape(view.footer))
    if len(blocks) >= MESSAGE_BLOCKS:
        blocks = [*blocks[: MESSAGE_BLOCKS - 2], context(escape(left_out))]
    return [*blocks, footer]


def _section_blocks(section: InsightsSection) -> list[Block]:
    """The heading and each line in one section (split when it would pass 3000 characters)."""
    texts = [f"*{fit(escape(section.heading), 200)}*"]
    for line in section.lines:
        texts.append("• " + fit(escape(line.text), 600))
        texts.extend(">" + fit(escape(quote), QUOTE_TEXT).replace("\n", "\n>") for quote in line.quotes)
    blocks: list[Block] = []
    current = ""
    for text in texts:
        candidate = f"{current}\n{text}" if current else text
        if current and len(candidate.encode("utf-16-le")) // 2 > SECTION_TEXT:
            blocks.append(mrkdwn_section(current))
            candidate = text
        current = candidate
    if current:
        blocks.append(mrkdwn_section(current))
    return blocks
