"""A limit on failed sign-in attempts per client, so sign-in links cannot be guessed at speed.

The tokens are 256 random bits, so guessing cannot succeed anyway; the limit tells a scanner to back
off. Only failures count, and a valid link is honoured whatever its client's count: behind an
office NAT or a proxy, a whole company shares one client address, so counting every sign-in would
let ten people in per window, and a stranger sending a few bad links a minute would lock everyone
out. It is kept in memory: each replica counts its own share, which is what a limit against floods
needs.
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

    def exhausted(self, client: str, now: datetime) -> bool:
        """Whether `client` has used up its failed attempts in the window."""
        with self._lock:
            return len(self._recent(client, now)) >= self.attempts

    def failed(self, client: str, now: datetime) -> None:
        """Count one failed attempt by `client`."""
        with self._lock:
            times = self._recent(client, now)
            times.append(now)
            self._seen[client] = times
            while len(self._seen) > MAX_CLIENTS:
                self._seen.pop(next(iter(self._seen)))

    def _recent(self, client: str, now: datetime) -> deque[datetime]:
        """The client's failures within the window, its entry moved to the newest end (the lock is held)."""
        times = self._seen.pop(client, None) or deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if times:
            self._seen[client] = times
        return times
