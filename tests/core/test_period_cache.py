"""Each period's figures are kept between requests, and no change to what they are computed from
leaves a stale figure behind: every read is held against the same figures computed afresh."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, event, text
from sqlmodel import Session, col, select

from bot.dashboard.team import team_history
from bot.ledger.deals import record_answer
from bot.ledger.schemas import AnswerInput
from bot.periods import Period
from bot.runtime import Runtime
from bot.scoring.aggregates import attributions, closed_totals
from bot.scoring.period_cache import PeriodFigures
from bot.scoring.scorecard import compute_scorecard, team_names
from storage.db import run_transaction
from storage.models import Answer, Deal, Member, Team
from storage.rollups import refresh_deal_figures
from tests.core.conftest import write_deal
from tests.web.support import ORG

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
QUARTER = Period.parse("2026-Q4")
MONTHS = [*Period.parse("2026-11").preceding(11), Period.parse("2026-11")]


@pytest.fixture
def org_yaml() -> str:
    return ORG


@pytest.fixture
def seeded(synced: Runtime) -> Runtime:
    write_deal(synced, "crm:1", amount=1000, closed_at="2026-11-10")
    write_deal(synced, "crm:2", amount=333.33, closed_at="2026-10-05")
    write_deal(synced, "crm:3", amount=500, currency="USD", closed_at="2026-11-20")
    answer(synced, "crm:1", "mikko@example.com", "marketing", "strong")
    answer(synced, "crm:2", "olli@example.com", "product", "some")
    return synced


def answer(runtime: Runtime, deal: str, member: str, team: str, impact: str) -> None:
    data = AnswerInput(member=member, helping_team=team, impact=impact, text="Webinaari auttoi 🎉")
    run_transaction(runtime.engine, lambda session: record_answer(session, deal, data, source="api", now=NOW))


def figures(runtime: Runtime) -> tuple[Any, Any]:
    """What the cache serves, and the same figures computed without it: they must always be equal."""
    with Session(runtime.engine) as session:
        names = team_names(session)
        cache = PeriodFigures(session, runtime.org, names)
        cached = (cache.totals(MONTHS), cache.attributions(MONTHS))
        fresh = (closed_totals(session, runtime.org, MONTHS), attributions(session, runtime.org, MONTHS, names))
    return cached, fresh


def assert_fresh(runtime: Runtime) -> None:
    cached, fresh = figures(runtime)
    assert cached == fresh


@contextmanager
def ledger_reads(runtime: Runtime) -> Iterator[list[str]]:
    """The statements that read deals or their rollups, beyond the version's probe, while the block runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        probe = "ledger_changes" in statement
        if not probe and any(table in statement for table in ("deal_figures", "deal_team_credit", "FROM deals")):
            seen.append(statement)

    event.listen(runtime.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(runtime.engine, "before_cursor_execute", record)


def test_a_second_read_of_unchanged_figures_reads_no_deal(seeded: Runtime) -> None:
    """The team page reads only cached figures the second time; the scorecard still reads its
    asks and highlights, but not its totals and shares again."""
    with Session(seeded.engine) as session:
        first = compute_scorecard(session, seeded.org, QUARTER)
        history = team_history(session, seeded.org, "marketing", Period.parse("2026-11"))
    with ledger_reads(seeded) as reads, Session(seeded.engine) as session:
        assert team_history(session, seeded.org, "marketing", Period.parse("2026-11")) == history
    assert reads == []
    with ledger_reads(seeded) as reads, Session(seeded.engine) as session:
        assert compute_scorecard(session, seeded.org, QUARTER) == first
    cached_parts = ("deal_figures.credit_pattern", "sum(deal_team_credit.answers)", "GROUP BY deals.stage")
    assert reads and not [statement for statement in reads if any(part in statement for part in cached_parts)]
    with ledger_reads(seeded) as reads, Session(seeded.engine) as session:
        team_history(session, seeded.org, "marketing", Period.parse("2026-12"))
    assert reads, "a period not seen before is computed"


def test_a_write_recomputes_only_the_periods_it_is_about(seeded: Runtime) -> None:
    """An answer about November's deal moves November (and its quarter) alone: October's figures,
    the year's earlier months and the quarter before are served as they were."""
    figures(seeded)
    with Session(seeded.engine) as session:
        compute_scorecard(session, seeded.org, QUARTER)
        compute_scorecard(session, seeded.org, Period.parse("2026-Q3"))
    answer(seeded, "crm:1", "olli@example.com", "product", "decisive")
    october, november = Period.parse("2026-10"), Period.parse("2026-11")
    with ledger_reads(seeded) as reads, Session(seeded.engine) as session:
        cache = PeriodFigures(session, seeded.org, team_names(session))
        cache.totals([*october.preceding(9), october])
        cache.attributions([Period.parse("2026-Q3")])
    assert reads == []
    with ledger_reads(seeded) as reads, Session(seeded.engine) as session:
        cache = PeriodFigures(session, seeded.org, team_names(session))
        cache.totals([november])
        cache.attributions([QUARTER])
    assert len(reads) >= 2, "the month and the quarter the answer is about are computed again"
    assert_fresh(seeded)


def test_raw_sql_moving_a_deal_between_months_is_seen_in_both(seeded: Runtime) -> None:
    """Nothing refreshes the rollups here: the deals' own trigger must move the month the deal
    leaves and the one it joins, since the totals read the deals themselves."""
    figures(seeded)
    with seeded.engine.begin() as connection:
        connection.execute(text("UPDATE deals SET closed_at = '2026-11-02' WHERE external_id = 'crm:2'"))
    with Session(seeded.engine) as session:
        totals = PeriodFigures(session, seeded.org, team_names(session)).totals(MONTHS)
        assert totals == closed_totals(session, seeded.org, MONTHS)
    assert totals[-2].closed == 0 and totals[-1].closed == 3


def test_a_new_answer_is_seen_at_once(seeded: Runtime) -> None:
    before, _ = figures(seeded)
    answer(seeded, "crm:1", "olli@example.com", "product", "decisive")
    after, fresh = figures(seeded)
    assert after == fresh and after != before


def test_a_changed_amount_and_a_deleted_deal_are_seen(seeded: Runtime) -> None:
    figures(seeded)
    write_deal(seeded, "crm:1", amount=1001, closed_at="2026-11-10")
    assert_fresh(seeded)
    with seeded.engine.begin() as connection:
        connection.execute(text("DELETE FROM asks WHERE deal_id = (SELECT id FROM deals WHERE external_id = 'crm:2')"))
        connection.execute(
            text("DELETE FROM answers WHERE deal_id = (SELECT id FROM deals WHERE external_id = 'crm:2')")
        )
        [[deal_id]] = connection.execute(text("SELECT id FROM deals WHERE external_id = 'crm:2'")).all()
        connection.execute(text("DELETE FROM deals WHERE id = :id"), {"id": deal_id})
        refresh_deal_figures(connection, [deal_id])
    assert_fresh(seeded)


def test_raw_sql_on_an_answer_is_seen(seeded: Runtime) -> None:
    figures(seeded)
    with seeded.engine.begin() as connection:
        connection.execute(text("UPDATE answers SET impact = 'none'"))
        deal_ids = [row[0] for row in connection.execute(text("SELECT id FROM deals"))]
        refresh_deal_figures(connection, deal_ids)
    assert_fresh(seeded)


def test_a_member_moving_team_moves_the_deals_they_own(seeded: Runtime) -> None:
    """Aino owns the deals; her team is read through her member row, so her move alone changes
    which team the owner's share goes to."""
    before, _ = figures(seeded)
    with Session(seeded.engine) as session:
        aino = session.exec(select(Member).where(Member.email == "aino@example.com")).one()
        product = session.exec(select(Team).where(Team.name == "product")).one()
        aino.team_id = product.id
        session.add(aino)
        session.commit()
    after, fresh = figures(seeded)
    assert after == fresh and after != before


def test_a_member_moving_team_leaves_the_totals_cached(seeded: Runtime) -> None:
    """Deals won and their money do not depend on who is in which team: only the shares are computed again."""
    figures(seeded)
    with Session(seeded.engine) as session:
        aino = session.exec(select(Member).where(Member.email == "aino@example.com")).one()
        aino.team_id = session.exec(select(Team.id).where(Team.name == "product")).one()
        session.add(aino)
        session.commit()
    with ledger_reads(seeded) as reads, Session(seeded.engine) as session:
        cache = PeriodFigures(session, seeded.org, team_names(session))
        cache.totals(MONTHS)
    assert reads == []
    with ledger_reads(seeded) as reads, Session(seeded.engine) as session:
        PeriodFigures(session, seeded.org, team_names(session)).attributions(MONTHS)
    assert reads
    assert_fresh(seeded)


def test_moves_that_a_checksum_would_miss_are_seen(seeded: Runtime) -> None:
    """Aino (the owner) goes to hr and Olli to marketing, chosen so that the sum of member id × team
    id stays the same: only the trigger on members can tell."""
    figures(seeded)
    with Session(seeded.engine) as session:
        teams = {team.name: team.id for team in session.exec(select(Team)).all()}
        members = {m.email: m for m in session.exec(select(Member).order_by(col(Member.id))).all()}
        moves = {"aino@example.com": teams["hr"], "olli@example.com": teams["marketing"]}
        checksum = sum((m.team_id or 0) * (m.id or 0) for m in members.values())
        for email, team_id in moves.items():
            members[email].team_id = team_id
        assert sum((m.team_id or 0) * (m.id or 0) for m in members.values()) == checksum, "the moves cancel out"
        session.add_all(members.values())
        session.commit()
    after, fresh = figures(seeded)
    assert after == fresh


def test_other_rates_or_another_model_are_other_figures(seeded: Runtime) -> None:
    figures(seeded)
    seeded.org = seeded.org.model_copy(update={"fx_rates": {"USD": Decimal("0.5")}})
    assert_fresh(seeded)
    seeded.org = seeded.org.model_copy(update={"attribution": "equal"})
    assert_fresh(seeded)


def test_a_session_that_wrote_is_neither_served_nor_kept(seeded: Runtime) -> None:
    """Inside a transaction that deleted an answer, the figures hold the deletion (on PostgreSQL the
    counter moves only at commit, so the version would still say "unchanged"). It rolls back; then
    a committed change of another answer brings the version to where the rolled-back one had been
    on SQLite: what the rolled-back transaction computed must not be what is served."""
    before, _ = figures(seeded)
    with Session(seeded.engine) as session:
        session.execute(delete(Answer).where(col(Answer.deal_id) == deal_id(session, "crm:1")))
        names = team_names(session)
        inside = PeriodFigures(session, seeded.org, names).attributions(MONTHS)
        assert inside == attributions(session, seeded.org, MONTHS, names) and inside != before[1]
        session.rollback()
    with seeded.engine.begin() as connection:
        connection.execute(text("UPDATE answers SET impact = 'decisive' WHERE deal_id = :id"), {"id": 2})
        refresh_deal_figures(connection, [2])
    after, fresh = figures(seeded)
    assert after == fresh and after != before


def deal_id(session: Session, external_id: str) -> int:
    found = session.exec(select(Deal.id).where(Deal.external_id == external_id)).one()
    assert found is not None
    return found
