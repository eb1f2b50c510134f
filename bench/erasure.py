"""Forgetting one person, and a night's retention run, over a large history.

    python -m bench.erasure [--deals 100000] [--jobs 200000]

Seeds the scoring benchmark's database (100,000 deals, 500,000 answers and asks over 50 members)
plus a queue history of finished jobs, then times `forget_person` for a member with 10,000
answers and asks, and the retention run that erases the text of every answer older than a year.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import timedelta
from pathlib import Path
from time import perf_counter

from sqlalchemy import insert, update

from bench.common import databases, report, reset_postgres
from bench.scoring import NOW, seed
from bot.clock import ManualClock
from bot.people.personal_data import forget_person
from bot.people.retention import Retention
from bot.runtime import Runtime
from bot.settings import Settings
from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Job, Member

FORGET_TARGET_S = 10.0
RETENTION_TARGET_S = 30.0


def seed_jobs(engine, jobs: int, deals: int) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as connection:
        connection.execute(
            update(Member).where(Member.id == 1).values(email="aino@example.com", name="Aino", slack_id="U0AINO")
        )
        for first in range(0, jobs, 10_000):
            rows = [
                {
                    "queue": "outbound",
                    "kind": "ask.update",
                    "payload": {"ask_id": n % (deals * 5) + 1},
                    "status": "done",
                    "attempts": 1,
                    "run_after": NOW,
                    "created_at": NOW,
                    "last_failure_ambiguous": False,
                }
                for n in range(first, min(first + 10_000, jobs))
            ]
            connection.execute(insert(Job), rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=200_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        for label, url in databases(Path(tmp)):
            if label == "postgresql":
                reset_postgres(url)
            engine = make_engine(url)
            upgrade(engine)
            seed(engine, args.deals)
            seed_jobs(engine, args.jobs, args.deals)
            began = perf_counter()
            result = forget_person(engine, "aino@example.com", actor="cli", now=NOW)
            forget_s = perf_counter() - began
            report(
                f"forget one member ({result.rows:,} rows) among {args.deals:,} deals, {args.jobs:,} jobs on {label}",
                f"{forget_s:.2f} s",
                f"≤ {FORGET_TARGET_S:.0f} s",
                forget_s <= FORGET_TARGET_S,
            )
            config = Path(tmp) / "onescore.yaml"
            config.write_text("retention: 12m\n", encoding="utf-8")
            settings = Settings(_env_file=None, DATABASE_URL=url, ONESCORE_CONFIG=str(config))
            runtime = Runtime.from_settings(settings, clock=ManualClock(NOW + timedelta(days=730)))
            began = perf_counter()
            erased = Retention(runtime).erase_expired_texts()
            retention_s = perf_counter() - began
            runtime.engine.dispose()
            engine.dispose()
            report(
                f"retention: the text of {erased:,} answers erased on {label}",
                f"{retention_s:.2f} s",
                f"≤ {RETENTION_TARGET_S:.0f} s",
                retention_s <= RETENTION_TARGET_S,
            )


if __name__ == "__main__":
    main()
