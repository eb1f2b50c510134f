"""Every route refuses a body over 1 MiB with 413 before reading it, and an untrustworthy Content-Length with 400.

The ASGI tests cover each way a length can be declared or not; the live test runs `onescore serve`
under uvicorn and checks that 50 MB streamed at it never reaches its memory.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bench.common import bench_env, running_process
from bot.settings import Settings
from handlers.api.body_limit import MAX_BODY_BYTES
from tests.conftest import API_TOKEN
from tests.fakes.slack_api import FakeSlack

ROUTES = [
    "/slack/events",
    "/api/messages",
    "/webhooks/hubspot",
    "/webhooks/pipedrive",
    "/webhooks/salesforce",
    "/api/deals/x",
    "/api/deals/x/answers",
]
MIB = 1024 * 1024


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """Limits are HTTP's business, not the database's: SQLite is enough."""
    return f"sqlite:///{tmp_path / 'limits.db'}"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    from storage.db import make_engine
    from storage.migrate import upgrade

    engine = make_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()
    with FakeSlack() as fake:
        yield settings.model_copy(
            update={"slack_bot_token": "xoxb-test", "slack_signing_secret": "secret", "slack_api_url": fake.api_url}
        )


def _method(path: str) -> str:
    return "PUT" if path == "/api/deals/x" else "POST"


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


@pytest.mark.parametrize("path", ROUTES)
def test_a_declared_length_over_the_limit_is_refused_before_the_route(client: TestClient, path: str) -> None:
    response = client.request(_method(path), path, content=b"{" * (MAX_BODY_BYTES + 1))
    assert response.status_code == 413
    assert "1 MiB" in response.json()["detail"]


@pytest.mark.parametrize("path", ROUTES)
def test_a_streamed_body_over_the_limit_is_refused(client: TestClient, path: str) -> None:
    response = client.request(_method(path), path, content=_chunks(3 * MIB))
    assert response.status_code == 413


def test_a_streamed_body_within_the_limit_reaches_the_route(client: TestClient) -> None:
    body = b'{"name": "P\xc3\xa4\xc3\xa4kaupunki \xf0\x9f\x9a\x80", "stage": "open"}'
    response = client.put(
        "/api/deals/streamed", content=iter([body[:10], body[10:]]), headers={"content-type": "application/json"}
    )
    assert response.status_code == 201
    assert response.json()["name"] == "Pääkaupunki 🚀"


def test_exactly_the_limit_is_accepted(client: TestClient) -> None:
    body = b'{"name": "' + b"a" * (MAX_BODY_BYTES - 12) + b'"}'
    assert len(body) <= MAX_BODY_BYTES
    response = client.put("/api/deals/big", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422  # within the limit, so the route judged it: the name is too long


@pytest.mark.parametrize("value", ["-1", "+5", "5.0", "0x10", "abc", " ", "1 2", "٣"])
def test_a_malformed_content_length_is_400(client: TestClient, value: str) -> None:
    headers = [(b"content-length", value.encode())]
    response = client.post("/webhooks/hubspot", content=b"{}", headers=headers)  # type: ignore[arg-type]
    assert response.status_code == 400
    assert "Content-Length" in response.json()["detail"]


def test_duplicate_content_length_is_400(client: TestClient) -> None:
    headers = [("content-length", "2"), ("content-length", "2")]
    response = client.post("/webhooks/hubspot", content=b"{}", headers=headers)  # type: ignore[arg-type]
    assert response.status_code == 400


def test_an_enormous_declared_length_is_413_not_a_crash(client: TestClient) -> None:
    response = client.post("/slack/events", content=b"{}", headers=[("content-length", "9" * 5000)])  # type: ignore[arg-type]
    assert response.status_code == 413


def test_requests_without_a_body_are_untouched(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/deals").status_code == 200


# --- a live server ---------------------------------------------------------------------------


def _resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _settled_resident_kib(pid: int, timeout: float = 60.0) -> int:
    """The server's size once it stops growing by itself: at start it loads the insights' word
    dictionaries in a thread of its own (tens of MiB), which on a busy machine is still under way
    when the uploads begin, and must not be counted as what the uploads cost."""
    deadline = time.monotonic() + timeout
    size = _resident_kib(pid)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = _resident_kib(pid)
        if abs(now - size) < 256:
            return now
        size = now
    raise AssertionError(f"the server's size did not settle in {timeout:.0f} s")


def _chunked_upload(port: int, method: str, path: str, total: int) -> int | None:
    """Stream `total` bytes chunked (no Content-Length) while watching for the answer; its status.

    The answer is read as soon as it arrives, because a server that stops reading a body closes
    the connection after answering, and the client must not need to finish sending first. None:
    the connection was reset before the answer could be read (the kernel drops what it had
    received when the reset for the unread upload arrives first), which only happens once the
    server has stopped reading.
    """
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        f"Content-Type: application/json\r\nAuthorization: Bearer {API_TOKEN}\r\n\r\n"
    ).encode()
    chunk = b"%x\r\n" % (64 * 1024) + b"x" * (64 * 1024) + b"\r\n"
    pending = head
    sent = 0
    answer = b""
    sock.setblocking(False)
    try:
        while b"\r\n" not in answer:
            readable, writable, _ = select.select([sock], [sock] if sent < total else [], [], 60)
            if not readable and not writable:
                raise AssertionError("the server neither answered nor read")
            if readable:
                try:
                    data = sock.recv(65536)
                except ConnectionResetError:
                    return None
                if not data:
                    break
                answer += data
                continue
            try:
                written = sock.send(pending)
            except OSError:
                break
            pending = pending[written:]
            if not pending:
                sent += 64 * 1024
                pending = chunk if sent < total else b"0\r\n\r\n"
    finally:
        sock.close()
    if not answer:
        return None
    assert answer.startswith(b"HTTP/1.1 "), answer[:100]
    return int(answer.split()[1])


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[tuple[int, int]]:
    """`onescore serve` with Slack on (against a Slack that is not there) and Teams on (local only)."""
    env = bench_env(
        tmp_path,
        f"sqlite:///{tmp_path / 'live.db'}",
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="secret",
        SLACK_API_URL="http://127.0.0.1:9/api/",
        ONESCORE_API_TOKEN=API_TOKEN,
    )
    serve = ["-m", "bot.cli", "serve"]
    with running_process(serve, "/healthz", name="onescore serve", env=env, cwd=tmp_path) as server:
        yield server.process.pid, int(server.url.rsplit(":", 1)[1])


LIVE_ROUTES = ["/slack/events", "/api/messages", "/webhooks/hubspot", "/webhooks/pipedrive", "/api/deals/x"]


def test_fifty_megabytes_streamed_at_every_route_never_reach_memory(live_server: tuple[int, int]) -> None:
    """A reset instead of the 413 is accepted (see `_chunked_upload`); that the 413 is what the
    server answers is the ASGI tests' job, this one's is that memory stays flat."""
    pid, port = live_server
    answered = set()
    for path in LIVE_ROUTES:  # warm up: every route's code is loaded before measuring
        answered.add(_chunked_upload(port, _method(path), path, 2 * MIB))
    before = _settled_resident_kib(pid)
    for path in LIVE_ROUTES:
        answered.add(_chunked_upload(port, _method(path), path, 50 * MIB))
    assert answered <= {413, None} and 413 in answered, answered
    statuses: list[int | None] = []
    uploads = [
        threading.Thread(target=lambda: statuses.append(_chunked_upload(port, "POST", "/slack/events", 50 * MIB)))
        for _ in range(8)
    ]
    for upload in uploads:
        upload.start()
    for upload in uploads:
        upload.join(timeout=120)
    assert len(statuses) == 8 and set(statuses) <= {413, None}, statuses
    grown_mib = (_resident_kib(pid) - before) / 1024
    assert grown_mib < 8, f"the server grew by {grown_mib:.1f} MiB"
