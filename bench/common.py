"""What every benchmark needs: a live `onescore serve` on 127.0.0.1, percentiles, a results line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
API_TOKEN = "bench-token"
POSTGRES_URL = os.environ.get("ONESCORE_TEST_POSTGRES_URL")

BENCH_ORG = """
timezone: Europe/Helsinki
teams: [{name: sales}, {name: marketing}, {name: product}, {name: hr}]
members:
  - {email: owner@example.com, name: Owner, team: sales}
  - {email: helper@example.com, name: Helper, team: marketing}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def databases(workdir: Path) -> list[tuple[str, str]]:
    """(label, URL) for each database to measure: always SQLite, PostgreSQL when configured."""
    found = [("sqlite", f"sqlite:///{workdir / 'bench.db'}")]
    if POSTGRES_URL:
        found.append(("postgresql", POSTGRES_URL))
    return found


def reset_postgres(url: str) -> None:
    from sqlalchemy import text

    from storage.db import make_engine

    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def bench_env(workdir: Path, database_url: str, *, organisation: str = BENCH_ORG, **extra: str) -> dict[str, str]:
    config = workdir / "onescore.yaml"
    config.write_text(organisation, encoding="utf-8")
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "ONESCORE_CONFIG": str(config),
        "ONESCORE_API_TOKEN": API_TOKEN,
        "ONESCORE_LOG_LEVEL": "WARNING",
        **extra,
    }


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str


@contextmanager
def running_process(
    arguments: list[str],
    ready_path: str,
    *,
    name: str,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    **ready: Any,
) -> Iterator[Server]:
    """`python ARGUMENTS --port N` on a free port, until GET `ready_path` answers 200 (`ready`: httpx options)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, *arguments, "--port", str(port)],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}{ready_path}", timeout=1, **ready).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start")
            time.sleep(0.1)
        yield Server(process, url)
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def running_server(env: dict[str, str]) -> Iterator[Server]:
    """The service, started outside the repository so a developer's `.env` there cannot leak in."""
    serve = ["-m", "bot.cli", "serve"]
    with running_process(serve, "/healthz", name="onescore serve", env=env, cwd=Path(tempfile.gettempdir())) as server:
        yield server


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """A process's resident memory from /proc: all of it (`VmRSS`), or its private part (`RssAnon`)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field}")


class PeakMemory:
    """The peak of this process's private resident memory (heap, arrays: `RssAnon`) while the block
    runs, sampled every millisecond by a thread, above what it was when the block began.

    Resident memory as a whole also counts the pages of files mapped into the process, such as a
    SQLite database read through its memory map: the operating system's file cache, shared and
    dropped under pressure, which PostgreSQL keeps in its own server processes instead."""

    def __init__(self) -> None:
        self.idle = self.peak = rss_mb(os.getpid(), "RssAnon")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        pid = os.getpid()
        while not self._stop.wait(0.001):
            self.peak = max(self.peak, rss_mb(pid, "RssAnon"))

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb(os.getpid(), "RssAnon"))

    @property
    def above_idle(self) -> float:
        return self.peak - self.idle


def report(name: str, value: str, target: str, ok: bool) -> None:
    print(f"{'PASS' if ok else 'MISS'}  {name}: {value}  (target {target})", flush=True)
