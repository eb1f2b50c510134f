"""Signed requests that are not what Slack sends get 400, not a 500 from deep inside Bolt or a listener.

The body is parsed once, by Bolt building its request; before that request is dispatched, it
must have parsed into an object with the fields Bolt's own argument building and the listeners
rely on (Bolt reads `body["actions"][0]` for any middleware of a click, for one). A request
failing that is answered 401 when it is not signed, exactly as Bolt would, and 400 when it is.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from slack_bolt.adapter.starlette.async_handler import to_async_bolt_request
from slack_bolt.async_app import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier


async def checked_request(request: Request, verifier: SignatureVerifier) -> AsyncBoltRequest | Response:
    """Bolt's request to dispatch, or the answer to one no listener could handle."""
    raw = await request.body()
    bolt_request = _bolt_request(request, raw)
    problem = "not a Slack request body" if bolt_request is None else shape_problem(bolt_request.body)
    if bolt_request is not None and problem is None:
        return bolt_request
    if not verifier.is_valid_request(raw, dict(request.headers)):
        return Response(status_code=401)
    return Response(f"malformed Slack request: {problem}", status_code=400, media_type="text/plain")


def _bolt_request(request: Request, raw: bytes) -> AsyncBoltRequest | None:
    """None when Bolt cannot read the body: not UTF-8, not JSON where JSON belongs, or a `payload`
    that is not an object (Bolt's own context building then fails)."""
    try:
        return to_async_bolt_request(request, raw)
    except (UnicodeDecodeError, ValueError, AttributeError, TypeError):
        return None


def shape_problem(body: dict[str, Any]) -> str | None:
    """What is missing from a parsed request that listeners need, or None when it is all there."""
    kind = body.get("type")
    if "command" in body:
        return None if _text(body.get("user_id")) else "a command without user_id"
    if kind in ("block_actions", "view_submission", "block_suggestion") and not _text(_at(body, "user", "id")):
        return f"{kind} without user.id"
    if kind == "block_actions":
        actions = body.get("actions")
        if not (isinstance(actions, list) and actions and isinstance(actions[0], dict)):
            return "block_actions without actions"
        return None if _text(actions[0].get("action_id")) else "an action without action_id"
    if kind == "view_submission":
        return None if _state_values(_at(body, "view", "state", "values")) else "a view without state.values"
    if kind == "event_callback":
        event = body.get("event")
        if not (isinstance(event, dict) and _text(event.get("type"))):
            return "an event callback without an event"
        if event["type"] == "app_home_opened" and not _text(event.get("user")):
            return "app_home_opened without user"
    return None


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
