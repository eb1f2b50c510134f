"""The scorecard of a week, a month and a quarter over 100,000 deals and 500,000 answers.

    python -m bench.dashboard [--runs 30] [--postgres postgresql+psycopg://…/bench] [--only scorecard|pages]

Times `compute_scorecard` — the function `/api/scores`, `/api/scores.csv`, the chat cards and the
dashboard all go through — in a fresh session per run, as a request has it, and beside it one
hand-written SQL aggregate over the same deals (answers and won amounts per helping team), the
least any scorecard must read, and the same aggregate over the per-deal rollups the scorecard
reads (`deal_figures`, `deal_team_credit`). Prints the median and p95 of each and the ratio. The database is
`bench.big_dataset`'s, built on first use and kept; with `--postgres` that URL's schema `public` is
replaced by it, so give a database of its own.

Then every dashboard page's server time over the same database (`bench.dashboard_pages`), each
against the pages' target of 100 ms.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from time import perf_counter, process_time

from sqlalchemy import text
from sqlmodel import Session

from bench.big_dataset import DEFAULT_DEALS, BigDataset, open_dataset
from bench.common import percentile, report
from bench.dashboard_pages import measure_pages
from bot.periods import Period
from bot.scoring.scorecard import compute_scorecard

PERIODS = ("2026-W23", "2026-06", "2026-Q2")
"""Late enough in the data's two years that each trend looks back over four full periods."""
TARGET_MS = 50.0

HAND_WRITTEN = text(
    """
    SELECT a.helping_team_id, count(*), sum(CASE WHEN d.stage = 'won' THEN d.amount_cents END)
    FROM deals d JOIN answers a ON a.deal_id = d.id
    WHERE d.stage IN ('won', 'lost') AND d.closed_at BETWEEN :first AND :last
    GROUP BY a.helping_team_id
    """
)

ROLLUP_HAND_WRITTEN = text(
    """
    SELECT c.team_id, sum(c.answers), sum(CASE WHEN f.stage = 'won' THEN f.amount_cents END)
    FROM deal_figures f JOIN deal_team_credit c ON c.deal_id = f.deal_id
    WHERE f.stage IN ('won', 'lost') AND f.closed_at BETWEEN :first AND :last
    GROUP BY c.team_id
    """
)
"""The same aggregate over the per-deal rollups the scorecard reads: the floor it could reach."""


@dataclass
class Timings:
    """Milliseconds per run: wall clock, and this process's CPU time (which on SQLite includes the
    database's own work, and which other processes' load on the machine hardly changes)."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"median {statistics.median(self.wall):.1f} ms, p95 {percentile(self.wall, 95):.1f} ms "
            f"(CPU median {statistics.median(self.cpu):.1f} ms)"
        )


def _timings(
    work: Callable[[Session], object], dataset: BigDataset, runs: int, *, write: Callable[[], None] | None = None
) -> Timings:
    """`work` in a session of its own each time, after one run to warm the caches; `write` runs
    before each run, untimed (see `BigDataset.touch` and `touch_members` for what it leaves cached)."""
    timings = Timings()
    for run in range(runs + 1):
        if write is not None:
            write()
        with Session(dataset.engine) as session:
            began, began_cpu = perf_counter(), process_time()
            work(session)
            wall, cpu = perf_counter() - began, process_time() - began_cpu
        if run:
            timings.wall.append(wall * 1000)
            timings.cpu.append(cpu * 1000)
    return timings


def measure(dataset: BigDataset, label: str, runs: int) -> None:
    period = Period.parse(label)
    with Session(dataset.engine) as session:
        card = compute_scorecard(session, dataset.organisation, period)

    def scorecard_of(session: Session) -> object:
        return compute_scorecard(session, dataset.organisation, period)

    scorecard = _timings(scorecard_of, dataset, runs, write=partial(dataset.touch, period.last))
    everything = _timings(scorecard_of, dataset, runs, write=dataset.touch_members)
    unchanged = _timings(scorecard_of, dataset, runs)
    bounds = {"first": period.first, "last": period.last}
    aggregate = _timings(lambda session: session.connection().execute(HAND_WRITTEN, bounds).all(), dataset, runs)
    rollup = _timings(lambda session: session.connection().execute(ROLLUP_HAND_WRITTEN, bounds).all(), dataset, runs)
    ratio = statistics.median(scorecard.wall) / statistics.median(aggregate.wall)
    report(
        f"{dataset.engine.dialect.name} scorecard {label} ({card.deals_won + card.deals_lost:,} closed deals)",
        f"after a write in the period {scorecard.summary()}; "
        f"one SQL aggregate {aggregate.summary()}; ratio {ratio:.1f}×; "
        f"the same over the rollups {rollup.summary()}; unchanged since the last read {unchanged.summary()}; "
        f"after a member's change (every period's shares computed again) {everything.summary()}",
        f"p95 ≤ {TARGET_MS:.0f} ms",
        percentile(scorecard.wall, 95) <= TARGET_MS,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--deals", type=int, default=DEFAULT_DEALS)
    parser.add_argument("--postgres", metavar="URL", help="measure PostgreSQL at URL (its schema public is replaced)")
    parser.add_argument("--only", choices=("scorecard", "pages"), help="measure only the scorecard or only the pages")
    args = parser.parse_args(argv)
    dataset = open_dataset(args.postgres, deals=args.deals)
    try:
        if args.only != "pages":
            for label in PERIODS:
                measure(dataset, label, args.runs)
        if args.only != "scorecard":
            measure_pages(dataset, args.runs)
    finally:
        dataset.dispose()


if __name__ == "__main__":
    main()
