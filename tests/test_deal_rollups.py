"""The per-deal rollups stay equal to a recomputation from the deals, asks and answers, whatever is written.

Hypothesis draws sequences of writes made the ways the code makes them — ORM objects added, changed
and deleted, and ORM bulk `update(...)`/`delete(...)` statements — and after every transaction the
rollup rows must equal what a plain Python reading of the source rows gives, and the scorecard must
equal the deal-by-deal reference (tests/test_scoring_reference.py), read through the per-period
cache as every request reads it. Member team changes and
participant changes are among the writes: the first changes the owner's team, which the scorecard
reads at query time; the second touches no figure.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.organisation import Organisation
from bot.periods import Period
from bot.scoring.scorecard import compute_scorecard
from storage.db import session_scope
from storage.models import Answer, Ask, Deal, DealFigures, DealParticipant, DealTeamCredit, Member, Team
from tests.test_scoring_reference import RANK, reference_scorecard

TEAMS = ("sales", "marketing", "product")
PERIOD = Period.parse("2026-Q4")
MONTH = Period.parse("2026-11")
"""The writes move deals between August and November: the trends of both see periods change one by
one, so figures kept per period (bot.scoring.period_cache) are held against the reference too."""
DAY = date(2026, 11, 15)
START = datetime(2026, 1, 1, tzinfo=UTC)
MEMBERS = 5

DEAL = st.integers(0, 3)
WRITE = st.one_of(
    st.tuples(st.just("answer"), DEAL, st.integers(0, 2), st.sampled_from(list(RANK)), st.booleans()),
    st.tuples(
        st.just("edit_answer"), st.integers(0, 20), st.integers(0, 2), st.sampled_from(list(RANK)), st.booleans()
    ),
    st.tuples(st.just("move_answer"), st.integers(0, 20), DEAL),
    st.tuples(st.just("delete_answer"), st.integers(0, 20)),
    st.tuples(st.just("ask"), DEAL, st.sampled_from(["answered", "pending", "expired"]), st.booleans()),
    st.tuples(st.just("edit_ask"), st.integers(0, 20), st.sampled_from(["answered", "declined"]), st.booleans()),
    st.tuples(st.just("delete_ask"), st.integers(0, 20)),
    st.tuples(st.just("stage"), DEAL, st.sampled_from(["won", "lost", "open"]), st.integers(-100, 10)),
    st.tuples(st.just("amount"), DEAL, st.one_of(st.none(), st.integers(0, 10**9)), st.sampled_from(["EUR", "USD"])),
    st.tuples(st.just("owner"), DEAL, st.integers(0, MEMBERS)),
    st.tuples(st.just("member_team"), st.integers(1, MEMBERS), st.integers(0, 3)),
    st.tuples(st.just("participant"), DEAL, st.integers(1, MEMBERS)),
    st.tuples(st.just("bulk_impact"), DEAL, st.sampled_from(list(RANK))),
    st.tuples(st.just("bulk_stage"), st.sampled_from(["won", "lost"])),
    st.tuples(st.just("bulk_delete_asks"), DEAL),
    st.tuples(st.just("delete_deal"), DEAL),
    st.tuples(st.just("new_deal"), st.sampled_from(["won", "lost", "open"])),
)


def _seed(engine: Engine) -> None:
    with session_scope(engine) as session:
        for table in (DealTeamCredit, DealFigures, DealParticipant, Answer, Ask, Deal, Member, Team):
            session.execute(delete(table))
        session.add_all(Team(id=i + 1, name=name) for i, name in enumerate(TEAMS))
        session.flush()
        session.add_all(Member(id=i, team_id=(i % 3) + 1, created_at=START) for i in range(1, MEMBERS + 1))
        session.flush()
        for number in range(4):
            session.add(_deal(number + 1, "won"))


def _deal(number: int, stage: str) -> Deal:
    return Deal(
        external_id=f"crm:{number}",
        name=f"Kauppa {number} ✨",
        amount_cents=1_000_00 * number + 1,
        currency="EUR",
        stage=stage,
        owner_id=number % MEMBERS + 1,
        created_at=DAY - timedelta(days=number),
        closed_at=None if stage == "open" else DAY,
        recorded_at=START,
        updated_at=START,
    )


def _pick(rows: list[Any], index: int) -> Any | None:
    return rows[index % len(rows)] if rows else None


def _apply(session: Session, write: tuple[Any, ...]) -> None:
    kind, *args = write
    deals = list(session.exec(select(Deal).order_by(col(Deal.id))))
    answers = list(session.exec(select(Answer).order_by(col(Answer.id))))
    asks = list(session.exec(select(Ask).order_by(col(Ask.id))))
    deal = _pick(deals, args[0]) if kind in _ON_A_DEAL else None
    if kind in _ON_A_DEAL and deal is None:
        return
    if kind == "answer":
        session.add(
            Answer(
                deal_id=deal.id,
                member_id=1,
                helping_team_id=args[1] + 1,
                impact=args[2],
                quotable=args[3],
                text=f"Pää {len(answers)} 🙌",
            )
        )
    elif kind == "edit_answer" and (answer := _pick(answers, args[0])) is not None:
        answer.helping_team_id, answer.impact, answer.quotable = args[1] + 1, args[2], args[3]
    elif kind == "move_answer" and (answer := _pick(answers, args[0])) is not None and deals:
        answer.deal_id = _pick(deals, args[1]).id
    elif kind == "delete_answer" and (answer := _pick(answers, args[0])) is not None:
        session.delete(answer)
    elif kind == "ask":
        session.add(Ask(deal_id=deal.id, member_id=1, question="?", status=args[1], sent_at=START if args[2] else None))
    elif kind == "edit_ask" and (ask := _pick(asks, args[0])) is not None:
        ask.status, ask.sent_at = args[1], START if args[2] else None
    elif kind == "delete_ask" and (ask := _pick(asks, args[0])) is not None:
        session.delete(ask)
    elif kind == "stage":
        deal.stage = args[1]
        deal.closed_at = None if args[1] == "open" else DAY + timedelta(days=args[2])
    elif kind == "amount":
        deal.amount_cents, deal.currency = args[1], args[2]
    elif kind == "owner":
        deal.owner_id = args[1] or None
    elif kind == "participant":
        _toggle_participant(session, deal, args[1])
    elif kind == "bulk_impact":
        session.execute(update(Answer).where(col(Answer.deal_id) == deal.id).values(impact=args[1]))
    elif kind == "bulk_delete_asks":
        session.execute(delete(Ask).where(col(Ask.deal_id) == deal.id))
    elif kind == "delete_deal":
        for row in session.exec(select(DealParticipant).where(col(DealParticipant.deal_id) == deal.id)):
            session.delete(row)
        session.execute(delete(Answer).where(col(Answer.deal_id) == deal.id))
        session.execute(delete(Ask).where(col(Ask.deal_id) == deal.id))
        session.flush()
        session.delete(deal)
    _apply_unscoped(session, kind, args, (session.exec(select(func.max(col(Deal.id)))).one() or 0) + 1)


def _toggle_participant(session: Session, deal: Deal, member_id: int) -> None:
    present = session.exec(
        select(DealParticipant).where(DealParticipant.deal_id == deal.id, DealParticipant.member_id == member_id)
    ).first()
    if present is None:
        session.add(DealParticipant(deal_id=deal.id, member_id=member_id, team_id=1))
    else:
        session.delete(present)


_ON_A_DEAL = {
    "answer",
    "ask",
    "stage",
    "amount",
    "owner",
    "participant",
    "bulk_impact",
    "bulk_delete_asks",
    "delete_deal",
}


def _apply_unscoped(session: Session, kind: str, args: list[Any], next_number: int) -> None:
    """The writes that name no existing deal: a member's team, a bulk stage change, a new deal."""
    if kind == "member_team":
        member = session.get(Member, args[0])
        if member is not None:
            member.team_id = args[1] or None
    elif kind == "bulk_stage":
        session.execute(update(Deal).where(col(Deal.stage) != "open").values(stage=args[0]))
    elif kind == "new_deal":
        session.add(_deal(next_number, args[0]))


def _rollups(session: Session) -> tuple[dict[int, tuple[Any, ...]], dict[tuple[int, int], tuple[Any, ...]]]:
    figures = {
        row.deal_id: (
            row.stage,
            row.closed_at,
            row.currency,
            row.amount_cents,
            row.owner_id,
            row.asks_sent,
            row.asks_answered,
            _credits(row.credit_pattern),
            row.credit_weight,
            row.credit_teams,
            row.quote_id,
            row.quote_rank,
            row.quote_at,
        )
        for row in session.exec(select(DealFigures))
    }
    credit = {
        (row.deal_id, row.team_id): (row.stage, row.closed_at, row.rank, row.answers)
        for row in session.exec(select(DealTeamCredit))
    }
    return figures, credit


def _credits(pattern: str) -> dict[int, int]:
    return {int(team): int(rank) for team, rank in (term.split(":") for term in pattern.split(",") if term)}


def _recomputed(session: Session) -> tuple[dict[int, tuple[Any, ...]], dict[tuple[int, int], tuple[Any, ...]]]:
    """The rollups as their definition (storage/models.py) gives them, read from the source rows."""
    deals = {deal.id: deal for deal in session.exec(select(Deal))}
    ranks: defaultdict[tuple[int, int], list[int]] = defaultdict(list)
    quotes: dict[int, Answer] = {}
    for answer in session.exec(select(Answer)):
        ranks[(answer.deal_id, answer.helping_team_id)].append(RANK[answer.impact])
        best = quotes.get(answer.deal_id)
        if answer.quotable and (best is None or _strength(answer) > _strength(best)):
            quotes[answer.deal_id] = answer
    sent: defaultdict[int, int] = defaultdict(int)
    answered: defaultdict[int, int] = defaultdict(int)
    for ask in session.exec(select(Ask)):
        if ask.sent_at is not None:
            sent[ask.deal_id] += 1
            answered[ask.deal_id] += ask.status == "answered"
    credit = {
        (deal_id, team_id): (deals[deal_id].stage, deals[deal_id].closed_at, max(values), len(values))
        for (deal_id, team_id), values in ranks.items()
    }
    figures: dict[int, tuple[Any, ...]] = {}
    for deal_id, deal in deals.items():
        assert deal_id is not None
        credited = {team: rank for (d, team), (_s, _c, rank, _n) in credit.items() if d == deal_id and rank > 0}
        figures[deal_id] = (
            deal.stage,
            deal.closed_at,
            deal.currency,
            deal.amount_cents,
            deal.owner_id,
            sent[deal_id],
            answered[deal_id],
            credited,
            sum(credited.values()),
            len(credited),
            *_quote(quotes.get(deal_id)),
        )
    return figures, credit


def _strength(answer: Answer) -> tuple[int, datetime, int]:
    return RANK[answer.impact], answer.answered_at, answer.id or 0


def _quote(answer: Answer | None) -> tuple[int | None, int | None, datetime | None]:
    if answer is None:
        return None, None, None
    return answer.id, RANK[answer.impact], answer.answered_at


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    transactions=st.lists(st.lists(WRITE, min_size=1, max_size=4), min_size=1, max_size=6),
    attribution=st.sampled_from(["impact_weighted", "equal"]),
)
def test_rollups_equal_a_recomputation_after_any_sequence_of_writes(
    engine: Engine, transactions: list[list[tuple[Any, ...]]], attribution: str
) -> None:
    org = Organisation.model_validate(
        {
            "timezone": "Europe/Helsinki",
            "currency": "EUR",
            "fx_rates": {"USD": "0.9213"},
            "attribution": attribution,
            "min_group_size": 1,
            "teams": [{"name": name} for name in TEAMS],
        }
    )
    _seed(engine)
    for writes in transactions:
        with session_scope(engine) as session:
            for write in writes:
                _apply(session, write)
        with Session(engine) as session:
            assert _rollups(session) == _recomputed(session)
            for period in (PERIOD, MONTH):
                assert compute_scorecard(session, org, period) == reference_scorecard(session, org, period)


def test_a_rolled_back_write_leaves_the_rollups_as_they_were(engine: Engine) -> None:
    _seed(engine)
    with Session(engine) as session:
        before = _rollups(session)
    with Session(engine) as session:
        deal = session.exec(select(Deal)).first()
        assert deal is not None
        session.add(Answer(deal_id=deal.id, member_id=1, helping_team_id=2, impact="decisive", text="x"))
        session.flush()
        assert _rollups(session) != before
        session.rollback()
    with Session(engine) as session:
        assert _rollups(session) == before == _recomputed(session)
