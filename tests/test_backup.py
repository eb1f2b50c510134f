"""`onescore backup FILE`: a consistent SQLite copy (the WAL's pages included) made while the database is in use."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.cli import main
from storage.db import make_engine
from storage.migrate import upgrade


def test_the_copy_holds_what_is_still_only_in_the_wal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    live = tmp_path / "onescore.db"
    engine = make_engine(f"sqlite:///{live}")
    upgrade(engine)
    reader = sqlite3.connect(live)  # while a connection is open, closing the others leaves the WAL in place
    try:
        with engine.begin() as writer:
            for index in range(50):
                writer.execute(
                    text("INSERT INTO teams (name, usual_helper) VALUES (:n, false)"), {"n": f"tiimi-ä-{index}"}
                )
        wal = live.with_name("onescore.db-wal")
        assert wal.exists() and wal.stat().st_size > 0
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{live}")
        copy = tmp_path / "backup.db"
        assert main(["backup", str(copy)]) == 0
    finally:
        reader.close()
        engine.dispose()
    assert "Backed up the database to" in capsys.readouterr().out

    assert not copy.with_name("backup.db-wal").exists()
    with sqlite3.connect(copy) as connection:
        names = [row[0] for row in connection.execute("SELECT name FROM teams ORDER BY id")]
        (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
    assert names == [f"tiimi-ä-{index}" for index in range(50)]
    assert mode == "delete"


def test_an_existing_file_is_never_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'onescore.db'}")
    earlier = tmp_path / "earlier.db"
    earlier.write_bytes(b"an earlier backup")
    assert main(["backup", str(earlier)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert earlier.read_bytes() == b"an earlier backup"


def test_postgresql_is_pointed_to_pg_dump(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://onescore@127.0.0.1:1/onescore")
    assert main(["backup", str(tmp_path / "copy.db")]) == 2
    err = capsys.readouterr().err
    assert "pg_dump" in err and "postgresql" in err
    assert not (tmp_path / "copy.db").exists()
