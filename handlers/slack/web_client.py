"""The Slack Web API client with this deployment's settings (`SLACK_API_URL`, the bot token)."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import Settings


def slack_enabled(settings: Settings) -> bool:
    return settings.slack_over_http or settings.slack_socket_mode


def api_base_url(settings: Settings) -> str:
    url = settings.slack_api_url
    return url if url.endswith("/") else url + "/"


def slack_web_client(settings: Settings, *, with_token: bool = True) -> AsyncWebClient:
    """GovSlack deployments and tests point `SLACK_API_URL` elsewhere; every client goes there."""
    return AsyncWebClient(token=settings.slack_bot_token if with_token else None, base_url=api_base_url(settings))
