"""A consistent copy of a SQLite database while the service keeps running.

Copying the file with `cp` can catch it half-written, and misses whatever still sits in the WAL
file beside it. SQLite's online backup API copies the database as one reader sees it in one
transaction — the WAL's committed pages included — page by page, letting writers go on between
steps. The copy is then switched out of WAL mode, so it is one self-contained file.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

PAGES_PER_STEP = 1024
"""Pages copied per step; between steps the service's writers get their turn."""


class BackupError(Exception):
    """The backup cannot be made; the message says why and what to do instead."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int


def backup_sqlite(engine: Engine, target: Path) -> BackupResult:
    if engine.dialect.name != "sqlite":
        raise BackupError(
            f"onescore backup copies SQLite databases; this one is {engine.dialect.name}. "
            "Use PostgreSQL's own tool: pg_dump --format=custom --file=FILE DATABASE (restore with pg_restore)."
        )
    if target.exists():
        raise BackupError(f"{target} already exists: choose a new file, so no earlier backup is overwritten")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a directory")
    source = engine.raw_connection()
    try:
        driver = source.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        copy = sqlite3.connect(target)
        try:
            driver.backup(copy, pages=PAGES_PER_STEP)
            copy.execute("PRAGMA journal_mode=DELETE")
            (check,) = copy.execute("PRAGMA integrity_check").fetchone()
        finally:
            copy.close()
    finally:
        source.close()
    if check != "ok":
        target.unlink(missing_ok=True)
        raise BackupError(f"the copy failed SQLite's integrity check ({check}); the database was left as it was")
    return BackupResult(target, target.stat().st_size)
