"""What a request to `/slack/events` must pass before Bolt sees it: Slack's signature, then a readable body.

The signature is checked first, on the raw bytes, before anything decodes or parses them: a body
no parser survives (JSON nested past the recursion limit, bytes that are not UTF-8, gzip) or a
header of odd shape is then simply unsigned, and gets 401 like any other forged request. Only
Slack's own header forms are accepted (`X-Slack-Request-Timestamp` of ASCII digits within five
minutes, `X-Slack-Signature` of `v0=` and 64 lower-case hex digits), and the digests are compared
as bytes in constant time.

A signed body is parsed here, once, by rules of our own rather than Bolt's: Bolt guesses a form
body is interactivity when the text merely contains "payload", so `/scores payload` parsed as an
empty request and no listener matched. Bolt is handed the parsed object re-encoded as JSON, which
it reads back exactly. A signed body that is not an object with the fields Bolt's own argument
building and the listeners rely on gets 400 with the reason.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request, Response
from slack_bolt.async_app import AsyncBoltRequest

MAX_SKEW_SECONDS = 300
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_COMMAND_FIELDS = ("command", "text", "user_id", "channel_id", "response_url", "trigger_id")


class SlackSignature:
    """Slack's request signing: HMAC-SHA256 of `v0:{timestamp}:{raw body}` under the signing secret."""

    def __init__(self, secret: str, clock: Callable[[], float] = time.time) -> None:
        self._secret = secret.encode()
        self._clock = clock

    def verifies(self, raw: bytes, headers: Mapping[str, str]) -> bool:
        """True only for a fresh request signed with our secret; never raises, whatever the headers hold."""
        timestamp = headers.get("x-slack-request-timestamp") or ""
        given = headers.get("x-slack-signature") or ""
        if not (self._secret and _TIMESTAMP.fullmatch(timestamp) and _SIGNATURE.fullmatch(given)):
            return False
        if abs(self._clock() - int(timestamp)) > MAX_SKEW_SECONDS:
            return False
        digest = hmac.new(self._secret, b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
        return hmac.compare_digest(given.encode(), b"v0=" + digest.encode())


async def checked_request(request: Request, signature: SlackSignature) -> AsyncBoltRequest | Response:
    """Bolt's request to dispatch, or the answer to one that is unsigned (401) or unreadable (400)."""
    raw = await request.body()
    if not signature.verifies(raw, request.headers):
        return Response(status_code=401)
    body = parse_body(raw, request.headers.get("content-type"))
    problem = "not a Slack request body" if body is None else shape_problem(body)
    if body is None or problem is not None:
        return Response(f"malformed Slack request: {problem}", status_code=400, media_type="text/plain")
    bolt_request = _bolt_request(request, body)
    if bolt_request is None:
        return Response("malformed Slack request: ids Bolt cannot read", status_code=400, media_type="text/plain")
    return bolt_request


def _bolt_request(request: Request, body: dict[str, Any]) -> AsyncBoltRequest | None:
    """None when Bolt's own context building fails on the body: it reads team, enterprise, user and
    channel ids and `authorizations[0]` from wherever Slack may put them, assuming each is an object."""
    try:
        return AsyncBoltRequest(
            body=json.dumps(body, ensure_ascii=False),
            query=request.query_params,  # type: ignore[arg-type]
            headers=request.headers,  # type: ignore[arg-type]
        )
    except (AttributeError, TypeError, KeyError, IndexError, ValueError):
        return None


def parse_body(raw: bytes, content_type: str | None) -> dict[str, Any] | None:
    """The request as an object, or None when it is not one: events come as JSON, slash commands as a
    form, interactivity as a form whose only field is `payload` (JSON)."""
    try:
        text = raw.decode("utf-8")
        if _media_type(content_type) == "application/json" or text.startswith("{"):
            parsed = json.loads(text)
        else:
            parsed = _form(text)
    except (ValueError, RecursionError):
        return None
    return parsed if isinstance(parsed, dict) else None


def _form(text: str) -> Any:
    fields = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in fields and "command" not in fields:
        return json.loads(fields["payload"])
    return fields


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def shape_problem(body: dict[str, Any]) -> str | None:
    """What is missing from a parsed request that listeners need, or None when it is all there."""
    kind = body.get("type")
    if "command" in body:
        return _command_problem(body)
    if kind in ("block_actions", "view_submission", "block_suggestion") and not _text(_at(body, "user", "id")):
        return f"{kind} without user.id"
    if kind == "block_actions":
        actions = body.get("actions")
        if not (isinstance(actions, list) and actions and isinstance(actions[0], dict)):
            return "block_actions without actions"
        return None if _text(actions[0].get("action_id")) else "an action without action_id"
    if kind == "view_submission":
        if not all(_text(_at(body, "view", key)) for key in ("type", "callback_id", "id")):
            return "a view without type, callback_id or id"  # Bolt itself reads view.type before any listener
        return None if _state_values(_at(body, "view", "state", "values")) else "a view without state.values"
    if kind == "block_suggestion" and not _text(body.get("action_id")):
        return "an options request without action_id"
    if kind == "event_callback":
        event = body.get("event")
        if not (isinstance(event, dict) and _text(event.get("type"))):
            return "an event callback without an event"
        if event["type"] == "app_home_opened" and not _text(event.get("user")):
            return "app_home_opened without user"
    return None


def _command_problem(body: dict[str, Any]) -> str | None:
    """Slack sends a command as a form, so every field is text; a JSON body may say otherwise."""
    if not _text(body.get("user_id")):
        return "a command without user_id"
    odd = next((name for name in _COMMAND_FIELDS if name in body and not isinstance(body[name], str)), None)
    return None if odd is None else f"a command whose {odd} is not text"


def _at(data: Any, *path: str) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _state_values(values: Any) -> bool:
    """Slack's form state: block id → action id → the element's value, each level an object."""
    return isinstance(values, dict) and all(
        isinstance(actions, dict) and all(isinstance(element, dict) for element in actions.values())
        for actions in values.values()
    )
