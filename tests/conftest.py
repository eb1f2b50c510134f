"""Shared fixtures: a migrated, empty database per test, on SQLite and (when configured) PostgreSQL.

Set ONESCORE_TEST_POSTGRES_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) to run
every database test on PostgreSQL as well; without it those variants are skipped.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from bot.app import create_app
from bot.clock import ManualClock
from bot.runtime import Runtime
from bot.settings import Settings
from storage.db import make_engine
from storage.migrate import upgrade

POSTGRES_URL = os.environ.get("ONESCORE_TEST_POSTGRES_URL")

# CI replays the same examples every run, so a red build is the change's, never the dice's; on a
# developer's machine the property tests explore new examples each run and keep what failed.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile("explore", print_blob=True)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "explore"))


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once, copy per test: a clean schema for every test without paying for Alembic each time."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def _postgres_url() -> Iterator[str]:
    """A schema of this test session's own, so parallel runs on one server never meet."""
    if not POSTGRES_URL:
        pytest.skip("ONESCORE_TEST_POSTGRES_URL is not set")
    schema = f"onescore_test_{os.getpid()}"
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    yield url
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(scope="session")
def _postgres_engine(_postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(_postgres_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _truncate_all(engine: Engine) -> None:
    import storage.models  # noqa: F401

    names = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a migrated, empty database; each test gets its own clean one."""
    if request.param == "sqlite":
        path = tmp_path / "onescore.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    engine: Engine = request.getfixturevalue("_postgres_engine")
    _truncate_all(engine)
    return request.getfixturevalue("_postgres_url")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


API_TOKEN = "test-api-token"
START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def org_yaml() -> str:
    """The organisation file for a test; override in a module to change it."""
    return ORG_YAML


ORG_YAML = """
timezone: Europe/Helsinki
language: en
currency: EUR
fx_rates: {USD: 0.92}
teams:
  - {name: sales}
  - {name: marketing}
  - {name: product}
  - {name: hr, label: "HR & training"}
members:
  - {email: aino@example.com, name: Aino, team: sales, role: lead, slack_id: U0AINO}
  - {email: mikko@example.com, name: Mikko, team: marketing, language: fi, slack_id: U0MIKKO}
  - {email: olli@example.com, name: Olli, team: product, role: observer}
  - {email: sanna@example.com, name: Sanna, team: hr}
"""


@pytest.fixture
def settings(tmp_path: Path, database_url: str, org_yaml: str) -> Settings:
    config = tmp_path / "onescore.yaml"
    config.write_text(org_yaml, encoding="utf-8")
    return Settings(
        _env_file=None,
        DATABASE_URL=database_url,
        ONESCORE_CONFIG=str(config),
        ONESCORE_API_TOKEN=API_TOKEN,
    )


@pytest.fixture
def runtime(settings: Settings, clock: ManualClock) -> Iterator[Runtime]:
    runtime = Runtime.from_settings(settings, clock=clock)
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    """The whole app over HTTP (ASGI), lifespan included, authorised for the REST API.

    The ask loop's tick and outbound worker do not run on their own here (a test drives them with
    `app.state.ask_loop.pump()`), so nothing happens behind a test's back."""
    with TestClient(create_app(runtime, background=False), headers={"Authorization": f"Bearer {API_TOKEN}"}) as client:
        yield client
