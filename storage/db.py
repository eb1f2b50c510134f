"""The engine and sessions.

SQLite is the embedded default, so it is tuned for a web server's concurrency: WAL lets readers
run beside a writer, a busy timeout makes writers queue instead of failing, and every transaction
starts with BEGIN IMMEDIATE so a read that later writes can never hit "database is locked" on the
lock upgrade (SQLite does not wait in that case); only a `read_session`, which never writes,
begins without it. Within this process, transactions also queue
first-come first-served on a lock taken when they begin and given back when they end: SQLite's own
busy handler polls with growing sleeps, which under 20 concurrent requests turned a 5 ms write into
a tail of hundreds of milliseconds. Other processes (a CLI import beside the server) still meet the
busy timeout, so the lock is about fairness, not correctness.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, create_engine

from storage import ledger_version, rollups

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_MMAP_BYTES = 256 * 1024 * 1024
"""Read the file through memory mapping up to this size: a scorecard reads tens of thousands of index
entries, and a page found in the mapping costs no read() call (a quarter's answers: a third less
time). Pages are the operating system's file cache, shared, and counted only once touched."""
T = TypeVar("T")


class FairLock:
    """A first-come, first-served lock that the thread holding it may take again.

    `threading.Lock` lets a thread that releases it take it again before any waiter wakes, so a
    background loop running transaction after transaction would starve request threads; tickets
    make each waiter's turn come in arrival order.
    """

    def __init__(self) -> None:
        self._turns = threading.Condition(threading.Lock())
        self._next_ticket = 0
        self._serving = 0
        self._owner: int | None = None
        self._depth = 0

    def acquire(self) -> None:
        me = threading.get_ident()
        with self._turns:
            if self._owner == me:
                self._depth += 1
                return
            ticket = self._next_ticket
            self._next_ticket += 1
            while ticket != self._serving:
                self._turns.wait()
            self._owner, self._depth = me, 1

    def release(self) -> None:
        with self._turns:
            self._depth -= 1
            if self._depth:
                return
            self._owner = None
            self._serving += 1
            self._turns.notify_all()


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
        cursor.close()

    turns = FairLock()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(_READS_ONLY):
            connection.exec_driver_sql("BEGIN")
            return
        turns.acquire()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            turns.release()
            raise
        connection.info[_TOOK_TURN] = True

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection: Any) -> None:
        if connection.info.pop(_TOOK_TURN, False):
            turns.release()


_READS_ONLY = "onescore_reads_only"
_TOOK_TURN = "onescore_took_turn"


def read_session(engine: Engine) -> Session:
    """A session for a long read that writes nothing, such as finding a quarter's insights.

    On SQLite it begins a plain (deferred) transaction: WAL gives it a snapshot of its own, it
    takes no write lock and no turn in the process's queue, so writers (an answer being recorded)
    go on while it reads for seconds. A write in it would have to upgrade its lock, which SQLite
    may refuse at once: write in a session of its own (`session_scope`, `run_transaction`)."""
    return Session(engine.execution_options(**{_READS_ONLY: True}))


@contextmanager
def unmapped_reads(connection: Connection) -> Iterator[None]:
    """Reads on `connection` that do not go through SQLite's memory map while the block runs.

    For one read of a large share of the file, such as a quarter's answer texts: through the map,
    every page read stays resident in the process (hundreds of megabytes over half a million
    answers); read() leaves them to the operating system's file cache. Nothing on PostgreSQL."""
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("PRAGMA mmap_size = 0")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")


def normalise_url(url: str) -> str:
    """`postgresql://` and `postgres://` (as hosting providers write them) mean psycopg 3 here."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Raises sqlalchemy.exc.ArgumentError for a URL that names no usable database.

    Every session then keeps the per-deal rollups in step with its writes (`storage.rollups`) and
    remembers whether it wrote (`storage.ledger_version`).
    """
    rollups.install()
    ledger_version.install()
    url = normalise_url(url)
    if is_sqlite(url):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        _tune_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kwargs)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work: committed when the block ends normally, rolled back otherwise."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def database_reachable(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def run_transaction(engine: Engine, work: Callable[[Session], T], *, attempts: int = 3) -> T:
    """Run `work` in its own transaction, again when a concurrent writer won a unique-key race.

    Two identical requests arriving together (a retry, a double click) both try to insert; the
    loser sees an IntegrityError and, on a second pass, finds the winner's row and changes nothing.
    """
    for attempt in range(attempts):
        try:
            with session_scope(engine) as session:
                return work(session)
        except IntegrityError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
