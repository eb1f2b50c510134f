"""Slack's directory for the sync: user groups (`usergroups.list`, `usergroups.users.list`) and
the workspace's people (`users.list`, paged; `users.info` for a group member it did not list).

`users.list` returns 200 people a call with their email, `deleted` and `is_bot`: 25 calls for a
5,000-person workspace, where asking `users.info` about each would take 5,000 (and, at Slack's
per-method rate limits, most of an hour). A 429 is waited out as Slack's `Retry-After` says
(slack_sdk's rate-limit retry handler, reads only); any other failure makes the whole read fail,
so the sync keeps the last known directory rather than acting on half a list.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.organisation import Organisation, TeamEntry
from bot.people.source import DirectoryRead, DirectoryUnavailable, GroupRoster, PlatformPerson, UnknownGroup

PAGE_SIZE = 200
RATE_LIMIT_RETRIES = 3
INFO_CONCURRENCY = 8


class SlackDirectorySource:
    name = "slack"
    id_field = "slack_id"

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        if not any(isinstance(h, AsyncRateLimitErrorRetryHandler) for h in client.retry_handlers):
            client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES))

    async def read(self, org: Organisation) -> DirectoryRead:
        mapped = [(index, team) for index, team in enumerate(org.teams) if team.slack_usergroup]
        if not mapped:
            return DirectoryRead()
        try:
            return await self._read(mapped)
        except SlackApiError as exc:
            raise DirectoryUnavailable(f"Slack answered {_error(exc)}") from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DirectoryUnavailable(f"Slack could not be reached: {type(exc).__name__}: {exc}") from exc

    async def _read(self, mapped: list[tuple[int, TeamEntry]]) -> DirectoryRead:
        groups = (await self.client.usergroups_list(include_disabled=False))["usergroups"] or []
        by_key = {g["id"]: g for g in groups} | {"@" + str(g.get("handle", "")).lower(): g for g in groups}
        members: dict[str, list[str]] = {}
        unknown: list[UnknownGroup] = []
        for index, team in mapped:
            wanted = team.slack_usergroup or ""
            group = by_key.get(wanted)
            key = f"teams[{index}].slack_usergroup"
            if group is None:
                unknown.append(UnknownGroup(key, wanted, f"no Slack user group {wanted!r} in this workspace"))
                continue
            members[key] = await self._group_users(group["id"])
        everyone = await self._everyone()
        missing = {user_id for ids in members.values() for user_id in ids} - everyone.keys()
        everyone |= await self._infos(sorted(missing))
        rosters = tuple(
            GroupRoster(
                team=team.name,
                key=f"teams[{index}].slack_usergroup",
                people=tuple(everyone[u] for u in members.get(f"teams[{index}].slack_usergroup", []) if u in everyone),
            )
            for index, team in mapped
            if f"teams[{index}].slack_usergroup" in members
        )
        return DirectoryRead(rosters=rosters, unknown=tuple(unknown), everyone=tuple(everyone.values()))

    async def _group_users(self, group_id: str) -> list[str]:
        """The group's user ids; a cursor is followed should Slack page them."""
        users: list[str] = []
        cursor: str | None = None
        while True:
            page = await self.client.usergroups_users_list(usergroup=group_id, include_disabled=False, cursor=cursor)
            users += [str(u) for u in page.get("users") or []]
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return users

    async def _everyone(self) -> dict[str, PlatformPerson]:
        people: dict[str, PlatformPerson] = {}
        cursor: str | None = None
        while True:
            page = await self.client.users_list(limit=PAGE_SIZE, cursor=cursor)
            for user in page.get("members") or []:
                person = person_of(user)
                people[person.user_id] = person
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return people

    async def _infos(self, user_ids: list[str]) -> dict[str, PlatformPerson]:
        limit = asyncio.Semaphore(INFO_CONCURRENCY)

        async def one(user_id: str) -> PlatformPerson:
            async with limit:
                return person_of((await self.client.users_info(user=user_id))["user"])

        found = await asyncio.gather(*(one(u) for u in user_ids))
        return {p.user_id: p for p in found}

    async def find_by_email(self, email: str) -> PlatformPerson | None:
        try:
            found = await self.client.users_lookupByEmail(email=email)
        except SlackApiError as exc:
            if _error(exc) == "users_not_found":
                return None
            raise DirectoryUnavailable(f"Slack answered {_error(exc)}") from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DirectoryUnavailable(f"Slack could not be reached: {type(exc).__name__}") from exc
        return person_of(found["user"])


def person_of(user: dict[str, Any]) -> PlatformPerson:
    """A Slack user object as the directory sees it: deleted people and bots are inactive."""
    profile = user.get("profile") or {}
    email = str(profile.get("email") or "").strip().lower() or None
    bot = bool(user.get("is_bot") or user.get("is_app_user")) or user.get("id") == "USLACKBOT"
    return PlatformPerson(
        user_id=str(user["id"]),
        email=email,
        name=profile.get("real_name") or user.get("real_name") or user.get("name"),
        active=not (user.get("deleted") or bot),
    )


def _error(exc: SlackApiError) -> str:
    data = getattr(exc.response, "data", None)
    code = data.get("error") if isinstance(data, dict) else None
    return str(code or getattr(exc.response, "status_code", "an error"))
