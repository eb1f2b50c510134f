"""A limit on sign-in attempts per client, so sign-in links cannot be guessed at speed.

The tokens are 256 random bits, so guessing cannot succeed anyway; the limit keeps a scanner from
turning the login route into load on the database. It is kept in memory: each replica counts its
own share, which is what a limit against floods needs.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from threading import Lock

LOGIN_ATTEMPTS = 20
LOGIN_WINDOW = timedelta(minutes=10)
MAX_CLIENTS = 10_000
"""Beyond this many clients remembered, the oldest are forgotten, so memory stays bounded."""


@dataclass
class AttemptLimit:
    attempts: int = LOGIN_ATTEMPTS
    window: timedelta = LOGIN_WINDOW
    _seen: dict[str, deque[datetime]] = field(default_factory=dict)
    _lock: Lock = field(default_factory=Lock)

    def allow(self, client: str, now: datetime) -> bool:
        """Count one attempt by `client`; False when it has used up its attempts in the window."""
        with self._lock:
            times = self._seen.pop(client, None) or deque()
            while times and times[0] <= now - self.window:
                times.popleft()
            allowed = len(times) < self.attempts
            if allowed:
                times.append(now)
            self._seen[client] = times
            while len(self._seen) > MAX_CLIENTS:
                self._seen.pop(next(iter(self._seen)))
            return allowed
