"""The scorecard, computed through a real database from hand-made deals with hand-computed figures."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.organisation import Organisation
from bot.periods import Period, local_date
from bot.scoring.attribution import helping_weights, split_cents
from bot.scoring.scorecard import Scorecard, compute_scorecard, scorecard_csv, visible_teams
from storage.models import Answer, Ask, Deal, Member, Team

W48 = Period.parse("2026-W48")  # Monday 23 – Sunday 29 November 2026
PRODUCT_KEYS = {
    "period", "currency", "won_revenue", "deals_won", "deals_lost", "win_rate", "median_cycle_days",
    "collaboration_coverage", "answer_rate", "teams", "trend", "highlights",
}  # fmt: skip
ADDED_KEYS = {"attribution", "unattributed_revenue", "not_counted"}


def organisation(**overrides: Any) -> Organisation:
    settings: dict[str, Any] = {
        "timezone": "Europe/Helsinki",
        "currency": "EUR",
        "fx_rates": {"USD": "0.92"},
        "min_group_size": 1,
        "teams": [{"name": name} for name in ("sales", "marketing", "product", "hr")],
    }
    return Organisation.model_validate(settings | overrides)


class Ledger:
    """Rows as the rest of the bot would have stored them, written with plain SQLModel sessions."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.teams: dict[str, Team] = {}
        self.leads: dict[str, Member] = {}
        self._ids = count(1)
        self._clock = datetime(2026, 11, 1, tzinfo=UTC)

    def team(self, name: str, members: int = 3) -> Team:
        team = Team(name=name)
        self.session.add(team)
        self.session.flush()
        for _ in range(members):
            member = Member(team_id=team.id)
            self.session.add(member)
            self.leads.setdefault(name, member)
        self.session.flush()
        self.teams[name] = team
        return team

    def person_without_team(self) -> Member:
        member = Member()
        self.session.add(member)
        self.session.flush()
        return member

    def deal(
        self,
        name: str,
        amount: str | None,
        *,
        closed: date | None,
        stage: str = "won",
        currency: str = "EUR",
        owner: str | Member | None = "sales",
        created: date | None = None,
    ) -> Deal:
        owner_member = self.leads[owner] if isinstance(owner, str) else owner
        deal = Deal(
            external_id=f"crm:{next(self._ids)}",
            name=name,
            amount_cents=None if amount is None else int(Decimal(amount) * 100),
            currency=currency,
            stage=stage,
            owner_id=owner_member.id if owner_member else None,
            created_at=created,
            closed_at=closed,
        )
        self.session.add(deal)
        self.session.flush()
        return deal

    def answer(self, deal: Deal, team: str, impact: str, text: str = "", *, quotable: bool = False) -> Answer:
        self._clock += timedelta(minutes=1)
        answer = Answer(
            deal_id=deal.id,
            member_id=self.leads[team].id,
            helping_team_id=self.teams[team].id,
            impact=impact,
            text=text or f"{team} on {deal.name}",
            quotable=quotable,
            answered_at=self._clock,
        )
        self.session.add(answer)
        self.session.flush()
        return answer

    def ask(self, deal: Deal, status: str, *, sent: bool = True) -> None:
        member = self.leads["marketing"]
        self.session.add(
            Ask(
                deal_id=deal.id,
                member_id=member.id,
                question="How did marketing help?",
                status=status,
                sent_at=self._clock if sent else None,
            )
        )
        self.session.flush()


@pytest.fixture
def session(engine: Engine) -> Any:
    with Session(engine) as session:
        yield session


@pytest.fixture
def ledger(session: Session) -> Ledger:
    ledger = Ledger(session)
    for name in ("sales", "marketing", "product", "hr"):
        ledger.team(name)
    return ledger


def week_of_deals(ledger: Ledger) -> None:
    """W48, by hand (EUR; USD at 0.92; GBP has no rate):

    Acme    won  1000.00 EUR  sales owns; marketing strong+some, product none      cycle 30
    Beta    won   500.00 USD  = 460.00 EUR, sales owns, no answers                 cycle 12
    Gamma   won   200.00 GBP  not counted; hr decisive (quotable)                  cycle 25
    Delta   lost  300.00 EUR  marketing some (quotable, newest)
    Epsilon won   100.00 EUR  owner has no team; marketing some, hr decisive
    Zeta    won    50.00 EUR  no owner, no answers: unattributed                   cycle 2
    Outside won   999.00 EUR  closed Monday of W49; Open is still open
    """
    acme = ledger.deal("Acme", "1000", closed=date(2026, 11, 23), created=date(2026, 10, 24))
    ledger.answer(acme, "marketing", "some", "The old brochure.", quotable=True)
    ledger.answer(acme, "marketing", "strong", "Our webinar brought\nthe CFO — «kiitos».", quotable=True)
    ledger.answer(acme, "product", "none")
    beta = ledger.deal("Beta", "500", currency="USD", closed=date(2026, 11, 25), created=date(2026, 11, 13))
    gamma = ledger.deal("Gamma", "200", currency="GBP", closed=date(2026, 11, 26), created=date(2026, 11, 1))
    ledger.answer(gamma, "hr", "decisive", "Training made the demo.", quotable=True)
    delta = ledger.deal("Delta", "300", stage="lost", closed=date(2026, 11, 27))
    ledger.answer(delta, "marketing", "some", "A case study would have helped.", quotable=True)
    epsilon = ledger.deal("Epsilon", "100", owner=ledger.person_without_team(), closed=date(2026, 11, 28))
    ledger.answer(epsilon, "marketing", "some")
    ledger.answer(epsilon, "hr", "decisive", "Not for quoting.")
    ledger.deal("Zeta", "50", owner=None, closed=date(2026, 11, 29), created=date(2026, 11, 27))
    outside = ledger.deal("Outside", "999", closed=date(2026, 11, 30))
    ledger.answer(outside, "marketing", "decisive", "Next week's story.", quotable=True)
    ledger.deal("Open", "5000", stage="open", closed=None)

    for status in ("answered", "answered", "pending"):
        ledger.ask(acme, status)
    ledger.ask(acme, "pending", sent=False)
    ledger.ask(beta, "answered", sent=False)
    ledger.ask(delta, "declined")
    ledger.ask(outside, "answered")
    ledger.session.commit()


def teams_of(card: Scorecard) -> dict[str, tuple[Any, ...]]:
    return {t.team: (t.influenced_revenue, t.attributed_revenue, t.answers, t.hidden) for t in card.teams}


def test_headline_figures_by_hand(session: Session, ledger: Ledger) -> None:
    week_of_deals(ledger)
    card = compute_scorecard(session, organisation(), W48)

    assert card.period == "2026-W48"
    assert card.currency == "EUR"
    assert card.won_revenue == Decimal("1610.00")
    assert (card.deals_won, card.deals_lost) == (5, 1)
    assert card.win_rate == 0.8333
    assert card.median_cycle_days == 18.5  # Acme 30, Beta 12, Gamma 25, Zeta 2
    assert card.collaboration_coverage == 0.6832  # (Acme 1000 + Epsilon 100) / 1610
    assert card.answer_rate == 0.5  # Acme 2 of 3 sent, Delta 0 of 1; never-sent asks do not count
    assert card.attribution == "impact_weighted"
    assert [(n.external_id, n.name, n.amount, n.currency, n.reason) for n in card.not_counted] == [
        ("crm:3", "Gamma", Decimal("200.00"), "GBP", "no_fx_rate")
    ]


def test_impact_weighted_attribution_by_hand(session: Session, ledger: Ledger) -> None:
    week_of_deals(ledger)
    card = compute_scorecard(session, organisation(attribution="impact_weighted"), W48)

    # Acme: sales (owner, 3) and marketing (strong, 2) share 1000.00 as 600/400; product's "none" is no help.
    # Beta: sales alone. Epsilon: marketing 1, hr 3 of 100.00. Zeta: nobody.
    assert teams_of(card) == {
        "sales": (Decimal("1460.00"), Decimal("1060.00"), 0, False),
        "marketing": (Decimal("1100.00"), Decimal("425.00"), 4, False),
        "product": (Decimal("0.00"), Decimal("0.00"), 1, False),
        "hr": (Decimal("100.00"), Decimal("75.00"), 2, False),
    }
    assert card.unattributed_revenue == Decimal("50.00")
    assert sum(t.attributed_revenue or 0 for t in card.teams) + card.unattributed_revenue == card.won_revenue


def test_equal_attribution_by_hand(session: Session, ledger: Ledger) -> None:
    week_of_deals(ledger)
    card = compute_scorecard(session, organisation(attribution="equal"), W48)

    assert card.attribution == "equal"
    assert {t.team: t.attributed_revenue for t in card.teams} == {
        "sales": Decimal("960.00"),
        "marketing": Decimal("550.00"),
        "product": Decimal("0.00"),
        "hr": Decimal("50.00"),
    }
    assert {t.team: t.influenced_revenue for t in card.teams}["sales"] == Decimal("1460.00")
    assert card.unattributed_revenue == Decimal("50.00")


def test_highlights_are_quotable_answers_only_strongest_then_newest(session: Session, ledger: Ledger) -> None:
    week_of_deals(ledger)
    card = compute_scorecard(session, organisation(), W48)

    assert [(h.deal, h.team, h.text) for h in card.highlights] == [
        ("Gamma", "hr", "Training made the demo."),
        ("Acme", "marketing", "Our webinar brought\nthe CFO — «kiitos»."),
        ("Delta", "marketing", "A case study would have helped."),
    ]


def test_highlight_text_is_never_shortened(session: Session, ledger: Ledger) -> None:
    long_text = "Kiitos! " * 2500
    deal = ledger.deal("Long", "10", closed=date(2026, 11, 24))
    ledger.answer(deal, "marketing", "some", long_text, quotable=True)
    ledger.answer(deal, "product", "decisive", "private")
    ledger.session.commit()

    card = compute_scorecard(session, organisation(), W48)
    assert [h.text for h in card.highlights] == [long_text]


def test_cent_exact_split_of_100_three_ways(session: Session, ledger: Ledger) -> None:
    deal = ledger.deal("Three ways", "100.00", closed=date(2026, 11, 24))
    ledger.answer(deal, "marketing", "some")
    ledger.answer(deal, "hr", "strong")
    ledger.session.commit()

    equal = compute_scorecard(session, organisation(attribution="equal"), W48)
    # Three equal remainders: the spare cent goes to the first name, so a re-run gives the same figures.
    assert {t.team: t.attributed_revenue for t in equal.teams} == {
        "sales": Decimal("33.33"),
        "marketing": Decimal("33.33"),
        "product": Decimal("0.00"),
        "hr": Decimal("33.34"),
    }
    weighted = compute_scorecard(session, organisation(attribution="impact_weighted"), W48)
    # 3:2:1 of 10000 cents = 5000, 3333.33…, 1666.66…: the spare cent goes to the larger remainder.
    assert {t.team: t.attributed_revenue for t in weighted.teams} == {
        "sales": Decimal("50.00"),
        "marketing": Decimal("16.67"),
        "product": Decimal("0.00"),
        "hr": Decimal("33.33"),
    }
    for card in (equal, weighted):
        assert sum(t.attributed_revenue or 0 for t in card.teams) == card.won_revenue == Decimal("100.00")


def test_split_cents_never_loses_or_invents_a_cent() -> None:
    names = ["a", "b", "c", "d", "e", "f", "g"]
    for total in (0, 1, 2, 99, 100, 10_001, 123_456_789, 10**17 + 3):
        for size in range(1, len(names) + 1):
            weights = {name: (index * 7) % 3 + 1 for index, name in enumerate(names[:size])}
            shares = split_cents(total, weights)
            assert sum(shares.values()) == total
            assert shares == split_cents(total, dict(reversed(weights.items())))
            for name, share in shares.items():
                exact = Decimal(total) * weights[name] / sum(weights.values())
                assert abs(share - exact) < 1
    assert split_cents(100, {}) == {}
    with pytest.raises(ValueError, match="positive"):
        split_cents(100, {"a": 0})


def test_helping_weights_count_the_owner_team_as_decisive() -> None:
    impacts = {"sales": 1, "marketing": 2, "product": 0}
    assert helping_weights("sales", impacts, "impact_weighted") == {"sales": 3, "marketing": 2}
    assert helping_weights("sales", impacts, "equal") == {"sales": 1, "marketing": 1}
    assert helping_weights(None, {"product": 0}, "equal") == {}


def test_currency_conversion_and_deals_that_cannot_be_counted(session: Session, ledger: Ledger) -> None:
    ledger.deal("Dollars", "33.33", currency="USD", closed=date(2026, 11, 23))  # 3066.36 cents → 30.66
    ledger.deal("Kronor", "1000", currency="SEK", closed=date(2026, 11, 24))
    ledger.deal("Unknown size", None, closed=date(2026, 11, 25), created=date(2026, 11, 20))
    ledger.deal("Kronor lost", "1000", currency="SEK", stage="lost", closed=date(2026, 11, 25))
    ledger.session.commit()

    card = compute_scorecard(session, organisation(), W48)
    assert card.won_revenue == Decimal("30.66")
    assert (card.deals_won, card.deals_lost, card.win_rate) == (3, 1, 0.75)
    assert card.median_cycle_days == 5.0
    assert [(n.name, n.amount, n.currency, n.reason) for n in card.not_counted] == [
        ("Kronor", Decimal("1000.00"), "SEK", "no_fx_rate"),
        ("Unknown size", None, "EUR", "no_amount"),
    ]
    assert {t.team: t.influenced_revenue for t in card.teams}["sales"] == Decimal("30.66")

    with_rate = compute_scorecard(session, organisation(fx_rates={"USD": "0.92", "SEK": "0.088"}), W48)
    assert with_rate.won_revenue == Decimal("118.66")
    assert [n.name for n in with_rate.not_counted] == ["Unknown size"]


def test_an_empty_period_has_nulls_not_zeros_where_nothing_was_closed(session: Session, ledger: Ledger) -> None:
    ledger.session.commit()
    card = compute_scorecard(session, organisation(), W48)
    assert (card.won_revenue, card.deals_won, card.deals_lost) == (Decimal("0.00"), 0, 0)
    assert card.win_rate is card.median_cycle_days is card.collaboration_coverage is card.answer_rate is None
    assert card.highlights == card.not_counted == []
    assert [t.attributed_revenue for t in card.teams] == [Decimal("0.00")] * 4


def test_an_answer_with_no_impact_is_counted_but_is_not_help(session: Session, ledger: Ledger) -> None:
    solo = ledger.deal("Solo", "80", closed=date(2026, 11, 24))
    ledger.answer(solo, "marketing", "none", "We were not involved.")
    helped = ledger.deal("Helped", "20", closed=date(2026, 11, 24))
    ledger.answer(helped, "marketing", "some")
    ledger.session.commit()

    card = compute_scorecard(session, organisation(), W48)
    assert card.collaboration_coverage == 0.2
    assert teams_of(card)["marketing"] == (Decimal("20.00"), Decimal("5.00"), 2, False)
    assert teams_of(card)["sales"] == (Decimal("100.00"), Decimal("95.00"), 0, False)


def test_lost_deals_only(session: Session, ledger: Ledger) -> None:
    deal = ledger.deal("Gone", "100", stage="lost", closed=date(2026, 11, 24))
    ledger.answer(deal, "marketing", "none", "Nothing we could do.")
    ledger.session.commit()
    card = compute_scorecard(session, organisation(), W48)
    assert (card.deals_won, card.deals_lost, card.win_rate) == (0, 1, 0.0)
    assert card.collaboration_coverage is None
    assert card.median_cycle_days is None
    assert {t.team: t.answers for t in card.teams}["marketing"] == 1


def test_small_teams_are_listed_but_their_figures_hidden(session: Session) -> None:
    ledger = Ledger(session)
    ledger.team("sales", members=3)
    ledger.team("marketing", members=2)
    ledger.team("product", members=0)
    ledger.team("hr", members=1)
    deal = ledger.deal("Acme", "100", closed=date(2026, 11, 24))
    ledger.answer(deal, "marketing", "strong")
    ledger.session.commit()

    card = compute_scorecard(session, organisation(min_group_size=3), W48)
    assert teams_of(card) == {
        "sales": (Decimal("100.00"), Decimal("60.00"), 0, False),
        "marketing": (None, None, None, True),
        "product": (None, None, None, True),
        "hr": (None, None, None, True),
    }
    assert card.won_revenue == Decimal("100.00")
    assert json.loads(card.model_dump_json())["teams"][1] == {
        "team": "marketing",
        "influenced_revenue": None,
        "attributed_revenue": None,
        "answers": None,
        "hidden": True,
    }


def test_one_small_team_is_not_exposed_by_subtraction(session: Session) -> None:
    """Won revenue minus the figures shown would be marketing's two people exactly: the smallest
    team still shown (product, 3) is hidden too, so subtraction reveals five people's total."""
    ledger = Ledger(session)
    ledger.team("sales", members=4)
    ledger.team("marketing", members=2)
    ledger.team("product", members=3)
    ledger.team("hr", members=0)
    deal = ledger.deal("Acme", "100", closed=date(2026, 11, 24))
    ledger.answer(deal, "marketing", "strong")
    ledger.session.commit()

    card = compute_scorecard(session, organisation(min_group_size=3), W48)
    assert {t.team for t in card.teams if t.hidden} == {"marketing", "product", "hr"}
    assert teams_of(card)["sales"] == (Decimal("100.00"), Decimal("60.00"), 0, False)
    cover_alone = compute_scorecard(session, organisation(min_group_size=3), W48, team="product")
    assert cover_alone.teams[0].hidden


@pytest.mark.parametrize(
    ("sizes", "hidden"),
    [
        ({"a": 5, "b": 4, "c": 3}, set()),
        ({"a": 5, "b": 4, "c": 1}, {"c", "b"}),
        ({"a": 5, "b": 4, "c": 1, "d": 2}, {"c", "d"}),
        ({"a": 5, "b": 4, "c": 0}, {"c"}),
        ({"a": 2, "b": 1}, {"a", "b"}),
        ({"a": 5, "b": 3, "c": 3, "d": 1}, {"d", "b"}),
    ],
)
def test_visible_teams_hide_a_cover_team_only_while_the_hidden_group_is_too_small(
    sizes: dict[str, int], hidden: set[str]
) -> None:
    assert visible_teams(sizes, sizes, 3) == set(sizes) - hidden


def test_team_filter_keeps_the_scorecard_and_narrows_the_teams(session: Session, ledger: Ledger) -> None:
    week_of_deals(ledger)
    org = organisation()
    whole = compute_scorecard(session, org, W48)
    marketing = compute_scorecard(session, org, W48, team=" Marketing ")

    assert [t.team for t in marketing.teams] == ["marketing"]
    assert marketing.teams[0] == next(t for t in whole.teams if t.team == "marketing")
    assert marketing.model_dump(exclude={"teams"}) == whole.model_dump(exclude={"teams"})
    with pytest.raises(ValueError, match=r"unknown team 'legal' \(teams: sales, marketing, product, hr\)"):
        compute_scorecard(session, org, W48, team="legal")


def test_a_team_no_longer_configured_keeps_its_share(session: Session, ledger: Ledger) -> None:
    ledger.team("legal")
    deal = ledger.deal("Contract", "90", closed=date(2026, 11, 24))
    ledger.answer(deal, "legal", "decisive")
    ledger.session.commit()

    card = compute_scorecard(session, organisation(attribution="equal"), W48)
    assert [t.team for t in card.teams] == ["sales", "marketing", "product", "hr", "legal"]
    assert teams_of(card)["legal"] == (Decimal("90.00"), Decimal("45.00"), 1, False)
    assert sum(t.attributed_revenue or 0 for t in card.teams) == card.won_revenue


def test_trend_covers_the_four_previous_weeks_oldest_first(session: Session, ledger: Ledger) -> None:
    week_of_deals(ledger)
    ledger.deal("W47 win", "100", closed=date(2026, 11, 22))
    ledger.deal("W47 loss", "100", stage="lost", closed=date(2026, 11, 16))
    ledger.deal("W45 dollars", "33.33", currency="USD", closed=date(2026, 11, 2))
    ledger.deal("W45 dollars again", "33.33", currency="USD", closed=date(2026, 11, 8))
    ledger.deal("W45 euros", "0.01", closed=date(2026, 11, 5))
    ledger.deal("W44 pounds", "10", currency="GBP", closed=date(2026, 10, 26))
    ledger.deal("W43 too old", "1000", closed=date(2026, 10, 25))
    ledger.session.commit()
    org = organisation()

    trend = compute_scorecard(session, org, W48).trend
    assert [(p.period, p.won_revenue, p.win_rate) for p in trend] == [
        ("2026-W44", Decimal("0.00"), 1.0),
        ("2026-W45", Decimal("61.33"), 1.0),
        ("2026-W46", Decimal("0.00"), None),
        ("2026-W47", Decimal("100.00"), 0.5),
    ]
    for point in trend:
        own = compute_scorecard(session, org, Period.parse(point.period))
        assert (own.won_revenue, own.win_rate) == (point.won_revenue, point.win_rate)


def test_month_and_quarter_scorecards(session: Session, ledger: Ledger) -> None:
    week_of_deals(ledger)
    ledger.deal("October", "10", closed=date(2026, 10, 31))
    ledger.session.commit()

    november = compute_scorecard(session, organisation(), Period.parse("2026-11"))
    assert november.won_revenue == Decimal("2609.00")  # W48's 1610.00 and Outside's 999.00
    assert [p.period for p in november.trend] == ["2026-07", "2026-08", "2026-09", "2026-10"]
    assert november.trend[-1].won_revenue == Decimal("10.00")
    quarter = compute_scorecard(session, organisation(), Period.parse("2026-Q4"))
    assert quarter.won_revenue == Decimal("2619.00")
    assert [p.period for p in quarter.trend] == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]


@pytest.mark.parametrize(
    ("zone", "sunday", "week", "next_week"),
    [
        ("Europe/Helsinki", date(2026, 11, 29), "2026-W48", "2026-W49"),
        ("America/New_York", date(2026, 11, 29), "2026-W48", "2026-W49"),
        ("Europe/Helsinki", date(2026, 10, 25), "2026-W43", "2026-W44"),  # summer time ends that night
        ("America/New_York", date(2026, 11, 1), "2026-W44", "2026-W45"),  # summer time ends that night
        ("Europe/Helsinki", date(2026, 3, 29), "2026-W13", "2026-W14"),  # summer time starts that night
        ("America/New_York", date(2026, 3, 8), "2026-W10", "2026-W11"),  # summer time starts that night
    ],
)
def test_sunday_night_and_monday_morning_fall_in_their_own_weeks(
    session: Session, ledger: Ledger, zone: str, sunday: date, week: str, next_week: str
) -> None:
    tz = ZoneInfo(zone)
    monday = sunday + timedelta(days=1)
    late_sunday = datetime.combine(sunday, time(23, 30), tzinfo=tz).astimezone(UTC)
    early_monday = datetime.combine(monday, time(0, 30), tzinfo=tz).astimezone(UTC)
    assert (late_sunday.date(), early_monday.date()) != (sunday, monday)  # UTC days would mislead
    ledger.deal("Sunday night", "10", closed=local_date(late_sunday, tz))
    ledger.deal("Monday morning", "20", closed=local_date(early_monday, tz))
    ledger.session.commit()
    org = organisation(timezone=zone)

    assert compute_scorecard(session, org, Period.parse(week)).won_revenue == Decimal("10.00")
    assert compute_scorecard(session, org, Period.parse(next_week)).won_revenue == Decimal("20.00")


def test_json_has_the_contract_keys_and_money_as_numbers(session: Session, ledger: Ledger) -> None:
    week_of_deals(ledger)
    data = json.loads(compute_scorecard(session, organisation(), W48).model_dump_json())

    assert set(data) == PRODUCT_KEYS | ADDED_KEYS
    assert data["won_revenue"] == 1610.0 and isinstance(data["won_revenue"], float)
    assert set(data["teams"][0]) == {"team", "influenced_revenue", "attributed_revenue", "answers", "hidden"}
    assert set(data["trend"][0]) == {"period", "won_revenue", "win_rate"}
    assert set(data["highlights"][0]) == {"deal", "team", "text"}
    assert data["not_counted"] == [
        {"external_id": "crm:3", "name": "Gamma", "amount": 200.0, "currency": "GBP", "reason": "no_fx_rate"}
    ]


def test_csv_has_the_headline_block_then_the_tables(session: Session, ledger: Ledger) -> None:
    week_of_deals(ledger)
    deal = ledger.deal('=HYPERLINK("http://x")', "1", closed=date(2026, 11, 24))
    ledger.answer(deal, "product", "decisive", "=1+1, said product", quotable=True)
    ledger.session.commit()
    card = compute_scorecard(session, organisation(min_group_size=1), W48)
    text = scorecard_csv(card)
    assert text.startswith("\ufeff")  # Excel's cue that the file is UTF-8

    sections: list[list[list[str]]] = [[]]
    for row in csv.reader(io.StringIO(text.removeprefix("\ufeff"))):
        if row:
            sections[-1].append(row)
        else:
            sections.append([])
    headline, teams, trend, highlights, not_counted = sections
    assert headline[0] == ["figure", "value"]
    assert dict(headline[1:]) == {
        "period": "2026-W48",
        "currency": "EUR",
        "attribution": "impact_weighted",
        "won_revenue": "1611.00",
        "deals_won": "6",
        "deals_lost": "1",
        "win_rate": "0.8571",
        "median_cycle_days": "18.5",
        "collaboration_coverage": "0.6834",
        "answer_rate": "0.5",
        "unattributed_revenue": "50.00",
    }
    assert teams[0] == ["team", "influenced_revenue", "attributed_revenue", "answers", "hidden"]
    assert teams[1] == ["sales", "1461.00", "1060.50", "0", "false"]
    assert [row[0] for row in trend] == ["trend_period", "2026-W44", "2026-W45", "2026-W46", "2026-W47"]
    assert highlights[0] == ["highlight_deal", "team", "text"]
    assert highlights[1] == ['\'=HYPERLINK("http://x")', "product", "'=1+1, said product"]
    assert not_counted == [
        ["not_counted_external_id", "name", "amount", "currency", "reason"],
        ["crm:3", "Gamma", "200.00", "GBP", "no_fx_rate"],
    ]
    assert text.endswith("\r\n")
