"""A large, varied organisation for timing anything that reads the ledger: 100,000 deals, 500,000 answers.

Building it takes minutes, so it is built once and kept: on SQLite as a file under
`$TMPDIR/onescore-bench/`, on PostgreSQL as the database's schema `public`, marked with a comment
(`COMMENT ON SCHEMA public`). Either is rebuilt when the size, this module's `DATASET_VERSION` or
the migrations differ from what it was built with, so a stale copy is never measured.

The data is drawn from a seeded generator, so every build is the same, and it is meant to make the
scorecard do all of its work: two years of deals closing every day, three foreign currencies (one
without a rate, so some won deals are not counted), deals without an amount or a start date,
owners without a team, a team too small to be shown apart (which makes the privacy rule hide a
second one as cover), asks in every status, and quotable answers in Finnish with emoji. The rows
are inserted in bulk, so the per-deal rollups are computed once at the end, as a backfill would.
"""

from __future__ import annotations

import hashlib
import random
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import insert, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bench.common import reset_postgres
from bot.organisation import Organisation, parse_organisation
from storage.db import is_sqlite, make_engine
from storage.migrate import MIGRATIONS_DIR, alembic_config, upgrade
from storage.models import Answer, Ask, Deal, Member, Team
from storage.rollups import refresh_all_deal_figures

DATASET_VERSION = 3
DEFAULT_DEALS = 100_000
ANSWERS_PER_DEAL = 5
"""Answers (and asks) on every deal, open ones too, as `bench.scoring` has them, so figures compare."""
FIRST_DAY = date(2025, 1, 1)
DAYS = 730
BUILT_AT = datetime(2027, 1, 1, tzinfo=UTC)
SEED = 20261202
CACHE_DIR = Path(tempfile.gettempdir()) / "onescore-bench"
_CHUNK = 5_000

TEAM_SIZES = {"sales": 20, "marketing": 15, "product": 12, "customer_success": 9, "hr": 2}
"""hr (2 people) is below the default min_group_size of 3, so customer_success covers for it."""
MEMBERS_WITHOUT_TEAM = 3
CURRENCIES = (("EUR", 85), ("USD", 10), ("SEK", 4), ("JPY", 1))
"""JPY has no rate in `ORGANISATION`: its won deals are listed as not counted."""
STAGES = (("won", 35), ("lost", 30), ("open", 35))
IMPACTS = (("none", 20), ("some", 35), ("strong", 30), ("decisive", 15))
_NEXT_IMPACT = {"none": "some", "some": "strong", "strong": "decisive", "decisive": "none"}
ASK_STATUSES = (("answered", 70), ("expired", 15), ("declined", 5), ("pending", 10))

ORGANISATION = parse_organisation(
    {
        "timezone": "Europe/Helsinki",
        "currency": "EUR",
        "fx_rates": {"USD": "0.9213", "SEK": "0.0871"},
        "teams": [{"name": name} for name in TEAM_SIZES],
    },
    "bench.big_dataset",
)


@dataclass(frozen=True)
class BigDataset:
    url: str
    engine: Engine
    organisation: Organisation
    deals: int

    def dispose(self) -> None:
        self.engine.dispose()

    def touch(self, day: date) -> None:
        """An answer about a deal won on `day` gets another impact, written as the app writes an edited
        answer (the ORM: the deal's rollups refreshed and its month's counter moved in one
        transaction), so figures of the periods holding `day` are computed again on their next read."""
        with Session(self.engine) as session:
            answer = session.exec(
                select(Answer)
                .join(Deal, col(Deal.id) == col(Answer.deal_id))
                .where(col(Deal.closed_at) == day, col(Deal.stage) == "won")
                .order_by(col(Answer.id))
                .limit(1)
            ).one()
            answer.impact = _NEXT_IMPACT[answer.impact]
            session.commit()

    def touch_members(self) -> None:
        """What a directory sync that renames someone does: the members' counter moves, and with it
        every period's shares (a member's team decides the shares of the deals they own)."""
        with self.engine.begin() as connection:
            connection.execute(text("UPDATE members SET name = name WHERE id = 1"))


def open_dataset(postgres_url: str | None = None, *, deals: int = DEFAULT_DEALS) -> BigDataset:
    """The dataset on SQLite, or on PostgreSQL at `postgres_url` (whose schema `public` it owns), built if need be."""
    url = postgres_url or f"sqlite:///{_sqlite_path(deals)}"
    marker = f"onescore big_dataset v{DATASET_VERSION} deals={deals} head={_schema_fingerprint()}"
    if is_sqlite(url):
        path = _sqlite_path(deals)
        if not path.exists():
            _build_sqlite(path, deals)
    elif _postgres_marker(url) != marker:
        _build_postgres(url, deals, marker)
    return BigDataset(url=url, engine=make_engine(url), organisation=ORGANISATION, deals=deals)


def _schema_fingerprint() -> str:
    """The migrations' head and a digest of their text: an index changed in place rebuilds too."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or "none"
    digest = hashlib.sha256()
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    return f"{head}-{digest.hexdigest()[:12]}"


def _sqlite_path(deals: int) -> Path:
    return CACHE_DIR / f"big-v{DATASET_VERSION}-{deals}-{_schema_fingerprint()}.db"


def _build_sqlite(path: Path, deals: int) -> None:
    """Built beside its final name and renamed when complete, so an interrupted build is never used."""
    path.parent.mkdir(parents=True, exist_ok=True)
    building = path.with_suffix(".building")
    for leftover in path.parent.glob(building.name + "*"):
        leftover.unlink()
    engine = make_engine(f"sqlite:///{building}")
    upgrade(engine)
    _fill(engine, deals)
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    building.rename(path)


def _postgres_marker(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            marker = connection.execute(text("SELECT obj_description('public'::regnamespace, 'pg_namespace')"))
            return marker.scalar_one_or_none()
    finally:
        engine.dispose()


def _build_postgres(url: str, deals: int, marker: str) -> None:
    reset_postgres(url)
    engine = make_engine(url)
    upgrade(engine)
    _fill(engine, deals)
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    with engine.begin() as connection:
        connection.exec_driver_sql(f"COMMENT ON SCHEMA public IS '{marker}'")
    engine.dispose()


def _pick(draw: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return draw.choices([value for value, _ in weighted], [weight for _, weight in weighted])[0]


def _fill(engine: Engine, deals: int) -> None:
    draw = random.Random(SEED)
    with engine.begin() as connection:
        connection.execute(insert(Team), [{"id": i + 1, "name": name} for i, name in enumerate(TEAM_SIZES)])
        connection.execute(insert(Member), list(_members()))
    member_count = sum(TEAM_SIZES.values()) + MEMBERS_WITHOUT_TEAM
    deal_rows = [_deal(draw, i, member_count) for i in range(1, deals + 1)]
    for first in range(0, deals, _CHUNK):
        with engine.begin() as connection:
            connection.execute(insert(Deal), deal_rows[first : first + _CHUNK])
    answers: list[dict[str, Any]] = []
    asks: list[dict[str, Any]] = []
    for deal in deal_rows:
        for _ in range(ANSWERS_PER_DEAL):
            answers.append(_answer(draw, deal, member_count))
            asks.append(_ask(draw, deal, member_count))
            if len(answers) >= _CHUNK:
                _flush(engine, answers, asks)
    _flush(engine, answers, asks)
    with engine.begin() as connection:
        refresh_all_deal_figures(connection)


def _flush(engine: Engine, answers: list[dict[str, Any]], asks: list[dict[str, Any]]) -> None:
    if answers:
        with engine.begin() as connection:
            connection.execute(insert(Answer), answers)
            connection.execute(insert(Ask), asks)
    answers.clear()
    asks.clear()


def _members() -> Iterator[dict[str, Any]]:
    member_id = 0
    for team_id, size in enumerate(TEAM_SIZES.values(), start=1):
        for _ in range(size):
            member_id += 1
            yield {"id": member_id, "team_id": team_id, "email": f"m{member_id}@example.com", "created_at": BUILT_AT}
    for _ in range(MEMBERS_WITHOUT_TEAM):
        member_id += 1
        yield {"id": member_id, "team_id": None, "email": f"m{member_id}@example.com", "created_at": BUILT_AT}


def _deal(draw: random.Random, deal_id: int, member_count: int) -> dict[str, Any]:
    stage = _pick(draw, STAGES)
    closed = FIRST_DAY + timedelta(days=draw.randrange(DAYS))
    amount = None if draw.random() < 0.01 else draw.randrange(50_000, 50_000_000)
    created = None if draw.random() < 0.02 else closed - timedelta(days=draw.randrange(0, 180))
    return {
        "id": deal_id,
        "external_id": f"crm:{deal_id}",
        "name": f"Kauppa {deal_id} – Pää Oy ✨",
        "amount_cents": amount,
        "currency": _pick(draw, CURRENCIES),
        "stage": stage,
        "owner_id": None if draw.random() < 0.02 else draw.randrange(1, member_count + 1),
        "created_at": created,
        "closed_at": None if stage == "open" else closed,
        "recorded_at": BUILT_AT,
        "updated_at": BUILT_AT,
    }


def _answer(draw: random.Random, deal: dict[str, Any], member_count: int) -> dict[str, Any]:
    return {
        "deal_id": deal["id"],
        "member_id": draw.randrange(1, member_count + 1),
        "helping_team_id": draw.randrange(1, len(TEAM_SIZES) + 1),
        "impact": _pick(draw, IMPACTS),
        "text": f"Autoimme demossa {draw.randrange(1000)} 🙌",
        "quotable": draw.random() < 0.15,
        "answered_at": BUILT_AT - timedelta(seconds=draw.randrange(60 * 60 * 24 * DAYS)),
        "updated_at": BUILT_AT,
    }


def _ask(draw: random.Random, deal: dict[str, Any], member_count: int) -> dict[str, Any]:
    status = _pick(draw, ASK_STATUSES)
    never_sent = status == "pending" and draw.random() < 0.5
    return {
        "deal_id": deal["id"],
        "member_id": draw.randrange(1, member_count + 1),
        "question": "Miten tiimisi auttoi?",
        "status": status,
        "sent_at": None if never_sent else BUILT_AT,
        "created_at": BUILT_AT,
        "updated_at": BUILT_AT,
    }
