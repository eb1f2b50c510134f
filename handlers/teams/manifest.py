"""`onescore manifest teams --app-id … --url https://HOST`: the Teams app package, ready to upload.

The package is a zip of `manifest.json` (app manifest schema 1.22), `color.png` and `outline.png`.
The bot is installable in personal chats and in teams, and lists its commands so Teams suggests
them as people type. The app's id is the bot's Azure app id, so one id names both.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from handlers.teams.icons import ACCENT, color_icon, outline_icon

SCHEMA_VERSION = "1.22"
SCHEMA = f"https://developer.microsoft.com/json-schemas/teams/v{SCHEMA_VERSION}/MicrosoftTeams.schema.json"
APP_VERSION = "1.0.0"
SCOPES = ["personal", "team"]
COMMANDS = [
    ("scores", "This week's scorecard so far"),
    ("scores last", "Last week's scorecard"),
    ("scores 2026-W48", "The scorecard of a given week"),
    ("scores team NAME", "One team's figures"),
    ("help", "What OneScore does and what you can type"),
]
_GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
EXIT_USAGE = 2


def build_manifest(app_id: str, url: str) -> dict[str, Any]:
    """The manifest for a bot registered as `app_id`, serving `POST {url}/api/messages`."""
    host = urlsplit(url).hostname or ""
    return {
        "$schema": SCHEMA,
        "manifestVersion": SCHEMA_VERSION,
        "version": APP_VERSION,
        "id": app_id,
        "developer": {
            "name": "OneScore",
            "websiteUrl": url,
            "privacyUrl": url,
            "termsOfUseUrl": url,
        },
        "name": {"short": "OneScore", "full": "OneScore – one outcome scorecard for every team"},
        "description": {
            "short": "Asks how each team helped win a deal, and shows everyone the same scorecard.",
            "full": (
                "When a deal is won or lost, OneScore asks the people who worked on it how each team helped, "
                "right here in Teams, and logs the answers against the deal. Every week it posts one outcome "
                "scorecard (won revenue, win rate, how teams helped) to the channels you choose. Type `scores` "
                "for this week's scorecard, or `help`."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": app_id,
                "scopes": SCOPES,
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": SCOPES,
                        "commands": [{"title": title, "description": text} for title, text in COMMANDS],
                    }
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host],
    }


def write_package(path: Path, app_id: str, url: str) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(build_manifest(app_id, url), indent=2, ensure_ascii=False))
        package.writestr("color.png", color_icon())
        package.writestr("outline.png", outline_icon())
    return path


def check_arguments(app_id: str, url: str) -> str | None:
    """What is wrong with the arguments, in one line (None when they are fine)."""
    if not _GUID.fullmatch(app_id):
        return f"--app-id {app_id!r} is not an Azure app id (a GUID like 6f1c6e1e-0000-4000-8000-000000000001)"
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or parts.path not in ("", "/"):
        return f"--url {url!r}: give the service's public base URL, e.g. https://onescore.example.com"
    return None


def add_command(platforms: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    teams = platforms.add_parser("teams", help="write the Teams app package (a zip to upload in Teams)")
    teams.add_argument("--app-id", required=True, help="the bot's Microsoft App ID (MicrosoftAppId)")
    teams.add_argument("--url", required=True, help="the service's public base URL, e.g. https://onescore.example.com")
    teams.add_argument(
        "--output", type=Path, default=Path("onescore-teams.zip"), help="where to write it (onescore-teams.zip)"
    )
    teams.set_defaults(handler=run)


def run(args: argparse.Namespace, _runtime: object) -> int:
    url = args.url.rstrip("/")
    problem = check_arguments(args.app_id, url)
    if problem:
        print(f"onescore: {problem}", file=sys.stderr)
        return EXIT_USAGE
    path = write_package(args.output, args.app_id.lower(), url)
    print(f"Wrote {path}: upload it in Teams (Apps → Manage your apps → Upload an app).")
    print(f"Teams will send activities to {url}/api/messages (the Azure Bot's messaging endpoint).")
    return 0
