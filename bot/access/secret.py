"""Random secrets and the one-way form in which the database keeps them."""

from __future__ import annotations

import hashlib
import secrets

SECRET_BYTES = 32


def new_secret() -> str:
    """256 random bits, URL-safe: unguessable, and fits a path segment or a cookie unchanged."""
    return secrets.token_urlsafe(SECRET_BYTES)


def digest(secret: str) -> str:
    """SHA-256 hex. The secrets are random, so no salt or slow hash is needed to keep them unguessable;
    what matters is that a copy of the database cannot be replayed as a link or a cookie."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
