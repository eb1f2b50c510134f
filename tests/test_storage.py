"""The schema itself: migrations from an empty database, and the SQLite tuning."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from storage.db import make_engine
from storage.migrate import downgrade, upgrade

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
