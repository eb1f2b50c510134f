"""Headers every response of the service carries, whatever answered it: a route, a 404 for a path no
route knows, the body limit, Bolt or botbuilder.

None of the service's responses is meant to be framed, sniffed into another type, or to tell
another site which page linked there; a response that sets one of these itself (the dashboard's
stricter set) keeps its own. No Content-Security-Policy here: `/docs` runs Swagger UI's scripts,
and the dashboard sets its own policy.
"""

from __future__ import annotations

from handlers.api.body_limit import ASGIApp, Message, Receive, Scope, Send

BASELINE = {
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"no-referrer",
    b"x-frame-options": b"DENY",
}


class BaselineHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _value in headers}
                headers += [(name, value) for name, value in BASELINE.items() if name not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
