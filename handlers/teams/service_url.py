"""Which `serviceUrl`s OneScore will connect to, decided by the parser of the client that connects.

botbuilder's `ConnectorClient` sends through msrest's requests pipeline, so the host a call goes
to is the one urllib3's `parse_url` reads, not the one `urllib.parse` reads: for
`http://example.com\\@127.0.0.1/` the standard library sees 127.0.0.1 while urllib3 connects to
example.com. A URL is therefore accepted only when it is unambiguous: a plain `http(s)://host[:port]/path`
of URL-safe characters (no user info, backslashes, spaces, control characters, percent-escapes,
query or fragment) on which both parsers agree. The same check runs on an activity as it arrives
and on every stored address (conversation references, sent asks) before the connector is built.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

MAX_LENGTH = 2048
SCHEMES = ("http", "https")
_PLAIN = re.compile(r"[A-Za-z0-9._~:/\-\[\]]+")
LOCAL_NAMES = frozenset(["localhost"])


@dataclass(frozen=True)
class ServiceUrl:
    """The parts of an accepted URL that decide where a connection goes."""

    scheme: str
    host: str
    port: int | None

    @property
    def local(self) -> bool:
        """On this machine: what the emulator mode (and a token that vouches for no URL) may call."""
        if self.host in LOCAL_NAMES:
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def parse_service_url(url: object) -> ServiceUrl | None:
    """The URL's scheme, host and port as the HTTP client will use them; None when it is not plainly one URL."""
    if not isinstance(url, str) or not 0 < len(url) <= MAX_LENGTH or not _PLAIN.fullmatch(url):
        return None
    try:
        connects = parse_url(url)
        reads = urlsplit(url)
        read_port = reads.port
    except (LocationParseError, ValueError):
        return None
    scheme = (connects.scheme or "").lower()
    host = (connects.host or "").lower().strip("[]")
    if scheme not in SCHEMES or not host or connects.auth is not None or connects.query or connects.fragment:
        return None
    if reads.scheme.lower() != scheme or (reads.hostname or "") != host or read_port != connects.port:
        return None
    return ServiceUrl(scheme, host, connects.port)


def is_local(url: object) -> bool:
    """An unambiguous URL of a connector on this machine (the Bot Framework Emulator, tests)."""
    parsed = parse_service_url(url)
    return parsed is not None and parsed.local


def may_connect(url: object, *, local_only: bool) -> bool:
    """Whether the connector may call `url`: only this machine without an app id; otherwise HTTPS, or
    plain HTTP to this machine only (nothing on the way can read the bot's token there)."""
    parsed = parse_service_url(url)
    if parsed is None:
        return False
    if local_only:
        return parsed.local
    return parsed.scheme == "https" or parsed.local
