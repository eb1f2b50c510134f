"""The access log without sign-in tokens: a `/login/<token>` path is logged as `/login/…`.

A token in a log is a sign-in for whoever reads the log within its ten minutes, so the path never
reaches a handler (uvicorn's access logger formats it from the record's arguments).
"""

from __future__ import annotations

import logging
import re

ACCESS_LOGGER = "uvicorn.access"
_TOKEN_PATH = re.compile(r"^(/login/)[^?#\s]*")
HIDDEN = r"\1…"


class HideLoginTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(_hidden(arg) for arg in args)
        record.msg = _hidden(record.msg)
        return True


def _hidden(value: object) -> object:
    return _TOKEN_PATH.sub(HIDDEN, value) if isinstance(value, str) else value


def hide_login_tokens() -> None:
    """Idempotent: apps built again (tests, reloads) add no second filter."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(existing, HideLoginTokens) for existing in logger.filters):
        logger.addFilter(HideLoginTokens())
