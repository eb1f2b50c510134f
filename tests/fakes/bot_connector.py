"""A fake Bot Connector (the Teams side of the Bot Framework) on 127.0.0.1, for tests.

Activities sent to the bot carry this fake's URL as their `serviceUrl`, so everything the bot
sends back lands here: new messages (`POST …/activities`), replies (`POST …/activities/{id}`),
card updates (`PUT …/activities/{id}`), new 1:1 chats (`POST /v3/conversations`), member info
and team rosters. Every call is recorded with its body and `Authorization` header, and the fake
can be told to answer 403, 429 (with `Retry-After`) or 500 for a kind of call.

`HostLookups` records every host name the process looks up while it is active (every outgoing
connection starts with one) and refuses those not allowed, so a test can show the bot never set
out for an address a request chose, and never reaches the network.
"""

from __future__ import annotations

import ipaddress
import itertools
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.local_server import LocalServer

SEND, REPLY, UPDATE, CREATE, MEMBER, ROSTER = "send", "reply", "update", "create", "member", "roster"
ROSTER_PAGE_LIMIT = 500


@dataclass
class Call:
    kind: str
    conversation_id: str
    body: Any
    authorization: str | None
    status: int = 200
    activity_id: str | None = None
    size: int = 0
    """Bytes of the request body as it came over the wire (what Teams' 100 KB message limit counts)."""


@dataclass
class TeamsPerson:
    id: str
    name: str
    aad_object_id: str
    email: str
    tenant_id: str = "tenant-1"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "aadObjectId": self.aad_object_id,
            "email": self.email,
            "userPrincipalName": self.email,
            "tenantId": self.tenant_id,
        }


@dataclass
class Failure:
    status: int
    retry_after: int | None
    remaining: int


@dataclass
class _State:
    people: dict[str, TeamsPerson] = field(default_factory=dict)
    rosters: dict[str, list[str]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, Failure] = field(default_factory=dict)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


class FakeBotConnector:
    """`with FakeBotConnector() as teams:`; `teams.url` is the `serviceUrl` to put in activities."""

    def __init__(self) -> None:
        self.state = _State()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.roster_page_size = ROSTER_PAGE_LIMIT
        """The most people a roster page holds; a test sets it lower to see paging."""
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._reply)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._update)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        app.router.add_get("/v3/conversations/{conversation}/pagedmembers", self._roster)
        self._server = LocalServer(app, "fake-bot-connector")

    # --- control -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self._server.url + "/"

    def add_person(self, person: TeamsPerson, *, teams: tuple[str, ...] = ()) -> TeamsPerson:
        with self._lock:
            self.state.people[person.id] = person
            for team in teams:
                self.state.rosters.setdefault(team, []).append(person.id)
        return person

    def fail(self, kind: str, status: int, *, times: int = 1, retry_after: int | None = None) -> None:
        """The next `times` calls of `kind` (SEND, REPLY, UPDATE, CREATE, MEMBER, ROSTER) answer `status`."""
        with self._lock:
            self.state.failures[kind] = Failure(status, retry_after, times)

    def calls(self, kind: str | None = None, *, ok_only: bool = True) -> list[Call]:
        with self._lock:
            return [c for c in self.state.calls if (kind is None or c.kind == kind) and (not ok_only or c.status < 300)]

    def sent_to(self, conversation_id: str) -> list[dict[str, Any]]:
        """Every new message and reply in a conversation, as the bot sent it."""
        return [c.body for c in self.calls() if c.kind in (SEND, REPLY) and c.conversation_id == conversation_id]

    def message(self, conversation_id: str, activity_id: str) -> dict[str, Any]:
        """A message as it is now (after any updates)."""
        with self._lock:
            return self.state.messages[(conversation_id, activity_id)]

    def __enter__(self) -> FakeBotConnector:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.__exit__(*exc)

    # --- the API -------------------------------------------------------------------------

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        members = body.get("members") or []
        person = members[0]["id"] if members else "nobody"
        conversation_id = f"a:chat-with-{person}"
        return self._answer(CREATE, conversation_id, body, request, {"id": conversation_id}, 201)

    async def _send(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["conversation"]
        body = await request.json()
        activity_id = str(next(self._ids))
        return self._answer(SEND, conversation_id, body, request, {"id": activity_id}, 201, activity_id)

    async def _reply(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["conversation"]
        body = await request.json()
        activity_id = str(next(self._ids))
        return self._answer(REPLY, conversation_id, body, request, {"id": activity_id}, 201, activity_id)

    async def _update(self, request: web.Request) -> web.Response:
        conversation_id, activity_id = request.match_info["conversation"], request.match_info["activity"]
        body = await request.json()
        return self._answer(UPDATE, conversation_id, body, request, {"id": activity_id}, 200, activity_id)

    async def _member(self, request: web.Request) -> web.Response:
        conversation_id, member_id = request.match_info["conversation"], request.match_info["member"]
        with self._lock:
            person = self.state.people.get(member_id)
        if person is None:
            return self._answer(MEMBER, conversation_id, None, request, {"error": {"code": "MemberNotFound"}}, 404)
        return self._answer(MEMBER, conversation_id, None, request, person.as_json(), 200)

    async def _roster(self, request: web.Request) -> web.Response:
        """Paged as the Bot Connector pages it: `pageSize` (at most 500, or the fake's own
        `roster_page_size`) a call, the rest behind `continuationToken`."""
        team_id = request.match_info["conversation"]
        size = min(int(request.query.get("pageSize") or ROSTER_PAGE_LIMIT), self.roster_page_size)
        token = request.query.get("continuationToken") or ""
        start = int(token.removeprefix("from:")) if token.startswith("from:") else 0
        with self._lock:
            ids = self.state.rosters.get(team_id, [])
            people = [self.state.people[i].as_json() for i in ids[start : start + size]]
            following = f"from:{start + size}" if start + size < len(ids) else None
        page: dict[str, Any] = {"members": people}
        if following:
            page["continuationToken"] = following
        return self._answer(ROSTER, team_id, None, request, page, 200)

    def _answer(
        self,
        kind: str,
        conversation_id: str,
        body: Any,
        request: web.Request,
        answer: dict[str, Any],
        status: int,
        activity_id: str | None = None,
    ) -> web.Response:
        authorization = request.headers.get("Authorization")
        size = request.content_length or 0
        with self._lock:
            failure = self.state.failures.get(kind)
            if failure and failure.remaining > 0:
                failure.remaining -= 1
                self.state.calls.append(Call(kind, conversation_id, body, authorization, failure.status, size=size))
                headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else None
                error = {"error": {"code": "Failure", "message": f"fake failure {failure.status}"}}
                return web.json_response(error, status=failure.status, headers=headers)
            self.state.calls.append(Call(kind, conversation_id, body, authorization, status, activity_id, size))
            if kind in (SEND, REPLY, UPDATE) and activity_id is not None:
                self.state.messages[(conversation_id, activity_id)] = body
        return web.json_response(answer, status=status)


def loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class HostLookups:
    """`with HostLookups() as lookups:` … `lookups.hosts` (every host looked up), `lookups.refused` (those not
    allowed, which failed as an unknown name would)."""

    def __init__(self, allowed: Callable[[str], bool] = loopback) -> None:
        self.allowed = allowed
        self.hosts: list[str] = []
        self._lock = threading.Lock()
        self._original = socket.getaddrinfo

    @property
    def refused(self) -> list[str]:
        with self._lock:
            return [host for host in self.hosts if not self.allowed(host)]

    def _lookup(self, host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode("idna", "replace") if isinstance(host, bytes) else str(host)
        with self._lock:
            self.hosts.append(name)
        if not self.allowed(name):
            raise socket.gaierror(socket.EAI_NONAME, f"{name} is not on the test's allowlist")
        return self._original(host, *args, **kwargs)

    def __enter__(self) -> HostLookups:
        socket.getaddrinfo = self._lookup  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        socket.getaddrinfo = self._original  # type: ignore[assignment]
