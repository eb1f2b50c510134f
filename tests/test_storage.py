"""The schema itself: migrations from an empty database, and the SQLite tuning."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import inspect, text
from sqlmodel import select

from storage.db import make_engine, read_session, session_scope
from storage.migrate import downgrade, upgrade
from storage.models import Team

EXPECTED_TABLES = {
    "teams",
    "members",
    "deals",
    "deal_participants",
    "deal_closes",
    "asks",
    "answers",
    "score_posts",
    "processed_events",
    "conversation_refs",
    "jobs",
    "leases",
}


def test_migrations_build_the_schema_from_an_empty_sqlite_file_and_tear_it_down(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= EXPECTED_TABLES
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= EXPECTED_TABLES


def test_schema_matches_the_models(engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import storage.models  # noqa: F401

    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_a_long_read_on_sqlite_holds_up_no_writer(tmp_path: Path) -> None:
    """Finding a quarter's insights reads for seconds; an answer recorded meanwhile must not wait for it.
    The read keeps its own snapshot, so it does not see the write either."""
    engine = make_engine(f"sqlite:///{tmp_path / 'reads.db'}")
    upgrade(engine)
    written = threading.Event()

    def write() -> None:
        with session_scope(engine) as session:
            session.add(Team(name="marketing"))
        written.set()

    with read_session(engine) as reading:
        assert reading.exec(select(Team)).all() == []
        writer = threading.Thread(target=write)
        writer.start()
        assert written.wait(10), "the writer waited for the read to end"
        assert reading.exec(select(Team)).all() == []
    writer.join()
    with read_session(engine) as reading:
        assert [team.name for team in reading.exec(select(Team))] == ["marketing"]
