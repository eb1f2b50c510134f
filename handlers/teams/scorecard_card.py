"""The scorecard as an Adaptive Card, with the content and order of the Slack card.

The headline outcome first (won revenue, deals won and lost, win rate, cycle time), then how it
was reached (collaboration coverage, answer rate, each team's attributed and influenced revenue),
the trend against the previous periods and a few quoted answers. Numbers are formatted in the
reader's language by `prompts`; quotes go in as TextRuns, shown verbatim and never as Markdown.
"""

from __future__ import annotations

from bot.periods import Period
from bot.scoring.scorecard import TeamScore
from bot.scoring.view import ScorecardView, period_name, scorecard_title
from handlers.teams.cards import Element, adaptive_card, verbatim
from prompts import format_money, format_number, message


def scorecard_card(view: ScorecardView) -> Element:
    body: list[Element] = [verbatim(scorecard_title(view), weight="bolder", size="large")]
    body.extend(_headline(view))
    body.extend(_how_it_was_reached(view))
    body.extend(_trend(view))
    body.extend(_highlights(view))
    body.extend(_not_counted(view))
    if view.insight_line:
        body.append(verbatim(view.insight_line, subtle=True))
    body.append(verbatim(message(view.language, "scorecard.footer"), subtle=True, size="small"))
    return adaptive_card(body)


def _headline(view: ScorecardView) -> list[Element]:
    card, language = view.scorecard, view.language
    if card.deals_won == 0 and card.deals_lost == 0:
        return [verbatim(message(language, "scorecard.no_deals"))]
    return [
        _facts(
            view,
            [
                ("scorecard.won_revenue", format_money(language, card.won_revenue, card.currency)),
                ("scorecard.deals_won", format_number(language, card.deals_won)),
                ("scorecard.deals_lost", format_number(language, card.deals_lost)),
                ("scorecard.win_rate", view.percent(card.win_rate)),
                ("scorecard.median_cycle_days", view.days(card.median_cycle_days)),
            ],
        )
    ]


def _how_it_was_reached(view: ScorecardView) -> list[Element]:
    card, language = view.scorecard, view.language
    figures = _facts(
        view,
        [
            ("scorecard.collaboration_coverage", view.percent(card.collaboration_coverage)),
            ("scorecard.answer_rate", view.percent(card.answer_rate)),
        ],
    )
    figures["separator"] = True
    items = [figures, verbatim(message(language, "scorecard.coverage_hint"), subtle=True, size="small")]
    if card.teams:
        model = message(language, f"scorecard.model.{card.attribution}")
        heading = (
            f"{message(language, 'scorecard.teams')} · {message(language, 'scorecard.attributed_revenue', model=model)}"
        )
        items.append(_heading(heading))
        facts = [{"title": view.team_label(t.team), "value": _team_figures(view, t)} for t in card.teams]
        if card.unattributed_revenue and view.team is None:  # so that the shares visibly add up
            no_team = message(language, "scorecard.chart.unattributed")
            facts.append({"title": no_team, "value": format_money(language, card.unattributed_revenue, card.currency)})
        items.append({"type": "FactSet", "facts": facts})
    return items


def _team_figures(view: ScorecardView, team: TeamScore) -> str:
    language, currency = view.language, view.scorecard.currency
    if team.hidden:
        return message(language, "scorecard.team_hidden", min_group_size=view.min_group_size)
    return message(
        language,
        "scorecard.team_line",
        attributed=view.money(team.attributed_revenue, currency),
        influenced=view.money(team.influenced_revenue, currency),
        answers=format_number(language, team.answers or 0),
    )


def _trend(view: ScorecardView) -> list[Element]:
    card, language = view.scorecard, view.language
    if not card.trend:
        return []
    win_rate = message(language, "scorecard.win_rate")
    facts = []
    for point in card.trend:
        won = format_money(language, point.won_revenue, card.currency)
        name = period_name(Period.parse(point.period), language)
        facts.append({"title": name, "value": f"{won} · {win_rate} {view.percent(point.win_rate)}"})
    return [_heading(message(language, "scorecard.trend")), {"type": "FactSet", "facts": facts}]


def _highlights(view: ScorecardView) -> list[Element]:
    card, language = view.scorecard, view.language
    if not card.highlights:
        return []
    items = [_heading(message(language, "scorecard.highlights"))]
    for quote in card.highlights:
        text = message(
            language, "scorecard.highlight", text=quote.text, team=view.team_label(quote.team), deal=quote.deal
        )
        items.append({"type": "Container", "style": "emphasis", "items": [verbatim(text)]})
    return items


def _not_counted(view: ScorecardView) -> list[Element]:
    missing = [entry for entry in view.scorecard.not_counted if entry.reason == "no_fx_rate"]
    if not missing:
        return []
    currencies = ", ".join(sorted({entry.currency for entry in missing}))
    text = message(view.language, "scorecard.fx_excluded", count=len(missing), currencies=currencies)
    return [verbatim(text, subtle=True)]


def _facts(view: ScorecardView, figures: list[tuple[str, str]]) -> Element:
    return {"type": "FactSet", "facts": [{"title": message(view.language, key), "value": v} for key, v in figures]}


def _heading(text: str) -> Element:
    block = verbatim(text, weight="bolder")
    block["separator"] = True
    block["spacing"] = "medium"
    return block
