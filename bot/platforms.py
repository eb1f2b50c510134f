"""The chat platforms this service speaks, and what it needs of each: the one place that lists them.

The core talks to a platform only through its two ports (`bot.ports`); the running service also has
to mount the platform's HTTP route, hand it the ask loop and the score poster, and start and stop it
with the process. That is a `ChatAdapter`, and `bot/app.py` loops over the adapters listed here. A new
platform is a new package beside `handlers/slack` and `handlers/teams` whose adapter satisfies
`ChatAdapter`, and a line in each function below; nothing in the core changes.
"""

from __future__ import annotations

from typing import Protocol

from fastapi import APIRouter

from bot.people.source import DirectorySource
from bot.ports import ChatPlatform, ScorecardChannel
from bot.posting.posts import ScorePoster
from bot.rounds.loop import AskLoop
from bot.runtime import Runtime
from bot.settings import Settings
from handlers.slack.app import SlackAdapter, slack_off_router
from handlers.slack.directory_source import SlackDirectorySource
from handlers.slack.scorecard_post import SlackScorecardChannel
from handlers.slack.web_client import slack_enabled, slack_web_client
from handlers.teams.adapter import TeamsAdapter, teams_directory_source, teams_off_router, teams_scorecard_channel


class ChatAdapter(Protocol):
    name: str
    """The platform's key: in `ChatPlatform` maps, score channels and the organisation file."""

    @property
    def platform(self) -> ChatPlatform:
        """Read-only here, so an adapter may hold its own platform's narrower type."""

    @property
    def scorecards(self) -> ScorecardChannel: ...

    @property
    def directory_source(self) -> DirectorySource:
        """Who is in the platform's groups, and who has an email there (`bot.people.sync`)."""

    delivery_prefix: str
    """Prefix of the `processed_events` keys the adapter writes for redelivered requests; the
    service forgets them after a day, long after any platform has stopped retrying."""

    def attach(self, loop: AskLoop, poster: ScorePoster) -> None:
        """Wire the adapter's handlers to the ask loop and the score poster, which exist only now."""
        ...

    def router(self) -> APIRouter:
        """The platform's HTTP endpoint."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def chat_adapters(runtime: Runtime) -> list[ChatAdapter]:
    """An adapter for each platform that is on. Teams is on with an app id, or in the emulator mode
    (local, unauthenticated activities for testing), never merely because nothing is configured."""
    adapters: list[ChatAdapter] = []
    if slack_enabled(runtime.settings):
        adapters.append(SlackAdapter(runtime))
    if teams_enabled(runtime.settings):
        adapters.append(TeamsAdapter(runtime))
    return adapters


def teams_enabled(settings: Settings) -> bool:
    return settings.chat_channel_status()["teams"] is None


def off_routers(runtime: Runtime) -> list[APIRouter]:
    """The endpoints of platforms that are off, answering 503 with the reason instead of a 404."""
    status = runtime.settings.chat_channel_status()
    routers: list[APIRouter] = []
    if not slack_enabled(runtime.settings):
        routers.append(slack_off_router(status["slack"] or "not configured"))
    if not teams_enabled(runtime.settings):
        routers.append(teams_off_router(status["teams"] or "not configured"))
    return routers


def standalone_scorecard_channels(runtime: Runtime) -> dict[str, ScorecardChannel]:
    """Scorecard posting without the service (the command line): each platform with credentials,
    through clients of its own. Teams needs its app id here even in the emulator mode: a post goes to
    Microsoft's Bot Connector, which only answers the registered bot."""
    settings = runtime.settings
    channels: dict[str, ScorecardChannel] = {}
    if slack_enabled(settings):
        channels["slack"] = SlackScorecardChannel(slack_web_client(settings))
    if settings.microsoft_app_id:
        channels["teams"] = teams_scorecard_channel(runtime)
    return channels


def standalone_directory_sources(runtime: Runtime) -> dict[str, DirectorySource]:
    """The directories `onescore sync-directory` reads without the service, through clients of its own."""
    settings = runtime.settings
    sources: dict[str, DirectorySource] = {}
    if slack_enabled(settings):
        sources["slack"] = SlackDirectorySource(slack_web_client(settings))
    if teams_enabled(settings):
        sources["teams"] = teams_directory_source(runtime)
    return sources
