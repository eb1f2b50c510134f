"""The dashboard's core, tested directly: sign-in tokens, sessions, the login limit, the deal list's
filters and pages, a team's history against the scorecard, and the CSV and log rules."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.access.login import issue_login_token, pending_login, redeem_login_token
from bot.access.sessions import active_session, end_session, forget_expired_sessions, start_session
from bot.access.throttle import AttemptLimit
from bot.access.viewer import load_viewer
from bot.dashboard.deals import DealFilters, list_deals, read_deal_filters
from bot.dashboard.export import table_csv
from bot.dashboard.team import team_history
from bot.errors import InputError
from bot.ledger.deals import record_answer
from bot.ledger.schemas import AnswerInput
from bot.periods import Period
from bot.runtime import Runtime
from bot.scoring.scorecard import compute_scorecard
from handlers.web.access_log import HideLoginTokens
from storage.db import run_transaction
from storage.models import WebSession
from tests.core.conftest import write_deal
from tests.web.support import ORG, member_id

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def org_yaml() -> str:
    return ORG


def _token(runtime: Runtime, email: str = "aino@example.com") -> str:
    member = member_id(runtime, email)
    return run_transaction(runtime.engine, lambda session: issue_login_token(session, member, NOW))


def _redeem(runtime: Runtime, token: str, when: datetime = NOW) -> int | None:
    return run_transaction(runtime.engine, lambda session: redeem_login_token(session, token, when))


def test_a_token_signs_in_its_member_once(synced: Runtime) -> None:
    token = _token(synced)
    with Session(synced.engine) as session:
        looked = pending_login(session, token, NOW)
        assert looked is not None and looked.email == "aino@example.com"
    assert _redeem(synced, token) == member_id(synced, "aino@example.com")
    assert _redeem(synced, token) is None
    with Session(synced.engine) as session:
        assert pending_login(session, token, NOW) is None


@pytest.mark.parametrize("later", [timedelta(minutes=10), timedelta(hours=1)])
def test_a_token_expires_after_ten_minutes(synced: Runtime, later: timedelta) -> None:
    token = _token(synced)
    assert _redeem(synced, token, NOW + later) is None
    assert _redeem(synced, token, NOW + timedelta(minutes=9, seconds=59)) is not None


@pytest.mark.parametrize("token", ["", "x", "a" * 129, "ä😀", "' OR 1=1 --"])
def test_nonsense_tokens_sign_in_no_one(synced: Runtime, token: str) -> None:
    _token(synced)
    assert _redeem(synced, token) is None


def test_two_redemptions_at_once_start_one_session(synced: Runtime) -> None:
    token = _token(synced)
    results: list[Any] = []
    barrier = threading.Barrier(4)

    def race() -> None:
        barrier.wait()
        results.append(_redeem(synced, token))

    threads = [threading.Thread(target=race) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=lambda value: value is None)[0] is not None
    assert [result for result in results if result is not None] == [member_id(synced, "aino@example.com")]


def test_sessions_last_twelve_hours_and_end_on_sign_out(synced: Runtime) -> None:
    member = member_id(synced, "aino@example.com")
    started = run_transaction(synced.engine, lambda session: start_session(session, member, NOW))
    with Session(synced.engine) as session:
        active = active_session(session, started.session_id, NOW + timedelta(hours=11, minutes=59))
        assert active is not None and active.member_id == member and active.csrf_token == started.csrf_token
        assert active_session(session, started.session_id, NOW + timedelta(hours=12)) is None
        assert active_session(session, started.session_id + "x", NOW) is None
        assert active_session(session, None, NOW) is None
    run_transaction(synced.engine, lambda session: end_session(session, started.session_id))
    with Session(synced.engine) as session:
        assert active_session(session, started.session_id, NOW) is None


def test_expired_sessions_are_forgotten(synced: Runtime) -> None:
    member = member_id(synced, "aino@example.com")
    run_transaction(synced.engine, lambda session: start_session(session, member, NOW))
    run_transaction(synced.engine, lambda session: forget_expired_sessions(session, NOW + timedelta(hours=13)))
    with Session(synced.engine) as session:
        assert session.exec(select(WebSession)).all() == []


def test_the_viewer_is_the_member_with_their_team_role_and_language(synced: Runtime) -> None:
    sanna, mikko_id, ville_id = (member_id(synced, f"{name}@example.com") for name in ("sanna", "mikko", "ville"))
    with Session(synced.engine) as session:
        viewer = load_viewer(session, synced.org, sanna)
        assert viewer is not None and viewer.team == "hr" and viewer.language == "en"
        assert load_viewer(session, synced.org, 10_000) is None
        mikko = load_viewer(session, synced.org, mikko_id)
        assert mikko is not None and mikko.language == "fi"
        ville = load_viewer(session, synced.org, ville_id)
        assert ville is not None and ville.is_admin


def test_the_login_limit_counts_failures_per_client_within_its_window() -> None:
    limit = AttemptLimit(attempts=3, window=timedelta(minutes=10))
    exhausted = []
    for _ in range(4):
        exhausted.append(limit.exhausted("a", NOW))
        limit.failed("a", NOW)
    assert exhausted == [False, False, False, True]
    assert not limit.exhausted("b", NOW)
    assert limit.exhausted("a", NOW + timedelta(minutes=9))
    assert not limit.exhausted("a", NOW + timedelta(minutes=10, seconds=1))


MIXED_ANSWERS = [
    ("crm:usd", "mikko@example.com", "marketing", "some"),
    ("crm:jpy", "mikko@example.com", "marketing", "decisive"),
    ("crm:sanna", "olli@example.com", "product", "strong"),
    ("crm:sanna", "mikko@example.com", "marketing", "some"),
]


def _seed(runtime: Runtime, *, mixed: bool = True) -> None:
    """Five EUR deals with answers; `mixed` adds a USD deal, one in a currency without a rate and one owned by hr."""
    for number, (stage, closed) in enumerate(
        [("won", "2026-11-23"), ("lost", "2026-11-24"), ("won", "2026-11-10"), ("open", None), ("won", "2026-09-02")]
    ):
        write_deal(runtime, f"crm:{number}", stage=stage, closed_at=closed, amount=1000 * (number + 1))
    if mixed:
        write_deal(runtime, "crm:usd", currency="USD", amount=1234.57, closed_at="2026-11-24")
        write_deal(runtime, "crm:jpy", currency="JPY", amount=99, closed_at="2026-11-24")  # no rate: not counted
        write_deal(runtime, "crm:sanna", owner="sanna@example.com", amount=333.33, closed_at="2026-11-12")
    for external_id, member, team, impact in [
        ("crm:0", "mikko@example.com", "marketing", "strong"),
        ("crm:0", "sanna@example.com", "hr", "some"),
        ("crm:2", "olli@example.com", "product", "decisive"),
        ("crm:4", "mikko@example.com", "marketing", "none"),
        *(MIXED_ANSWERS if mixed else []),
    ]:
        data = AnswerInput(member=member, helping_team=team, impact=impact, text="Ääni 🎉")
        run_transaction(runtime.engine, lambda s, e=external_id, d=data: record_answer(s, e, d, source="api", now=NOW))


def test_the_deal_list_filters_and_pages_in_sql(synced: Runtime) -> None:
    _seed(synced, mixed=False)
    with Session(synced.engine) as session:

        def ids(filters: DealFilters, page_size: int = 50) -> list[str]:
            return [row.external_id for row in list_deals(session, synced.org, filters, page_size=page_size).rows]

        assert ids(DealFilters()) == ["crm:4", "crm:3", "crm:2", "crm:1", "crm:0"]
        assert ids(DealFilters(stage="won")) == ["crm:4", "crm:2", "crm:0"]
        assert ids(DealFilters(period=Period.parse("2026-11"))) == ["crm:2", "crm:1", "crm:0"]
        assert ids(DealFilters(team="marketing")) == ["crm:0"]  # an answer of impact none credits no one
        assert ids(DealFilters(team="product")) == ["crm:2"]
        assert ids(DealFilters(owner="aino@example.com", stage="lost")) == ["crm:1"]
        assert ids(DealFilters(owner="nobody@example.com")) == []
        first = list_deals(session, synced.org, DealFilters(page=1), page_size=2)
        last = list_deals(session, synced.org, DealFilters(page=3), page_size=2)
        assert first.has_next and [r.external_id for r in first.rows] == ["crm:4", "crm:3"]
        assert not last.has_next and [r.external_id for r in last.rows] == ["crm:0"]
        assert str(first.rows[0].amount) == "5000.00"


@pytest.mark.parametrize(
    ("field", "value"),
    [("stage", "closed"), ("period", "2026-W54"), ("team", "legal"), ("page", "0"), ("page", "1e3"), ("page", "x")],
)
def test_bad_filters_name_their_field(synced: Runtime, field: str, value: str) -> None:
    with pytest.raises(InputError) as raised:
        read_deal_filters(synced.org, **{field: value})
    assert raised.value.field == field


def test_blank_filters_mean_any_and_teams_are_found_by_label(synced: Runtime) -> None:
    filters = read_deal_filters(synced.org, stage=" ", period="", team="HR & training", owner=" Aino@Example.com ")
    assert filters == DealFilters(team="hr", owner="aino@example.com")


@pytest.mark.parametrize("through", ["2026-W48", "2026-11", "2026-Q4"])
def test_a_teams_history_has_each_periods_scorecard_figures(synced: Runtime, through: str) -> None:
    _seed(synced)
    last = Period.parse(through)
    with Session(synced.engine) as session:
        history = team_history(session, synced.org, "marketing", last)
        assert not history.hidden and [p.period for p in history.periods][-1] == last
        assert len(history.periods) == 12
        for row in history.periods:
            card = compute_scorecard(session, synced.org, row.period, team="marketing")
            [team] = card.teams
            assert row.attributed_cents == int(team.attributed_revenue * 100)  # type: ignore[operator]
            assert row.influenced_cents == int(team.influenced_revenue * 100)  # type: ignore[operator]
            assert row.answers == team.answers
            assert row.won_cents == int(card.won_revenue * 100)


def test_share_of_collaboration(synced: Runtime) -> None:
    _seed(synced, mixed=False)
    with Session(synced.engine) as session:
        week = team_history(session, synced.org, "hr", Period.parse("2026-W48")).periods[-1]
        quarter = team_history(session, synced.org, "marketing", Period.parse("2026-Q4")).periods[-1]
        sales = team_history(session, synced.org, "sales", Period.parse("2026-Q4")).periods[-1]
    assert week.collaboration_share == 1.0  # crm:0, the week's one deal won together, was helped by hr
    assert quarter.collaboration_share == pytest.approx(1000 / (1000 + 3000))
    assert sales.collaboration_share == 1.0  # the owner's team helps every deal it owns


def test_small_teams_have_no_history(synced: Runtime) -> None:
    synced.org = synced.org.model_copy(update={"min_group_size": 2})
    with Session(synced.engine) as session:
        history = team_history(session, synced.org, "marketing", Period.parse("2026-W48"))
    assert history.hidden and history.periods == []


def test_csv_cells_keep_text_and_defuse_formulas() -> None:
    text = table_csv(
        ("name", "amount", "when", "flag", "none"),
        [("=SUM(A1)", 1, NOW.date(), True, None), ("Pää 🎉", 2, None, False, "")],
    )
    assert text.startswith("\ufeffname,amount,when,flag,none\r\n")
    assert "'=SUM(A1),1,2026-11-25,true,\r\n" in text
    assert "Pää 🎉,2,,false,\r\n" in text


def test_the_access_log_filter_hides_the_token() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/login/SeCrEt_token-123?x=1", "1.1", 200), None,
    )  # fmt: skip
    HideLoginTokens().filter(record)
    assert "SeCrEt" not in record.getMessage() and "/login/…?x=1" in record.getMessage()
    other = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "%s", ("/deals/login/x",), None)
    HideLoginTokens().filter(other)
    assert other.getMessage() == "/deals/login/x"
