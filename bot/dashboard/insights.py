"""The insights page as CSV: one row per thing the page shows, so a spreadsheet holds the same figures.

`kind` says what a row is (`team`, `theme`, `lost_lesson`, `corroboration`); a hidden team keeps its
row, with every figure empty, exactly as the page says "hidden". Examples are the quotable texts the
page quotes, one per line of their cell.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.dashboard.export import table_csv
from bot.insights.report import Example, Insights

HEADER = (
    "kind",
    "period",
    "team",
    "hidden",
    "label",
    "terms",
    "answers",
    "deals",
    "won_revenue",
    "currency",
    "win_rate",
    "team_win_rate",
    "pairs",
    "agreement",
    "examples",
)

Row = tuple[object, ...]


def insights_csv(insights: Insights) -> str:
    return table_csv(HEADER, [*_team_rows(insights), *_lost_rows(insights), *_corroboration_rows(insights)])


def _row(insights: Insights, kind: str, team: str | None, **values: object) -> Row:
    return (kind, insights.period, team, *(values.get(name) for name in HEADER[3:]))


def _team_rows(insights: Insights) -> list[Row]:
    rows: list[Row] = []
    for team in insights.teams:
        rows.append(_row(insights, "team", team.team, hidden=team.hidden, answers=team.answers, win_rate=team.win_rate))
        rows.extend(
            _row(
                insights,
                "theme",
                team.team,
                hidden=False,
                label=theme.label,
                terms=" ".join(theme.terms),
                answers=theme.answers,
                deals=theme.deals,
                won_revenue=theme.won_revenue,
                currency=insights.currency,
                win_rate=theme.win_rate,
                team_win_rate=team.win_rate,
                examples=_examples(theme.examples),
            )
            for theme in team.themes
        )
    return rows


def _lost_rows(insights: Insights) -> list[Row]:
    return [
        _row(
            insights,
            "lost_lesson",
            None,
            label=lesson.label,
            terms=" ".join(lesson.terms),
            answers=lesson.answers,
            examples=_examples(lesson.examples),
        )
        for lesson in insights.lost_lessons
    ]


def _corroboration_rows(insights: Insights) -> list[Row]:
    return [
        _row(
            insights,
            "corroboration",
            entry.team,
            hidden=entry.pairs is None,
            pairs=entry.pairs,
            agreement=entry.agreement,
        )
        for entry in insights.corroboration
    ]


def _examples(examples: Sequence[Example]) -> str:
    return "\n".join(f"{example.text} — {example.deal}" for example in examples)
