"""`/onescore settings` (admins): the settings in effect, as this process reads them.

Settings live in the organisation file, so this is a view, not an editor: the schedule with the
next time it fires, where scorecards go (and which platforms are off), the attribution model
and the privacy threshold, and when the last weekly post went out. The one thing it changes is a
member: `settings member EMAIL team TEAM` or `… role ROLE`, where the file does not name them.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.errors import InputError, NotFound
from bot.organisation import Role, ScoreChannel
from bot.people.roster import FileDecides, MemberChange, change_member
from bot.periods import Period
from bot.posting.posts import last_sent_post
from bot.posting.weekly import next_weekly_post
from bot.runtime import Runtime
from bot.scoring.view import period_name
from handlers.slack.blocks import escape, mrkdwn_section
from handlers.slack.deps import ONESCORE
from handlers.slack.listeners.commands import CommandCall, subcommand
from prompts import message, team_label
from storage.db import run_transaction


def register() -> None:
    subcommand("settings")(show_settings)


async def show_settings(call: CommandCall) -> None:
    member = await call.deps.directory.member(call.user_id)
    if member is None or member.role != Role.ADMIN.value:
        await call.reply(message(call.language, "settings.refused"))
        return
    if call.args and call.args[0].lower() == "member":
        await call.reply(await asyncio.to_thread(change_member_line, call.deps.runtime, call.args[1:], call.language))
        return
    lines = await asyncio.to_thread(settings_lines, call.deps.runtime, call.language)
    await call.respond(
        text=lines[0],
        blocks=[mrkdwn_section(f"*{escape(lines[0])}*"), mrkdwn_section("\n".join(lines[1:]))],
        response_type="ephemeral",
    )


def change_member_line(runtime: Runtime, args: list[str], language: str) -> str:
    """`member EMAIL team TEAM` or `member EMAIL role ROLE`: an admin's change, through the same core
    rule as `PUT /api/members/{email}` (the organisation file still wins where it names the member)."""
    if len(args) < 3 or args[1].lower() not in ("team", "role"):
        return message(language, "settings.member_usage", onescore=ONESCORE)
    email, field, value = (
        args[0].strip("<>").removeprefix("mailto:").split("|")[0].lower(),
        args[1].lower(),
        " ".join(args[2:]),
    )
    roles = [role.value for role in Role]
    if field == "role" and value.lower() not in roles:
        return message(language, "settings.member_bad_value", value=value, choices=", ".join(roles))
    change = MemberChange(team=value) if field == "team" else MemberChange(role=Role(value.lower()))
    try:
        view = run_transaction(
            runtime.engine, lambda session: change_member(session, runtime.org, email, change, runtime.now())
        )
    except NotFound:
        return message(language, "settings.member_unknown", email=email)
    except FileDecides as exc:
        return message(language, "settings.member_file_decides", email=email, fields=", ".join(exc.fields))
    except InputError:
        names = ", ".join(t.name for t in runtime.org.teams)
        return message(language, "settings.member_bad_value", value=value, choices=names)
    team = next((t for t in runtime.org.teams if t.name == view.team), None)
    shown = team_label(language, team.name, team.label) if team else "–"
    return message(language, "settings.member_changed", email=email, team=shown, role=view.role.value)


def settings_lines(runtime: Runtime, language: str) -> list[str]:
    """The title, then one line per setting (mrkdwn: channel ids become channel links)."""
    org, zone = runtime.org, runtime.org.zone
    off = runtime.settings.chat_channel_status()
    next_run = next_weekly_post(org, runtime.now())
    channels = [_channel(target, off, language) for target in org.score_channels]
    model = message(language, f"scorecard.model.{org.attribution}")
    lines = [
        message(language, "settings.title"),
        escape(message(language, "settings.schedule", schedule=org.schedule.weekly_scores, timezone=org.timezone)),
        escape(message(language, "settings.next_run", when=_when(next_run, zone)))
        if next_run
        else escape(message(language, "settings.next_run_none")),
        message(language, "settings.channels", channels=", ".join(channels))
        if channels
        else escape(message(language, "settings.no_channels")),
        escape(message(language, "settings.attribution", model=model)),
        escape(message(language, "settings.min_group_size", min_group_size=org.min_group_size)),
    ]
    with Session(runtime.engine) as session:
        last = last_sent_post(session)
    if last is not None and last.sent_at is not None:
        period = period_name(Period.parse(last.period), language)
        lines.append(escape(message(language, "settings.last_post", period=period, when=_when(last.sent_at, zone))))
    lines.append(escape(message(language, "settings.edit_hint", path=str(runtime.settings.config_path))))
    return lines


def _channel(target: ScoreChannel, off: dict[str, str | None], language: str) -> str:
    """A Slack channel as a link; a channel whose platform is off, with that said."""
    if off.get(target.platform):
        return escape(message(language, "settings.channel_off", channel=target.channel_id, platform=target.platform))
    return f"<#{target.channel_id}>" if target.platform == "slack" else escape(target.channel_id)


def _when(instant: datetime, zone: ZoneInfo) -> str:
    return f"{instant.astimezone(zone):%Y-%m-%d %H:%M %Z}"
