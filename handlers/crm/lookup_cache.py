"""Look-ups of things that rarely change (an owner's email, an organisation's name), cached.

Concurrent look-ups of the same key share one call: the worker reads a batch of deliveries back at
once, and two deals of the same owner must not become two identical API calls.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any


class LookupCache:
    def __init__(self, ttl_seconds: float) -> None:
        self.ttl_seconds = ttl_seconds
        self._values: dict[str, tuple[float, Any]] = {}
        self._pending: dict[str, asyncio.Future[Any]] = {}

    async def get(self, key: str, fetch: Callable[[], Awaitable[Any]]) -> Any:
        """The cached value, or `fetch()`'s (an error reaches every caller waiting on that call)."""
        cached = self._values.get(key)
        if cached is not None and time.monotonic() - cached[0] < self.ttl_seconds:
            return cached[1]
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        call = asyncio.ensure_future(fetch())
        self._pending[key] = call
        try:
            value = await asyncio.shield(call)
        finally:
            self._pending.pop(key, None)
        self._values[key] = (time.monotonic(), value)
        return value
