"""Issue "The outcome scorecard": one week's scorecard over 100,000 deals and 500,000 answers.

    python -m bench.scoring [--deals 100000]

Seeds a fresh database (SQLite, and PostgreSQL when ONESCORE_TEST_POSTGRES_URL is set) with two
years of deals, five answers and five asks per deal, then times `compute_scorecard` for one week.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from time import perf_counter

from sqlalchemy import insert
from sqlmodel import Session

from bench.common import databases, report, reset_postgres
from bot.organisation import parse_organisation
from bot.periods import Period
from bot.scoring.scorecard import compute_scorecard
from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Answer, Ask, Deal, Member, Team
from storage.rollups import refresh_all_deal_figures

TEAMS = ("sales", "marketing", "product", "hr", "customer_success")
ANSWERS_PER_DEAL = 5
NOW = datetime(2027, 1, 1, tzinfo=UTC)


def _deal(i: int, start: date) -> dict[str, object]:
    closed = start + timedelta(days=i % 730)
    return {
        "id": i,
        "external_id": f"crm:{i}",
        "name": f"Deal {i}",
        "amount_cents": 100_000 + i,
        "currency": "USD" if i % 10 == 0 else "EUR",
        "stage": ("won", "lost", "open")[i % 3],
        "owner_id": i % 10 + 1,
        "created_at": closed - timedelta(days=30 + i % 60),
        "closed_at": None if i % 3 == 2 else closed,
        "recorded_at": NOW,
        "updated_at": NOW,
    }


def seed(engine, deals: int) -> None:  # type: ignore[no-untyped-def]
    start = date(2025, 1, 1)
    with engine.begin() as connection:
        connection.execute(insert(Team), [{"id": i + 1, "name": n} for i, n in enumerate(TEAMS)])
        connection.execute(insert(Member), [{"id": i + 1, "team_id": i % 5 + 1, "created_at": NOW} for i in range(50)])
        for first in range(1, deals + 1, 10_000):
            ids = range(first, min(first + 10_000, deals + 1))
            connection.execute(insert(Deal), [_deal(i, start) for i in ids])
            answers, asks = [], []
            for i in ids:
                for j in range(ANSWERS_PER_DEAL):
                    n = i * ANSWERS_PER_DEAL + j
                    answers.append(
                        {
                            "deal_id": i,
                            "member_id": n % 50 + 1,
                            "helping_team_id": n % 5 + 1,
                            "impact": ("none", "some", "strong", "decisive")[n % 4],
                            "text": f"answer {n}",
                            "quotable": n % 7 == 0,
                            "answered_at": NOW + timedelta(seconds=n),
                            "updated_at": NOW,
                        }
                    )
                    asks.append(
                        {
                            "deal_id": i,
                            "member_id": n % 50 + 1,
                            "question": "q",
                            "status": "answered",
                            "sent_at": NOW,
                            "created_at": NOW,
                            "updated_at": NOW,
                        }
                    )
            connection.execute(insert(Answer), answers)
            connection.execute(insert(Ask), asks)
    with engine.begin() as connection:
        refresh_all_deal_figures(connection)  # the rows went in as bulk statements, past the session events
        connection.exec_driver_sql("ANALYZE")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=100_000)
    args = parser.parse_args(argv)
    org = parse_organisation({"teams": [{"name": n} for n in TEAMS]}, "bench")
    period = Period.parse("2026-W10")
    with tempfile.TemporaryDirectory() as tmp:
        for label, url in databases(Path(tmp)):
            if label == "postgresql":
                reset_postgres(url)
            engine = make_engine(url)
            upgrade(engine)
            seed(engine, args.deals)
            with Session(engine) as session:
                compute_scorecard(session, org, period)
                timings = []
                for _ in range(5):
                    began = perf_counter()
                    card = compute_scorecard(session, org, period)
                    timings.append(perf_counter() - began)
            engine.dispose()
            worst = max(timings)
            report(
                f"scorecard for one week ({card.deals_won} won) over {args.deals:,} deals, "
                f"{args.deals * ANSWERS_PER_DEAL:,} answers on {label}",
                f"worst of 5: {worst * 1000:.0f} ms",
                "≤ 500 ms",
                worst <= 0.5,
            )


if __name__ == "__main__":
    main()
