"""An aiohttp application served on 127.0.0.1 from its own thread, for fakes of outside services.

The app under test runs its own event loop (TestClient's portal) and botbuilder calls out with
blocking `requests`, so the fake needs a loop of its own in a thread to answer either.
"""

from __future__ import annotations

import asyncio
import threading

from aiohttp import web


class LocalServer:
    """Start with `with server:`; `server.url` is its base URL once started."""

    def __init__(self, app: web.Application, name: str) -> None:
        self.app = app
        self.name = name
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The server's own loop, for pushing to a connection from a test's thread."""
        assert self._loop is not None, "not started"
        return self._loop

    def __enter__(self) -> LocalServer:
        started = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(started,), daemon=True, name=self.name)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError(f"{self.name} did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    def _serve(self, started: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        runner = web.AppRunner(self.app, access_log=None)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        started.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(runner.cleanup())
            loop.close()
