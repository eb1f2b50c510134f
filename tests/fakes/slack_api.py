"""A fake Slack Web API on 127.0.0.1, for tests and benchmarks.

It answers the methods OneScore calls the way Slack does (`ok`, `ts`, `channel`, views with ids
and hashes), records every call with its arguments, and can be told to misbehave: answer 429 with
`Retry-After` (as Slack's JSON or as a proxy's HTML or plain-text page), answer 500, refuse with an
error code, or enforce Slack's one-message-per-second-per-channel rule. Response URLs
(`/response/…`) are served too, so `respond()` and webhook replies are recorded like the rest.

Every message and view it receives is checked against Slack's limits (`tests/slack/block_limits`):
one that Slack would refuse is refused here too (`invalid_blocks`) and fails the test on exit.
Message timestamps come from `clock` (the test's clock when a test sets it), as Slack's come from
its own.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from tests.fakes.local_server import LocalServer
from tests.slack.block_limits import payload_problems

POSTING_METHODS = {"chat.postMessage", "chat.update"}
USERS_PAGE_LIMIT = 200
CHECKED_METHODS = {
    "chat.postMessage",
    "chat.update",
    "chat.postEphemeral",
    "views.open",
    "views.update",
    "views.publish",
}
ERROR_BODIES = {
    "json": "application/json",
    "html": "text/html",
    "text": "text/plain",
    "broken_json": "application/json",
}


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class SlackUser:
    id: str
    email: str | None = None
    name: str = ""
    locale: str = "en-US"
    tz: str = "Europe/Helsinki"
    deleted: bool = False
    is_bot: bool = False


@dataclass
class UserGroup:
    id: str
    handle: str
    users: list[str] = field(default_factory=list)


@dataclass
class Failure:
    status: int
    retry_after: int | None
    remaining: int
    body: str = "json"
    error: str | None = None


@dataclass
class FakeSlackState:
    users: dict[str, SlackUser] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, Failure] = field(default_factory=dict)
    per_channel_interval: float | None = None
    last_post: dict[str, float] = field(default_factory=dict)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    socket_replies: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    outside: set[str] = field(default_factory=set)
    lost: dict[str, int] = field(default_factory=dict)
    violations: list[tuple[str, str]] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)
    usergroups: dict[str, UserGroup] = field(default_factory=dict)


class FakeSlack:
    """Start with `with FakeSlack() as slack:`; `slack.api_url` is what SLACK_API_URL should be."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.state = FakeSlackState()
        self.clock = clock
        """Seconds since the epoch for message timestamps; a test sets its own clock here."""
        self._lock = threading.Lock()
        self._last_ts = 0.0
        self._views = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._gates: dict[str, threading.Event] = {}
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response_url)
        app.router.add_get("/socket", self._socket)
        app.router.add_post("/upload/{file_id}", self._upload)
        self._server = LocalServer(app, "fake-slack")

    # --- control -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.url}/response/{name}"

    def add_user(self, user_id: str, email: str | None = None, **fields: Any) -> SlackUser:
        user = SlackUser(id=user_id, email=email, name=fields.pop("name", user_id), **fields)
        with self._lock:
            self.state.users[user_id] = user
        return user

    def add_usergroup(self, group_id: str, handle: str, users: list[str]) -> UserGroup:
        """A user group (`S…`, its `@handle` without the @) listing `users` by id."""
        group = UserGroup(group_id, handle, list(users))
        with self._lock:
            self.state.usergroups[group_id] = group
        return group

    def fail(
        self, method: str, status: int, *, times: int = 1, retry_after: int | None = None, body: str = "json"
    ) -> None:
        """The next `times` calls of `method` answer `status` (429 with `Retry-After`, 500…), with
        Slack's JSON or, as a proxy in between would, an HTML page (`html`), plain text (`text`) or
        HTML labelled as JSON (`broken_json`)."""
        assert body in ERROR_BODIES
        with self._lock:
            self.state.failures[method] = Failure(status, retry_after, times, body)

    def refuse(self, method: str, error: str, *, times: int = 1) -> None:
        """The next `times` calls of `method` answer HTTP 200 with `{"ok": false, "error": error}`,
        as Slack refuses a revoked token (`invalid_auth`, `token_revoked`…)."""
        with self._lock:
            self.state.failures[method] = Failure(200, None, times, error=error)

    def seed_message(self, channel: str, *, metadata: dict[str, Any] | None, ts: float, text: str = "") -> str:
        """A message already in `channel` (someone else's, or an earlier installation's), sent at `ts`."""
        stamp = f"{ts:.6f}"
        with self._lock:
            self.state.messages[(_dm_channel(channel), stamp)] = {"text": text, "blocks": None, "metadata": metadata}
        return stamp

    def lose_responses(self, method: str, *, times: int = 1) -> None:
        """The next `times` calls of `method` take effect but answer 503, like a response lost to
        a timeout: the caller cannot tell that Slack did it."""
        with self._lock:
            self.state.lost[method] = times

    def drop_connections(self, method: str, *, times: int = 1) -> None:
        """The next `times` calls of `method` take effect, then the connection is cut before any
        answer: the caller sees a dropped connection, not an error from Slack."""
        with self._lock:
            self.state.dropped[method] = times

    def rate_limit_channels(self, interval: float | None = 1.0) -> None:
        """Refuse a second message in the same channel within `interval` seconds (429, like Slack)."""
        with self._lock:
            self.state.per_channel_interval = interval
            self.state.last_post.clear()

    def hold(self, method: str) -> threading.Event:
        """Calls of `method` ("response_url" for replies) wait until the returned event is set:
        a Slack that is slow to answer."""
        gate = threading.Event()
        with self._lock:
            self._gates[method] = gate
        return gate

    def calls(self, method: str | None = None, *, ok_only: bool = True) -> list[Call]:
        with self._lock:
            return [
                c
                for c in self.state.calls
                if (method is None or c.method == method) and (not ok_only or c.status == 200)
            ]

    def socket_connected(self) -> bool:
        return bool(self._sockets)

    def socket_send(self, envelope: dict[str, Any], timeout: float = 10) -> dict[str, Any]:
        """Push a Socket Mode envelope to the connected app and return its acknowledgement."""
        assert self._sockets, "no Socket Mode connection"
        asyncio.run_coroutine_threadsafe(self._sockets[-1].send_json(envelope), self._server.loop).result(timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if envelope["envelope_id"] in self.state.socket_replies:
                    return self.state.socket_replies[envelope["envelope_id"]]
            time.sleep(0.01)
        raise AssertionError(f"no acknowledgement for envelope {envelope['envelope_id']}")

    def leave(self, channel: str) -> None:
        """The app is not a member of `channel`: posting there answers `not_in_channel` until it joins."""
        with self._lock:
            self.state.outside.add(channel)

    def shared_files(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Files uploaded through the external upload flow and completed (shared), with their bytes."""
        with self._lock:
            return [
                f
                for f in self.state.files.values()
                if f.get("completed") and (channel is None or f.get("channel") == channel)
            ]

    # --- lifecycle -----------------------------------------------------------------------

    def __enter__(self) -> FakeSlack:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.__exit__(*exc)
        if exc[0] is None and self.state.violations:
            found = "\n".join(f"{method}: {problem}" for method, problem in self.state.violations)
            raise AssertionError(f"the bot sent what Slack would refuse:\n{found}")

    # --- the API -------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then record the app's acknowledgements of pushed envelopes."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
        async for frame in socket:
            reply = json.loads(frame.data)
            with self._lock:
                self.state.socket_replies[reply["envelope_id"]] = reply
        self._sockets.remove(socket)
        return socket

    async def _response_url(self, request: web.Request) -> web.Response:
        await self._pass_gate("response_url")
        body = await request.text()
        args = json.loads(body) if body.startswith("{") else dict(parse_qsl(body))
        name = f"response_url:{request.match_info['name']}"
        with self._lock:
            self.state.calls.append(Call(name, args, time.monotonic()))
            if self._violates(name, args):
                return web.Response(status=400, text="invalid_blocks")
        return web.json_response({"ok": True})

    async def _upload(self, request: web.Request) -> web.Response:
        """Step 2 of the external upload flow: the bytes, posted to the URL step 1 handed out."""
        file_id = request.match_info["file_id"]
        data = await request.read()
        with self._lock:
            entry = self.state.files.get(file_id)
            self.state.calls.append(Call("upload", {"file_id": file_id, "bytes": len(data)}, time.monotonic()))
            if entry is None or entry["length"] != len(data):
                return web.Response(status=400, text="bad upload")
            entry["data"] = data
        return web.Response(text=f"OK - {len(data)}")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        await self._pass_gate(method)
        args = await _arguments(request)
        now = time.monotonic()
        with self._lock:
            failure = self.state.failures.get(method)
            if failure and failure.remaining > 0:
                failure.remaining -= 1
                self.state.calls.append(Call(method, args, now, failure.status))
                return _error(failure.status, failure.retry_after, failure.body, failure.error)
            if method in CHECKED_METHODS and self._violates(method, args):
                self.state.calls.append(Call(method, args, now, 200, {"ok": False, "error": "invalid_blocks"}))
                return web.json_response({"ok": False, "error": "invalid_blocks"})
            if method in POSTING_METHODS and self._too_fast(args, now):
                self.state.calls.append(Call(method, args, now, 429))
                return _error(429, 1)
            body = self._answer(method, args)
            if self.state.lost.get(method, 0) > 0:
                self.state.lost[method] -= 1
                self.state.calls.append(Call(method, args, now, 503, response=body))
                return _error(503, None)
            if self.state.dropped.get(method, 0) > 0:
                self.state.dropped[method] -= 1
                self.state.calls.append(Call(method, args, now, 0, response=body))
                assert request.transport is not None
                request.transport.abort()
                return web.Response(status=500)
            self.state.calls.append(Call(method, args, now, response=body))
        return web.json_response(body)

    def _violates(self, method: str, args: dict[str, Any]) -> bool:
        problems = payload_problems(method, args)
        self.state.violations.extend((method, problem) for problem in problems)
        return bool(problems)

    def _next_ts(self) -> str:
        """Slack's `ts`: the sending time in seconds, unique and increasing within the workspace."""
        self._last_ts = max(self.clock(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    async def _pass_gate(self, method: str) -> None:
        gate = self._gates.get(method)
        while gate is not None and not gate.is_set():
            await asyncio.sleep(0.01)

    def _too_fast(self, args: dict[str, Any], now: float) -> bool:
        interval = self.state.per_channel_interval
        if interval is None:
            return False
        channel = _dm_channel(str(args.get("channel", "")))
        last = self.state.last_post.get(channel)
        if last is not None and now - last < interval:
            return True
        self.state.last_post[channel] = now
        return False

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": True}
        return handler(args)

    def _auth_test(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake.slack.com/",
            "team": "Fake",
            "user": "onescore",
            "team_id": "T0FAKE",
            "user_id": "U0BOT",
            "bot_id": "B0BOT",
        }

    def _apps_connections_open(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"{self.url.replace('http://', 'ws://')}/socket"}

    def _users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        email = str(args.get("email", "")).lower()
        for user in self.state.users.values():
            if (user.email or "").lower() == email:
                return {"ok": True, "user": self._user_json(user)}
        return {"ok": False, "error": "users_not_found"}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.state.users.get(str(args.get("user")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": self._user_json(user, locale=_truthy(args.get("include_locale")))}

    def _users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        """Paged as Slack pages it: at most `USERS_PAGE_LIMIT` a call, the rest behind `next_cursor`."""
        limit = min(int(args.get("limit") or USERS_PAGE_LIMIT), USERS_PAGE_LIMIT)
        cursor = str(args.get("cursor") or "")
        start = int(cursor.removeprefix("next:")) if cursor.startswith("next:") else 0
        users = list(self.state.users.values())
        page = users[start : start + limit]
        following = f"next:{start + limit}" if start + limit < len(users) else ""
        return {
            "ok": True,
            "members": [self._user_json(u) for u in page],
            "response_metadata": {"next_cursor": following},
        }

    def _usergroups_list(self, _args: dict[str, Any]) -> dict[str, Any]:
        groups = [
            {"id": g.id, "handle": g.handle, "name": g.handle.title(), "user_count": len(g.users)}
            for g in self.state.usergroups.values()
        ]
        return {"ok": True, "usergroups": groups}

    def _usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        group = self.state.usergroups.get(str(args.get("usergroup")))
        if group is None:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(group.users)}

    def _user_json(self, user: SlackUser, *, locale: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": user.id,
            "name": user.name,
            "real_name": user.name,
            "deleted": user.deleted,
            "is_bot": user.is_bot,
            "tz": user.tz,
            "profile": {"email": user.email, "real_name": user.name},
        }
        if locale:
            data["locale"] = user.locale
        return data

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": _dm_channel(str(args.get("users", "")))}}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = _dm_channel(str(args.get("channel", "")))
        if channel in self.state.outside:
            return {"ok": False, "error": "not_in_channel"}
        ts = self._next_ts()
        self.state.messages[(channel, ts)] = {
            "text": args.get("text"),
            "blocks": args.get("blocks"),
            "metadata": args.get("metadata"),
        }
        return {"ok": True, "channel": channel, "ts": ts, "message": {"text": args.get("text"), "ts": ts}}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        """Newest first, from `oldest` on (`inclusive` or not); metadata only when asked for, as in Slack."""
        channel = str(args.get("channel", ""))
        oldest = float(args.get("oldest") or 0)
        inclusive = _truthy(args.get("inclusive"))
        found = sorted(
            (
                (ts, m)
                for (c, ts), m in self.state.messages.items()
                if c == channel and (float(ts) > oldest or (inclusive and float(ts) == oldest))
            ),
            key=lambda item: float(item[0]),
            reverse=True,
        )
        limit = int(args.get("limit", 100))
        with_metadata = _truthy(args.get("include_all_metadata"))
        messages = [
            {"type": "message", "ts": ts, "text": m["text"], **({"metadata": m["metadata"]} if with_metadata else {})}
            for ts, m in found[:limit]
        ]
        return {"ok": True, "messages": messages, "has_more": len(found) > limit}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel")), str(args.get("ts")))
        if key not in self.state.messages:
            return {"ok": False, "error": "message_not_found"}
        kept = self.state.messages[key].get("metadata")
        self.state.messages[key] = {"text": args.get("text"), "blocks": args.get("blocks"), "metadata": kept}
        return {"ok": True, "channel": key[0], "ts": key[1]}

    def _conversations_join(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        self.state.outside.discard(channel)
        return {"ok": True, "channel": {"id": channel}}

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{len(self.state.files) + 1:08d}"
        self.state.files[file_id] = {
            "id": file_id,
            "filename": args.get("filename"),
            "length": int(args.get("length", 0)),
            "alt_txt": args.get("alt_txt"),
        }
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        files = json.loads(files) if isinstance(files, str) else list(files or [])
        channel = args.get("channel_id")
        if channel in self.state.outside:
            return {"ok": False, "error": "not_in_channel"}
        shared = []
        for item in files:
            entry = self.state.files.get(item.get("id"))
            if entry is None or "data" not in entry:
                return {"ok": False, "error": "file_not_found"}
            entry.update(title=item.get("title"), channel=channel, completed=True)
            shared.append({"id": entry["id"], "title": entry["title"], "name": entry["filename"]})
        return {"ok": True, "files": shared}

    def _chat_postEphemeral(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": self._view(args)}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": self._view(args)}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": self._view(args)}

    def _view(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else dict(view or {})
        number = next(self._views)
        return {**view, "id": f"V{number:06d}", "hash": f"{number}.hash"}


async def _arguments(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    body = await request.read()
    if not body:
        return args
    if request.content_type == "application/json":
        args.update(json.loads(body))
    else:
        args.update(parse_qsl(body.decode()))
    for key in ("blocks", "view", "metadata"):
        if isinstance(args.get(key), str):
            args[key] = json.loads(args[key])
    return args


def _dm_channel(channel: str) -> str:
    """A DM is addressed by the user's id and lives in a `D…` channel, as in Slack."""
    return "D" + channel[1:] if channel.startswith(("U", "W")) else channel


def _truthy(value: Any) -> bool:
    return value in (True, "true", "1", 1, "True")


def _error(status: int, retry_after: int | None, body: str = "json", error: str | None = None) -> web.Response:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    if body == "json":
        error = error or ("ratelimited" if status == 429 else "fatal_error")
        return web.json_response({"ok": False, "error": error}, status=status, headers=headers)
    page = f"<html><body><h1>{status}</h1>Please try again later.</body></html>"
    headers["Content-Type"] = ERROR_BODIES[body]
    return web.Response(status=status, body=page.encode(), headers=headers)
