"""The Slack app manifest: paste it at api.slack.com/apps → Create New App → From a manifest.

Bot scopes are only those the code uses; docs/slack.md says what each is for.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from handlers.slack.app import EVENTS_PATH
from handlers.slack.deps import ONESCORE, SCORES

BOT_SCOPES = (
    "channels:history",  # before a scorecard is posted again, whether the first try got through
    "channels:join",  # the weekly post joins a public score channel it was not invited to
    "chat:write",
    "commands",
    "files:write",  # the weekly post's chart
    "groups:history",  # the same check in a private score channel
    "im:history",  # before an ask is sent again, whether the first try got through after all
    "im:write",  # the DM's channel id, to look there
    "usergroups:read",  # the directory sync: the members of each team's mapped user group
    "users:read",  # people's language and time zone; the directory sync's list of who is deleted or a bot
    "users:read.email",  # people by email: members of the file, deal owners and participants
)
BOT_EVENTS = ("app_home_opened",)


class ManifestError(ValueError):
    """The base URL cannot serve as Slack's request URL."""


def slack_manifest(base_url: str | None, *, name: str = "OneScore", socket_mode: bool = False) -> dict[str, Any]:
    """The manifest for an app at `base_url` (https), or for Socket Mode (no public URL needed)."""
    endpoint = None if socket_mode else _events_url(base_url)
    commands = [
        _command(
            ONESCORE,
            "OneScore: help, join a team, register or close a deal, settings",
            "help | join TEAM | deal | settings",
            endpoint,
        ),
        _command(
            SCORES,
            "This week's outcome scorecard (only you see it)",
            "[last | YYYY-Www] [team NAME] | post",
            endpoint,
        ),
    ]
    interactivity: dict[str, Any] = {"is_enabled": True}
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    if endpoint:
        interactivity |= {"request_url": endpoint, "message_menu_options_url": endpoint}
        events["request_url"] = endpoint
    return {
        "display_information": {
            "name": name,
            "description": "Deal by deal, how each team helped win: one outcome scorecard for everyone.",
            "background_color": "#1d3557",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": True,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": commands,
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def _command(command: str, description: str, hint: str, url: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "command": command,
        "description": description,
        "usage_hint": hint,
        "should_escape": False,
    }
    if url:
        entry["url"] = url
    return entry


def _events_url(base_url: str | None) -> str:
    if not base_url:
        raise ManifestError("give the service's public URL (--url https://HOST), or --socket-mode")
    parts = urlsplit(base_url.strip())
    if parts.scheme != "https" or not parts.netloc:
        raise ManifestError(f"{base_url!r} is not an https:// URL; Slack only calls https request URLs")
    return f"https://{parts.netloc}{parts.path.rstrip('/')}{EVENTS_PATH}"
