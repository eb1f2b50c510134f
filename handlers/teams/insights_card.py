"""The insights as an Adaptive Card, with the content and order of the Slack message.

Texts go in as TextRuns (shown verbatim, never as Markdown); quotes are fitted for display, the stored
answers stay whole; the card stays far inside Teams' 100 KB message limit however long the answers are.
"""

from __future__ import annotations

from bot.insights.request import InsightsSection, InsightsView
from handlers.teams.cards import Element, adaptive_card, fit, verbatim

QUOTE_TEXT = 500
"""A quote's length in chat; the REST API and the dashboard show it whole."""


def insights_card(view: InsightsView) -> Element:
    body: list[Element] = [verbatim(view.title, weight="bolder", size="large")]
    for section in view.sections:
        body.extend(_section(section))
    body.append(verbatim(view.footer, subtle=True, size="small"))
    return adaptive_card(body)


def _section(section: InsightsSection) -> list[Element]:
    heading = verbatim(section.heading, weight="bolder")
    heading["separator"] = True
    items = [heading]
    for line in section.lines:
        items.append(verbatim(line.text))
        items.extend(verbatim(fit(quote, QUOTE_TEXT), subtle=True, size="small") for quote in line.quotes)
    return items
