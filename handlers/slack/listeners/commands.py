"""`/onescore help | join TEAM | deal`, with room for more subcommands (e.g. `settings`).

Subcommands live in `SUBCOMMANDS`; another module adds one with `@subcommand("name")`. Every
command is acknowledged at once, before even the database is read; replies follow through the
command's `response_url`, visible to the caller only. `/scores` is not handled here: it belongs
to the scorecard.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import Session, select

from bot.organisation import Organisation
from bot.people.directory import team_by_name
from handlers.slack.blocks import deal_modal
from handlers.slack.deps import ONESCORE, SlackDeps
from handlers.slack.directory import SlackUser
from prompts import MESSAGES, message, team_label
from storage.db import run_transaction
from storage.models import Member


@dataclass
class CommandCall:
    deps: SlackDeps
    respond: AsyncRespond
    client: AsyncWebClient
    command: dict[str, Any]
    args: list[str]
    language: str

    @property
    def user_id(self) -> str:
        return self.command["user_id"]

    async def reply(self, text: str) -> None:
        await self.respond(text=text, response_type="ephemeral")


Subcommand = Callable[[CommandCall], Awaitable[None]]
SUBCOMMANDS: dict[str, Subcommand] = {}
OPENS_FORM: set[str] = set()
ABOUT_OWN_DATA: set[str] = set()


def subcommand(
    name: str, *, opens_form: bool = False, about_own_data: bool = False
) -> Callable[[Subcommand], Subcommand]:
    """Register a subcommand; one that opens a form runs ahead of others (its trigger expires in 3 s).

    One about the caller's own data (`my data`, `forget me`) must not make a stranger a member:
    asking what is stored about you, or to be forgotten, should never store you.
    """

    def add(handler: Subcommand) -> Subcommand:
        SUBCOMMANDS[name] = handler
        if opens_form:
            OPENS_FORM.add(name)
        if about_own_data:
            ABOUT_OWN_DATA.add(name)
        return handler

    return add


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.command(ONESCORE)
    async def onescore(ack: AsyncAck, respond: AsyncRespond, client: AsyncWebClient, command: dict[str, Any]) -> None:
        await ack()
        words = (command.get("text") or "").split()
        name = words[0].lower() if words else "help"
        deps.later.run(
            _run(deps, respond, client, command, name, words[1:]),
            name=f"{ONESCORE} {name} for {command.get('user_id')}",
            urgent=name in OPENS_FORM,
        )


async def _run(
    deps: SlackDeps,
    respond: AsyncRespond,
    client: AsyncWebClient,
    command: dict[str, Any],
    name: str,
    args: list[str],
) -> None:
    if name not in ABOUT_OWN_DATA:
        await deps.directory.member(command["user_id"])  # someone OneScore does not know yet becomes a member
    language = await deps.directory.language(command["user_id"])
    call = CommandCall(deps, respond, client, command, args, language)
    handler = SUBCOMMANDS.get(name)
    if handler is None:
        await call.reply(message(language, "command.unknown", command=name, onescore=ONESCORE))
        return
    await handler(call)


def _team_list(org: Organisation, language: str) -> str:
    return ", ".join(f"`{t.name}` ({team_label(language, t.name, t.label)})" for t in org.teams)


@subcommand("help")
async def show_help(call: CommandCall) -> None:
    teams = _team_list(call.deps.runtime.org, call.language)
    await call.reply(message(call.language, "help.onescore", onescore=ONESCORE, teams=teams))


@subcommand("join")
async def join(call: CommandCall) -> None:
    org, language = call.deps.runtime.org, call.language
    wanted = " ".join(call.args).strip().lower()
    entry = org.find_team(wanted)
    if entry is None:
        text = message(language, "join.unknown_team", team=wanted, teams=_team_list(org, language))
        await call.reply(text)
        return
    user = await call.deps.directory.user(call.user_id)
    label = team_label(language, entry.name, entry.label)
    fixed_team = await asyncio.to_thread(_join, call.deps, call.user_id, user, entry.name)
    if fixed_team is not None:
        fixed = next((t for t in org.teams if t.name == fixed_team), None)
        shown = team_label(language, fixed_team, fixed.label if fixed else None)
        await call.reply(message(language, "join.from_file", team=shown))
        return
    await call.reply(message(language, "join.done", team=label))


def _join(deps: SlackDeps, user_id: str, user: SlackUser | None, team_name: str) -> str | None:
    """Put the Slack user in the team; returns the file's team instead when the file decides it."""
    org = deps.runtime.org

    def work(session: Session) -> str | None:
        member = session.exec(select(Member).where(Member.slack_id == user_id)).first()
        if member is None and user is not None and user.email:
            member = session.exec(select(Member).where(Member.email == user.email)).first()
        entry = org.member(member.email) if member is not None and member.email else None
        if entry is not None and entry.team:
            return entry.team
        team = team_by_name(session, team_name)
        member = member or Member(email=user.email if user else None, created_at=deps.runtime.now())
        member.name = member.name or (user.name if user else None)
        member.slack_id = member.slack_id or user_id
        member.team_id = team.id if team else member.team_id
        session.add(member)
        return None

    return run_transaction(deps.runtime.engine, work)


@subcommand("deal", opens_form=True)
async def open_deal_form(call: CommandCall) -> None:
    texts = {
        key: message(call.language, key)
        for key in MESSAGES
        if key.startswith("deal_modal.") and not MESSAGES[key].placeholders
    }
    texts["modal.cancel"] = message(call.language, "modal.cancel")
    view = deal_modal(texts, {"response_url": call.command.get("response_url")})
    await call.client.views_open(trigger_id=call.command["trigger_id"], view=view)
