"""The scorecard as an Adaptive Card: the same figures, in the same order, as everywhere else.

The headline outcome first (won revenue, deals won and lost, win rate, cycle time), then how it
was reached (collaboration coverage, each team's influenced and attributed revenue, answer rate),
the trend against the previous periods and a few quoted answers. Numbers are formatted in the
reader's language by `prompts`; quotes and names go in verbatim, never as Markdown.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from bot.periods import Period, PeriodKind
from bot.scoring import Scorecard, TeamScore
from handlers.teams.cards import Element, adaptive_card, verbatim
from prompts import format_money, format_number, format_percent, message


def scorecard_card(
    scorecard: Scorecard,
    language: str,
    *,
    team_labels: Mapping[str, str],
    min_group_size: int,
    team: str | None = None,
    so_far: bool = False,
) -> Element:
    """`team_labels` maps team names to how they are shown; `team` titles a one-team view."""
    texts = _Texts(language, scorecard.currency)
    period = period_text(language, Period.parse(scorecard.period))
    if team:
        title = message(language, "scorecard.title_team", period=period, team=team_labels.get(team, team))
    else:
        title = message(language, "scorecard.title", period=period)
    if so_far:
        title = f"{title} {message(language, 'scorecard.so_far')}"
    body: list[Element] = [verbatim(title, weight="bolder", size="large")]
    if scorecard.deals_won + scorecard.deals_lost == 0:
        body.append(verbatim(message(language, "scorecard.no_deals"), subtle=True))
    body.append(
        _facts(
            [
                (texts.label("won_revenue"), texts.money(scorecard.won_revenue)),
                (texts.label("deals_won"), format_number(language, scorecard.deals_won)),
                (texts.label("deals_lost"), format_number(language, scorecard.deals_lost)),
                (texts.label("win_rate"), texts.percent(scorecard.win_rate)),
                (texts.label("median_cycle_days"), texts.number(scorecard.median_cycle_days)),
            ]
        )
    )
    body.append(
        _facts(
            [
                (texts.label("collaboration_coverage"), texts.percent(scorecard.collaboration_coverage)),
                (texts.label("answer_rate"), texts.percent(scorecard.answer_rate)),
            ]
        )
    )
    body.append(verbatim(message(language, "scorecard.coverage_hint"), subtle=True, size="small"))
    body.extend(_teams(scorecard, texts, team_labels, min_group_size))
    body.extend(_trend(scorecard, texts))
    body.extend(_highlights(scorecard, language, team_labels))
    fx_missing = [n for n in scorecard.not_counted if n.reason == "no_fx_rate"]
    if fx_missing:
        currencies = ", ".join(sorted({n.currency for n in fx_missing}))
        text = message(language, "scorecard.fx_excluded", count=len(fx_missing), currencies=currencies)
        body.append(verbatim(text, subtle=True))
    body.append(verbatim(message(language, "scorecard.footer"), subtle=True, size="small"))
    return adaptive_card(body)


def period_text(language: str, period: Period) -> str:
    """ "Week 48, 2026" / "viikko 48/2026": the period as people say it."""
    if period.kind is PeriodKind.WEEK:
        return message(language, "scorecard.period.week", week=period.number, year=period.year)
    if period.kind is PeriodKind.MONTH:
        return message(language, "scorecard.period.month", month=period.number, year=period.year)
    return message(language, "scorecard.period.quarter", quarter=period.number, year=period.year)


class _Texts:
    """Labels and figures in one language; a missing figure is the catalogue's "no value" mark."""

    def __init__(self, language: str, currency: str) -> None:
        self.language = language
        self.currency = currency
        self.none = message(language, "scorecard.no_value")

    def label(self, key: str, **values: object) -> str:
        return message(self.language, f"scorecard.{key}", **values)

    def money(self, amount: Decimal | None) -> str:
        return self.none if amount is None else format_money(self.language, amount, self.currency)

    def percent(self, ratio: float | None) -> str:
        return self.none if ratio is None else format_percent(self.language, ratio)

    def number(self, value: float | int | None) -> str:
        if value is None:
            return self.none
        return format_number(self.language, value, 0 if float(value).is_integer() else 1)


def _facts(pairs: list[tuple[str, str]]) -> Element:
    return {"type": "FactSet", "facts": [{"title": title, "value": value} for title, value in pairs]}


def _heading(text: str) -> Element:
    block = verbatim(text, weight="bolder")
    block["separator"] = True
    block["spacing"] = "medium"
    return block


def _row(cells: list[str], *, header: bool = False) -> Element:
    """One row of a table built from columns (Teams renders ColumnSets everywhere)."""
    return {
        "type": "ColumnSet",
        "spacing": "small",
        "columns": [
            {
                "type": "Column",
                "width": "stretch" if index == 0 else "auto",
                "items": [verbatim(cell, weight="bolder" if header else None, subtle=header)],
            }
            for index, cell in enumerate(cells)
        ],
    }


def _teams(scorecard: Scorecard, texts: _Texts, team_labels: Mapping[str, str], min_group_size: int) -> list[Element]:
    if not scorecard.teams:
        return []
    model = texts.label(f"model.{scorecard.attribution}")
    rows = [
        _heading(texts.label("teams")),
        _row(
            [
                "",
                texts.label("influenced_revenue"),
                texts.label("attributed_revenue", model=model),
                texts.label("answers"),
            ],
            header=True,
        ),
    ]
    hidden = texts.label("team_hidden", min_group_size=min_group_size)
    for score in scorecard.teams:
        rows.append(_team_row(score, texts, team_labels.get(score.team, score.team), hidden))
    return rows


def _team_row(score: TeamScore, texts: _Texts, label: str, hidden: str) -> Element:
    if score.hidden:
        return _row([label, hidden])
    answers = texts.none if score.answers is None else format_number(texts.language, score.answers)
    return _row([label, texts.money(score.influenced_revenue), texts.money(score.attributed_revenue), answers])


def _trend(scorecard: Scorecard, texts: _Texts) -> list[Element]:
    if not scorecard.trend:
        return []
    rows = [
        _heading(texts.label("trend")),
        _row(["", texts.label("won_revenue"), texts.label("win_rate")], header=True),
    ]
    for point in scorecard.trend:
        shown = period_text(texts.language, Period.parse(point.period))
        rows.append(_row([shown, texts.money(point.won_revenue), texts.percent(point.win_rate)]))
    return rows


def _highlights(scorecard: Scorecard, language: str, team_labels: Mapping[str, str]) -> list[Element]:
    if not scorecard.highlights:
        return []
    items = [_heading(message(language, "scorecard.highlights"))]
    for quote in scorecard.highlights:
        team = team_labels.get(quote.team, quote.team)
        items.append(verbatim(message(language, "scorecard.highlight", text=quote.text, team=team, deal=quote.deal)))
    return items
