"""Issue "Insights": a quarter's insights over 100,000 deals and 500,000 answers, cold and cached.

    python -m bench.insights [--deals 100000]

Seeds a fresh database (SQLite, and PostgreSQL when ONESCORE_TEST_POSTGRES_URL is set) with a
quarter in which every deal closed, five answers each in English or Finnish — kinds of help made of
varied phrases, accounts and numbers, so few texts repeat — then, in a fresh process, times
`insights_for` with an empty cache (cold) and again (cached), and the peak memory above that
process's idle size: private memory (`bench.common.PeakMemory`, sampled in a second cold run), the
target's measure, beside all resident memory, which on SQLite also counts the database file's pages
read through its memory map.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from time import perf_counter

from sqlalchemy import insert

from bench.common import ROOT, PeakMemory, databases, report, reset_postgres
from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Answer, Deal, Member, Team

TEAMS = ("sales", "marketing", "product", "hr", "customer_success")
MEMBERS = 200
ANSWERS_PER_DEAL = 5
NOW = datetime(2027, 1, 1, tzinfo=UTC)
QUARTER = "2026-Q4"
PHRASES = {
    "en": [
        "the webinar on {topic} brought their {role} in",
        "our case study of a {industry} company convinced the {role}",
        "a tailored demo of the {topic} module",
        "pricing help: a custom price model for {account}",
        "the training session for their {role} on {topic}",
        "a reference call with another {industry} customer",
        "the trade fair stand where {account} first met us",
        "onboarding plan and support for the {topic} rollout",
    ],
    "fi": [
        "webinaarissa {account} näki miten {topic_fi} toimii",
        "asiakascase {industry_fi} alalta vakuutti päättäjät",
        "räätälöity demo {topic_fi} ominaisuuksista",
        "hinnoittelu tehtiin {account} volyymeille sopivaksi",
        "koulutus heidän tiimilleen {topic_fi} käytöstä",
        "referenssipuhelu toisen {industry_fi} asiakkaan kanssa",
        "messuilla {account} tutustui meihin ensimmäisen kerran",
        "käyttöönoton tuki {topic_fi} projektissa",
    ],
}
FILLERS = {
    "en": ["It made the difference.", "They mentioned it twice in the final meeting.", "", "Worth repeating.",
           "The {role} said so in the kickoff.", "Closed {n} days after that."],
    "fi": ["Se ratkaisi kaupan.", "He mainitsivat sen loppupalaverissa.", "", "Kannattaa toistaa.",
           "Kauppa syntyi {n} päivää myöhemmin.", "Päättäjät kiittivät siitä."],
}  # fmt: skip
WORDS = {
    "topic": ["security", "reporting", "analytics", "integration", "mobile", "billing", "compliance", "forecasting"],
    "topic_fi": ["raportointi", "tietoturva", "integraatio", "laskutus", "analytiikka", "ennustaminen"],
    "role": ["CTO", "CFO", "buyer", "board", "champion", "IT manager", "procurement team"],
    "industry": ["retail", "logistics", "banking", "manufacturing", "healthcare", "energy"],
    "industry_fi": ["vähittäiskaupan", "logistiikan", "pankki", "teollisuuden", "terveydenhuollon", "energia"],
}


def _text(rng: random.Random, language: str, n: int) -> str:
    values = {key: rng.choice(options) for key, options in WORDS.items()}
    values["account"] = f"Account {n % 5000}"
    values["n"] = str(n % 90 + 1)
    first = rng.choice(PHRASES[language]).format(**values)
    second = rng.choice(FILLERS[language]).format(**values)
    return f"{first[0].upper()}{first[1:]}. {second}".strip()


def seed(engine, deals: int) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(14)
    first_day = date(2026, 10, 1)
    with engine.begin() as connection:
        connection.execute(insert(Team), [{"id": i + 1, "name": n} for i, n in enumerate(TEAMS)])
        people = [
            {"id": i + 1, "team_id": i % 5 + 1, "name": f"Person {i}", "email": f"p{i}@example.com", "created_at": NOW}
            for i in range(MEMBERS)
        ]
        connection.execute(insert(Member), people)
        for start in range(1, deals + 1, 10_000):
            ids = range(start, min(start + 10_000, deals + 1))
            rows = []
            for i in ids:
                closed = first_day + timedelta(days=i % 92)
                rows.append(
                    {
                        "id": i, "external_id": f"crm:{i}", "name": f"Deal {i}", "amount_cents": 100_000 + i,
                        "currency": "USD" if i % 10 == 0 else "EUR", "stage": "won" if i % 5 < 3 else "lost",
                        "owner_id": i % 40 * 5 + 1, "created_at": closed - timedelta(days=30), "closed_at": closed,
                        "recorded_at": NOW, "updated_at": NOW,
                    }
                )  # fmt: skip
            connection.execute(insert(Deal), rows)
            answers = []
            for i in ids:
                for j in range(ANSWERS_PER_DEAL):
                    n = i * ANSWERS_PER_DEAL + j
                    answers.append(
                        {
                            "deal_id": i, "member_id": n % MEMBERS + 1, "helping_team_id": n % 5 + 1,
                            "impact": ("none", "some", "strong", "decisive")[n % 4],
                            "text": _text(rng, "fi" if n % 3 == 0 else "en", n), "quotable": n % 7 == 0,
                            "answered_at": NOW, "updated_at": NOW,
                        }
                    )  # fmt: skip
            connection.execute(insert(Answer), answers)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # what autovacuum leaves a live PostgreSQL database in: statistics, and a visibility map
        # that lets counts read an index alone
        connection.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")


def measure(url: str) -> dict[str, float]:
    """In a process of its own, so the peak memory is the computation's and not the seeding's."""
    began = perf_counter()
    from bot.insights.cache import insights_for
    from bot.insights.lexicon import warm_up
    from bot.organisation import parse_organisation
    from bot.periods import Period

    warm_up()  # what `onescore serve` does at start
    warm = perf_counter() - began

    org = parse_organisation({"teams": [{"name": n} for n in TEAMS], "fx_rates": {"USD": 0.92}}, "bench")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM insights_cache")
    idle = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    began = perf_counter()
    insights = insights_for(engine, org, Period.parse(QUARTER))
    cold = perf_counter() - began
    resident = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - idle
    cached = []
    for _ in range(5):
        began = perf_counter()
        insights_for(engine, org, Period.parse(QUARTER))
        cached.append(perf_counter() - began)
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM insights_cache")
    with PeakMemory() as private:  # a second cold run, so the sampling thread slows no timed one
        insights_for(engine, org, Period.parse(QUARTER))
    themes = [f"{t.team}: {theme.label} ({theme.answers})" for t in insights.teams for theme in t.themes[:2]]
    return {
        "warm_up": warm,
        "cold": cold,
        "cached": max(cached),
        "memory": private.above_idle,
        "resident": resident,
        "themes": themes,  # type: ignore[dict-item]
    }


def _load() -> str:
    """Figures on a shared machine mean little without its load: the 1-minute average over its cores."""
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        for label, url in databases(Path(tmp)):
            if label == "postgresql":
                reset_postgres(url)
            engine = make_engine(url)
            upgrade(engine)
            seed(engine, args.deals)
            engine.dispose()
            command = [sys.executable, "-m", "bench.insights", "--measure", url]
            figures = json.loads(subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout)
            what = f"{QUARTER} over {args.deals:,} deals, {args.deals * ANSWERS_PER_DEAL:,} answers on {label}"
            report(f"insights cold, {what}", f"{figures['cold']:.2f} s", "≤ 3 s", figures["cold"] <= 3)
            cached_ms = figures["cached"] * 1000
            report(f"insights cached, {what}", f"worst of 5: {cached_ms:.0f} ms", "≤ 50 ms", cached_ms <= 50)
            memory = figures["memory"]
            report(
                f"insights peak memory above idle, {label}",
                f"{memory:.0f} MB private (all resident memory, the database's mapped file pages included: "
                f"{figures['resident']:.0f} MB)",
                "≤ 300 MB",
                memory <= 300,
            )
            print(f"(once at start: imports and dictionaries {figures['warm_up']:.1f} s; {_load()})")
            print("sample themes:", "; ".join(figures["themes"]))


if __name__ == "__main__":
    main()
