"""The schema itself: migrations from an empty database, and the SQLite tuning."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import select

from storage.db import make_engine, read_session, session_scope
from storage.migrate import downgrade, upgrade
from storage.models import Deal, Team

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


def test_writers_touching_months_in_opposite_orders_never_deadlock_on_the_change_counters(engine: Engine) -> None:
    """Each transaction changes a May deal and a June deal of its own, one May first, the other June
    first: the only rows they share are the months' counters, raised as they commit."""
    with session_scope(engine) as session:
        for number, closed in enumerate(("2026-05-10", "2026-06-10", "2026-05-11", "2026-06-11"), start=1):
            session.add(
                Deal(id=number, external_id=f"crm:{number}", name=f"Kauppa {number}", currency="EUR",
                     stage="won", closed_at=date.fromisoformat(closed))
            )  # fmt: skip
    errors: list[Exception] = []

    def write(order: tuple[int, int]) -> None:
        for round_number in range(200):
            try:
                with engine.begin() as connection:
                    for deal_id in order:
                        connection.execute(
                            text("UPDATE deals SET amount_cents = :cents WHERE id = :id"),
                            {"cents": round_number, "id": deal_id},
                        )
            except Exception as error:  # every failure is the finding
                errors.append(error)

    writers = [threading.Thread(target=write, args=(order,)) for order in ((1, 2), (4, 3))]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert errors == []
