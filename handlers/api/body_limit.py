"""The one size limit for every request body, enforced before any route, Bolt or botbuilder reads it.

It is pure ASGI rather than Starlette's BaseHTTPMiddleware: it must see the request before anything
buffers the body, and it must stop reading a streamed body the moment it passes the limit. A request
whose valid `Content-Length` is within the limit passes through untouched (the server frames the
body by that length), so the common case costs one header scan.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 1024 * 1024
TOO_LARGE = "The request body is larger than 1 MiB."
_MAX_DIGITS = 18
"""Longer numbers are far past any limit, and Python refuses to parse ints of thousands of digits."""


def _declared_length(headers: list[tuple[bytes, bytes]]) -> tuple[int | None, str | None]:
    """The declared body length, or the reason the header cannot be trusted.

    Two Content-Length headers, or one that is not plain digits, are how request smuggling starts:
    refuse them rather than guess which one the server in front of us believed.
    """
    values = [value for name, value in headers if name == b"content-length"]
    if not values:
        return None, None
    if len(values) > 1:
        return None, "more than one Content-Length header"
    value = values[0].strip()
    if not value or not value.isdigit():
        return None, "Content-Length is not a non-negative whole number"
    return (int(value) if len(value) <= _MAX_DIGITS else sys.maxsize), None


def _framed_by_server(scope: Scope, declared: int | None) -> bool:
    """Whether the server already bounds the body: by a Content-Length alone, or (HTTP/1.x) because
    a request with neither Content-Length nor Transfer-Encoding has no body at all."""
    chunked = any(name == b"transfer-encoding" for name, _ in scope["headers"])
    if chunked:
        return False
    return declared is not None or scope.get("http_version") in ("1.0", "1.1")


async def _refuse(send: Send, status: int, reason: str) -> None:
    body = json.dumps({"detail": reason}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """413 for a body over `max_bytes` (declared or counted), 400 for an untrustworthy Content-Length."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        declared, problem = _declared_length(headers)
        if problem is not None:
            await _refuse(send, 400, problem)
        elif declared is not None and declared > self.max_bytes:
            await _refuse(send, 413, TOO_LARGE)
        elif _framed_by_server(scope, declared):
            await self.app(scope, receive, send)
        else:
            await self._counted(scope, receive, send)

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A body without a trustworthy length is read here first, at most `max_bytes` of it.

        Only then does the application see it, so every route answers 413 alike — also one that
        would have refused the sender before reading (a webhook without its credentials), which
        could not know the size.
        """
        messages = await _read_within(receive, self.max_bytes)
        if messages is None:
            await _refuse(send, 413, TOO_LARGE)
            return
        await self.app(scope, _replaying(messages, receive), send)


async def _read_within(receive: Receive, max_bytes: int) -> list[Message] | None:
    """The request's messages with the body joined into one, or None once it passes `max_bytes`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return [{"type": "http.request", "body": b"".join(chunks), "more_body": False}, message]
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay
