"""The scorecard's Block Kit stays inside Slack's limits, whatever the figures and quotes hold."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from bot.organisation import parse_organisation
from bot.scoring.scorecard import Highlight, Scorecard, TeamScore, TrendPoint
from bot.scoring.view import scorecard_view
from handlers.slack.blocks import MESSAGE_BLOCKS, SECTION_TEXT
from handlers.slack.scorecard_blocks import scorecard_blocks, utf16_len

TEAMS = [f"team_{n:02d}" for n in range(60)]


def big_scorecard(quote: str) -> Scorecard:
    return Scorecard(
        period="2026-W48",
        currency="EUR",
        won_revenue=Decimal("123456789.00"),
        deals_won=400,
        deals_lost=100,
        win_rate=0.8,
        median_cycle_days=30.5,
        collaboration_coverage=0.75,
        answer_rate=0.5,
        attribution="equal",
        teams=[
            TeamScore(
                team=name,
                influenced_revenue=Decimal("1000000.00"),
                attributed_revenue=Decimal("2057613.15"),
                answers=12,
                hidden=index % 7 == 0,
            )
            for index, name in enumerate(TEAMS)
        ],
        unattributed_revenue=Decimal(0),
        trend=[TrendPoint(period=f"2026-W{w}", won_revenue=Decimal(1), win_rate=None) for w in (44, 45, 46, 47)],
        highlights=[Highlight(deal="Acme & <Co>", team="team_01", text=quote) for _ in range(3)],
        not_counted=[],
    )


def test_many_teams_and_long_quotes_fit_and_no_quote_is_cut() -> None:
    quote = ("Kiitos 🎉 & <thanks> " * 400).strip()
    org = parse_organisation({"teams": [{"name": name} for name in TEAMS]}, "test")
    view = scorecard_view(big_scorecard(quote), org, "en", datetime(2026, 12, 7, tzinfo=UTC))
    blocks = scorecard_blocks(view)

    assert len(blocks) <= MESSAGE_BLOCKS
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    assert all(utf16_len(text) <= SECTION_TEXT for text in sections)
    team_lines = "\n".join(sections)
    assert all(f"*Team {name[5:]}*" in team_lines for name in TEAMS)
    quoted = "".join(text.replace("\n>", "\n").removeprefix(">") for text in sections if text.startswith(">"))
    escaped = quote.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert quoted.count(escaped) == 3
    assert blocks[-1]["elements"][0]["text"] == "Everyone sees the same numbers. No one is ranked."


def test_revenue_no_team_can_be_credited_with_is_shown_so_the_shares_add_up() -> None:
    org = parse_organisation({"teams": [{"name": name} for name in TEAMS[:2]]}, "test")
    card = big_scorecard("Thanks.").model_copy(update={"unattributed_revenue": Decimal("50.00")})
    blocks = scorecard_blocks(scorecard_view(card, org, "en", datetime(2026, 12, 7, tzinfo=UTC)))
    assert any("_No team_ – €50" in b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b)
