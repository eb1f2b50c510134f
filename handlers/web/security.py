"""The headers every dashboard response carries, and the CSRF check of its forms.

The pages run no script at all, so the policy allows none: a value that slipped past escaping
still could not run. Styles and images come only from this service (it works offline, and no
third party learns who reads what). Links carry sign-in tokens, so no page sends a Referer.
"""

from __future__ import annotations

import secrets

from starlette.responses import Response

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def secure(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


def same_token(given: object, expected: str | None) -> bool:
    """Constant-time comparison; anything that is not a non-empty string is no token."""
    if not isinstance(given, str) or not given or not expected:
        return False
    return secrets.compare_digest(given.encode(), expected.encode())
