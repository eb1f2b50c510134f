"""Values read out of a Slack payload, each of the type the listener needs or None.

A signed request has passed the shape check, but the values inside it are still whatever the
sender put there: a `private_metadata` that is not our JSON, an ask id of 10**400, an option that
is a string instead of an object. Listeners read through these helpers so that an odd value is
simply absent, and the listener answers as it would for a missing one (a refusal in the form, a
polite note) instead of failing before or after the acknowledgement.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_RECORD_ID = 2**31 - 1
"""Our ids are INTEGER columns: anything larger would fail in the database, not find nothing."""
_DIGITS = re.compile(r"[0-9]{1,10}")


def record_id(value: Any) -> int | None:
    """A database id as Slack hands it back (a button value, an option, metadata): an int or a string
    of ASCII digits, within the range of the id column."""
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_RECORD_ID:
        return value
    return None


def text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def texts(value: Any) -> tuple[str, ...]:
    """A list of strings (selected users, say); anything else in it is dropped."""
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list) else ()


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    """The view's `private_metadata` as the object we stored there, or {} when it is anything else."""
    raw = view.get("private_metadata")
    try:
        found = json.loads(raw) if isinstance(raw, str) and raw else {}
    except (ValueError, RecursionError):
        return {}
    return found if isinstance(found, dict) else {}


def element(values: dict[str, Any], block_id: str, action_id: str | None = None) -> dict[str, Any]:
    """One input's state in a submitted form (the first element of the block unless named)."""
    actions = values.get(block_id)
    if not isinstance(actions, dict):
        return {}
    found = actions.get(action_id) if action_id else next(iter(actions.values()), None)
    return found if isinstance(found, dict) else {}


def selected(state: dict[str, Any]) -> str | None:
    """The value of a select's or radio group's chosen option."""
    option = state.get("selected_option")
    return text(option.get("value")) if isinstance(option, dict) else None


def any_selected(state: dict[str, Any]) -> bool:
    """Whether a checkbox group has something ticked."""
    options = state.get("selected_options")
    return isinstance(options, list) and bool(options)
