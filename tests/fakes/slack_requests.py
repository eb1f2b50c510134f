"""Requests to `/slack/events` built and signed exactly as Slack builds and signs them.

Signature: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` under the signing secret, with
the timestamp in `X-Slack-Request-Timestamp` (see shared/fixtures/slack/SOURCES.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import quote, urlencode


def signature(secret: str, timestamp: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


def signed_headers(secret: str, body: str, *, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "x-slack-request-timestamp": ts,
        "x-slack-signature": signature(secret, ts, body),
        "content-type": "application/json" if body.startswith("{") else "application/x-www-form-urlencoded",
    }


def command_body(*, user_id: str, text: str, command: str, response_url: str, trigger_id: str = "111.222.t") -> str:
    """A slash command as Slack posts it (fields as in fixtures/slack/slash_command.form.txt)."""
    return urlencode(
        {
            "token": "verification_token",
            "team_id": "T0FAKE",
            "team_domain": "fake",
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0APP",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )


def payload_body(payload: dict[str, Any]) -> str:
    """Interactivity: the JSON payload in a `payload` form field (fixtures/slack/block_actions.form.txt)."""
    return "payload=" + quote(json.dumps(payload))


def event_body(event: dict[str, Any], *, event_id: str) -> str:
    return json.dumps(
        {
            "token": "verification_token",
            "team_id": "T0FAKE",
            "api_app_id": "A0APP",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": "T0FAKE", "user_id": "U0BOT", "is_bot": True}],
        }
    )
