"""The database-aggregated scorecard equals a plain, deal-by-deal reading of the scorecard definition.

`reference_scorecard` below is written straight from the definition in docs/reference.md, with no
SQL beyond loading the rows and no shared code with `bot.scoring` except the output models: every
deal is converted, split and counted on its own. Hypothesis draws small ledgers that hit the awkward
cases (foreign currencies with and without a rate, a rate too fine for 64-bit arithmetic, deals
without an amount, a start date or an owner, owners without a team, `none` answers, the owner's
own team answering, deals on period edges, teams too small to show) and both must agree exactly.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.organisation import Organisation
from bot.periods import Period
from bot.scoring.scorecard import Highlight, NotCounted, Scorecard, TeamScore, TrendPoint, compute_scorecard
from storage.models import Answer, Ask, Deal, DealFigures, DealTeamCredit, Member, Team
from storage.rollups import refresh_all_deal_figures

TEAMS = ("sales", "marketing", "product", "hr")
RANK = {"none": 0, "some": 1, "strong": 2, "decisive": 3}
PERIODS = ("2026-W48", "2026-11", "2026-Q4")
START = datetime(2026, 1, 1, tzinfo=UTC)


def _round_ratio(part: int, whole: int) -> float | None:
    if not whole:
        return None
    return float((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN))


def _money(cents: int) -> Decimal:
    return Decimal(cents) / 100


def _largest_remainder(total: int, weights: dict[str, int]) -> dict[str, int]:
    whole = sum(weights.values())
    exact = {team: Decimal(total * weight) / whole for team, weight in weights.items()}
    shares = {team: int(value) for team, value in exact.items()}
    spare = total - sum(shares.values())
    for team in sorted(weights, key=lambda team: (shares[team] - exact[team], team))[:spare]:
        shares[team] += 1
    return shares


def _hidden(sizes: dict[str, int], teams: list[str], minimum: int) -> set[str]:
    hidden = {team for team in teams if sizes.get(team, 0) < minimum}
    shown = sorted((team for team in teams if team not in hidden), key=lambda team: (sizes.get(team, 0), team))
    while shown and 0 < sum(sizes.get(team, 0) for team in hidden) < minimum:
        hidden.add(shown.pop(0))
    return hidden


def reference_scorecard(session: Session, org: Organisation, period: Period) -> Scorecard:
    teams = {team.id: team.name for team in session.exec(select(Team))}
    members = {member.id: member for member in session.exec(select(Member))}
    deals = list(session.exec(select(Deal)))
    answers = list(session.exec(select(Answer)))
    asks = list(session.exec(select(Ask)))

    def cents_of(deal: Deal) -> int | None:
        if deal.amount_cents is None:
            return None
        if deal.currency == org.currency:
            return deal.amount_cents
        if deal.currency not in org.fx_rates:
            return None
        converted = Decimal(deal.amount_cents) * org.fx_rates[deal.currency]
        return int(converted.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))

    def closed_in(p: Period) -> list[Deal]:
        return sorted(
            (d for d in deals if d.stage in ("won", "lost") and d.closed_at and p.first <= d.closed_at <= p.last),
            key=lambda d: (d.closed_at, d.id),
        )

    def headline(p: Period) -> tuple[int, int, int]:
        closed = closed_in(p)
        won = [d for d in closed if d.stage == "won"]
        return len(won), len(closed), sum(cents_of(d) or 0 for d in won)

    closed = closed_in(period)
    closed_ids = {d.id for d in closed}
    won = [d for d in closed if d.stage == "won"]
    deals_won, deals_closed, won_cents = headline(period)

    answer_count: defaultdict[str, int] = defaultdict(int)
    top: defaultdict[int, dict[str, int]] = defaultdict(dict)
    for answer in answers:
        if answer.deal_id in closed_ids:
            team = teams[answer.helping_team_id]
            answer_count[team] += 1
            top[answer.deal_id][team] = max(top[answer.deal_id].get(team, 0), RANK[answer.impact])

    influenced: defaultdict[str, int] = defaultdict(int)
    attributed: defaultdict[str, int] = defaultdict(int)
    unattributed = collaborative = 0
    for deal in won:
        cents = cents_of(deal)
        if cents is None:
            continue
        owner = members.get(deal.owner_id) if deal.owner_id is not None else None
        owner_team = teams[owner.team_id] if owner is not None and owner.team_id is not None else None
        credited = {team: rank for team, rank in top[deal.id].items() if rank > 0}
        if any(team != owner_team for team in credited):
            collaborative += cents
        weights = dict(credited)
        if owner_team is not None:
            weights[owner_team] = 3
        if org.attribution == "equal":
            weights = dict.fromkeys(weights, 1)
        if not weights:
            unattributed += cents
        for team, share in (_largest_remainder(cents, weights) if weights else {}).items():
            influenced[team] += cents
            attributed[team] += share

    configured = [team.name for team in org.teams]
    listed = configured + sorted({*influenced, *answer_count} - set(configured))
    sizes: defaultdict[str, int] = defaultdict(int)
    for member in members.values():
        if member.team_id is not None:
            sizes[teams[member.team_id]] += 1
    hidden = _hidden(sizes, listed, org.min_group_size)
    cycles = [(d.closed_at - d.created_at).days for d in won if d.closed_at and d.created_at]
    sent = [ask for ask in asks if ask.deal_id in closed_ids and ask.sent_at is not None]
    quotable = sorted(
        (a for a in answers if a.deal_id in closed_ids and a.quotable),
        key=lambda a: (-RANK[a.impact], -a.answered_at.timestamp(), -(a.id or 0)),
    )
    names = {d.id: d.name for d in deals}
    trend = []
    for earlier in period.preceding(4):
        trend_won, trend_closed, trend_cents = headline(earlier)
        trend.append(
            TrendPoint(
                period=earlier.label, won_revenue=_money(trend_cents), win_rate=_round_ratio(trend_won, trend_closed)
            )
        )

    return Scorecard(
        period=period.label,
        currency=org.currency,
        won_revenue=_money(won_cents),
        deals_won=deals_won,
        deals_lost=deals_closed - deals_won,
        win_rate=_round_ratio(deals_won, deals_closed),
        median_cycle_days=float(statistics.median(cycles)) if cycles else None,
        collaboration_coverage=_round_ratio(collaborative, won_cents),
        answer_rate=_round_ratio(sum(1 for ask in sent if ask.status == "answered"), len(sent)),
        attribution=org.attribution,
        teams=[
            TeamScore(team=team, influenced_revenue=None, attributed_revenue=None, answers=None, hidden=True)
            if team in hidden
            else TeamScore(
                team=team,
                influenced_revenue=_money(influenced[team]),
                attributed_revenue=_money(attributed[team]),
                answers=answer_count[team],
                hidden=False,
            )
            for team in listed
        ],
        unattributed_revenue=_money(unattributed),
        trend=trend,
        highlights=[Highlight(deal=names[a.deal_id], team=teams[a.helping_team_id], text=a.text) for a in quotable[:3]],
        not_counted=[
            NotCounted(
                external_id=d.external_id,
                name=d.name,
                amount=None if d.amount_cents is None else _money(d.amount_cents),
                currency=d.currency,
                reason="no_amount" if d.amount_cents is None else "no_fx_rate",
            )
            for d in won
            if cents_of(d) is None
        ],
    )


AMOUNTS = st.one_of(
    st.none(),
    st.integers(0, 10_000_00),
    st.sampled_from([1, 2, 3, 5, 7, 99, 10**15 - 1, 10**17 - 1]),
)
DEALS = st.lists(
    st.fixed_dictionaries(
        {
            "stage": st.sampled_from(["won", "won", "won", "lost", "open"]),
            "amount_cents": AMOUNTS,
            "currency": st.sampled_from(["EUR", "EUR", "USD", "SEK", "GBP"]),
            "closed_day": st.one_of(st.integers(-6, 0), st.integers(-400, 100)),
            "cycle": st.one_of(st.none(), st.integers(-3, 200)),
            "owner": st.one_of(st.integers(1, 12), st.integers(-2, 1)),
        }
    ),
    min_size=1,
    max_size=10,
)
ANSWERS = st.lists(
    st.fixed_dictionaries(
        {
            "deal": st.integers(0, 9),
            "team": st.integers(0, len(TEAMS) - 1),
            "impact": st.sampled_from(list(RANK)),
            "quotable": st.booleans(),
            "minute": st.integers(0, 5),
        }
    ),
    min_size=1,
    max_size=30,
)
ASKS = st.lists(
    st.tuples(st.integers(0, 5), st.sampled_from(["answered", "pending", "declined", "expired"]), st.booleans()),
    max_size=12,
)
ORGANISATIONS = st.fixed_dictionaries(
    {
        "attribution": st.sampled_from(["impact_weighted", "equal"]),
        "min_group_size": st.integers(1, 4),
        "fx_rates": st.sampled_from([{"USD": "0.92"}, {"USD": "0.9213", "SEK": "0.0871234567890123"}, {}]),
    }
)


def _clear(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in (DealTeamCredit, DealFigures, Answer, Ask, Deal, Member, Team):
            connection.execute(delete(table))


def _store(
    engine: Engine, period: Period, sizes: list[int], deals: list[Any], answers: list[Any], asks: list[Any]
) -> None:
    anchor = period.last
    with engine.begin() as connection:
        connection.execute(insert(Team), [{"id": i + 1, "name": name} for i, name in enumerate(TEAMS)])
        member_rows = [{"id": 1, "team_id": None, "created_at": START}]
        for team_id, size in enumerate(sizes, start=1):
            for _ in range(size):
                member_rows.append({"id": len(member_rows) + 1, "team_id": team_id, "created_at": START})
        connection.execute(insert(Member), member_rows)
        deal_rows = []
        for index, deal in enumerate(deals, start=1):
            closed = anchor + timedelta(days=deal["closed_day"])
            owner = deal["owner"]
            deal_rows.append(
                {
                    "id": index,
                    "external_id": f"crm:{index}",
                    "name": f"Kauppa {index} ✨",
                    "amount_cents": deal["amount_cents"],
                    "currency": deal["currency"],
                    "stage": deal["stage"],
                    "owner_id": owner if 1 <= owner <= len(member_rows) else None,
                    "created_at": None if deal["cycle"] is None else closed - timedelta(days=deal["cycle"]),
                    "closed_at": None if deal["stage"] == "open" else closed,
                    "recorded_at": START,
                    "updated_at": START,
                }
            )
        connection.execute(insert(Deal), deal_rows)
        answer_rows = [
            {
                "deal_id": answer["deal"] % len(deal_rows) + 1,
                "member_id": 1,
                "helping_team_id": answer["team"] + 1,
                "impact": answer["impact"],
                "text": f"Pää {number} 🙌",
                "quotable": answer["quotable"],
                "answered_at": START + timedelta(minutes=answer["minute"]),
                "updated_at": START,
            }
            for number, answer in enumerate(answers)
        ]
        connection.execute(insert(Answer), answer_rows)
        ask_rows = [
            {
                "deal_id": deal % len(deal_rows) + 1,
                "member_id": 1,
                "question": "?",
                "status": status,
                "sent_at": START if sent else None,
                "created_at": START,
                "updated_at": START,
            }
            for deal, status, sent in asks
        ]
        if ask_rows:
            connection.execute(insert(Ask), ask_rows)
        refresh_all_deal_figures(connection)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    label=st.sampled_from(PERIODS),
    organisation=ORGANISATIONS,
    sizes=st.lists(st.integers(0, 4), min_size=len(TEAMS), max_size=len(TEAMS)),
    deals=DEALS,
    answers=ANSWERS,
    asks=ASKS,
)
def test_the_aggregated_scorecard_equals_a_deal_by_deal_reading(
    engine: Engine,
    label: str,
    organisation: dict[str, Any],
    sizes: list[int],
    deals: list[Any],
    answers: list[Any],
    asks: list[Any],
) -> None:
    period = Period.parse(label)
    org = Organisation.model_validate(
        {"timezone": "Europe/Helsinki", "currency": "EUR", "teams": [{"name": name} for name in TEAMS[:3]]}
        | organisation
    )
    _clear(engine)
    _store(engine, period, sizes, deals, answers, asks)
    with Session(engine) as session:
        expected = reference_scorecard(session, org, period)
        actual = compute_scorecard(session, org, period)
    assert actual == expected
