"""Calls to the Bot Connector outside a turn: proactive messages, card updates, new 1:1 chats, rosters.

Every call goes to the `serviceUrl` Teams gave us for that conversation (tests point it at a fake
on 127.0.0.1). The outbound queue does the retrying, so the HTTP client here does not: msrest
would otherwise retry a 5xx three times inside one job and could repeat a POST Teams had already
delivered. Failures come back in the port's terms: 429 waits for `Retry-After`; 403 (the app is
not installed for the person, or they blocked it) and 404 (the conversation is gone) mean the
person cannot be reached; any other 4xx is refused; 5xx and network trouble are re-raised for the
queue's backoff.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from botbuilder.schema import Activity, ChannelAccount, ConversationParameters
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import AuthenticationConstants, BotFrameworkAuthentication, ClaimsIdentity
from msrest.exceptions import HttpOperationError

from bot.ports import RateLimited, Refused, Unreachable
from handlers.teams.service_url import may_connect

DEFAULT_RETRY_AFTER = 30
UNREACHABLE_STATUSES = {403, 404}
PAGE_SIZE = 500


@dataclass(frozen=True)
class RosterMember:
    """A person in a team's roster, as the Bot Connector lists them."""

    user_id: str
    aad_object_id: str | None
    email: str | None
    name: str | None


class BotConnector:
    """The Bot Connector REST API, authenticated as the bot (no token at all without an app id).

    Every address comes from storage, learnt from some earlier activity, so each is checked again
    here, with the rule that admitted it, before anything connects: a reference stored by an older
    version, or edited in the database, never sends the bot (or its token) elsewhere.
    """

    def __init__(self, auth: BotFrameworkAuthentication, app_id: str | None) -> None:
        self.auth = auth
        self.app_id = app_id or ""
        self.local_only = not self.app_id

    async def send(self, service_url: str, conversation_id: str, activity: Activity) -> str:
        """Post a new message; returns its activity id (what a later update needs)."""
        client = await self._client(service_url)
        sent = await _connector(client.conversations.send_to_conversation(conversation_id, activity))
        return sent.id if sent is not None and sent.id else ""

    async def update(self, service_url: str, conversation_id: str, activity_id: str, activity: Activity) -> None:
        activity.id = activity_id
        client = await self._client(service_url)
        await _connector(client.conversations.update_activity(conversation_id, activity_id, activity))

    async def open_personal_chat(self, service_url: str, tenant_id: str | None, user_id: str, bot_id: str) -> str:
        """The 1:1 conversation with a person (Teams returns the existing one); returns its id."""
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=bot_id),
            members=[ChannelAccount(id=user_id)],
            tenant_id=tenant_id,
            channel_data={"tenant": {"id": tenant_id}} if tenant_id else None,
        )
        client = await self._client(service_url)
        created = await _connector(client.conversations.create_conversation(parameters))
        return created.id

    async def roster(self, service_url: str, team_id: str) -> list[RosterMember]:
        """Everyone in a team (paged, 500 at a time), with the email Teams knows."""
        client = await self._client(service_url)
        members: list[RosterMember] = []
        token: str | None = None
        while True:
            page = await _connector(
                client.conversations.get_teams_conversation_paged_members(team_id, PAGE_SIZE, token)
            )
            for account in page.members or []:
                extra = getattr(account, "additional_properties", None) or {}
                members.append(
                    RosterMember(
                        user_id=account.id,
                        aad_object_id=getattr(account, "aad_object_id", None) or extra.get("objectId"),
                        email=(getattr(account, "email", None) or extra.get("email") or "").strip().lower() or None,
                        name=account.name,
                    )
                )
            token = page.continuation_token
            if not token:
                return members

    async def _client(self, service_url: str) -> ConnectorClient:
        if not may_connect(service_url, local_only=self.local_only):
            raise Refused(f"serviceUrl {service_url!r} is not an address OneScore connects to")
        claims = ClaimsIdentity(
            {AuthenticationConstants.AUDIENCE_CLAIM: self.app_id, AuthenticationConstants.APP_ID_CLAIM: self.app_id},
            True,
        )
        client = await self.auth.create_connector_factory(claims).create(service_url, None)
        client.config.retry_policy.retries = 0
        if self.app_id:  # MSAL is synchronous: fetch the token (or find it cached) off the event loop
            await asyncio.to_thread(client.config.credentials.get_access_token)
        return client


async def _connector(call: Any) -> Any:
    try:
        return await call
    except HttpOperationError as exc:
        raise translate(exc) from exc


def translate(exc: HttpOperationError) -> Exception:
    """A Bot Connector error in the port's terms (the original when retrying may help)."""
    response = exc.response
    status = int(getattr(response, "status_code", 0) or 0)
    if status == 429:
        return RateLimited(timedelta(seconds=_retry_after(getattr(response, "headers", None))))
    if status in UNREACHABLE_STATUSES:
        return Unreachable(f"Teams answered {status}: the app is not installed for this person, or was blocked")
    if status == 401 or status >= 500 or status == 0:
        return exc
    return Refused(f"Teams refused the call ({status}): {exc}")


def _retry_after(headers: Any) -> float:
    for key, value in dict(headers or {}).items():
        if key.lower() == "retry-after":
            try:
                return max(float(value), 1.0)
            except (TypeError, ValueError):
                break
    return DEFAULT_RETRY_AFTER
