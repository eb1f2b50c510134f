"""An insights request from chat (`/onescore insights` in Slack, `insights` in Teams), answered once for both.

The words (`last`, a month, a quarter; this month so far when none), the refusal for words that mean
nothing and the lines to show are decided here, in the reader's language; a platform only lays the
lines out (Block Kit, an Adaptive Card) and escapes them for its markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.insights.cache import insights_for
from bot.insights.report import Example, Insights, TeamInsights, ThemeOut
from bot.periods import Period, PeriodKind, current_period
from bot.runtime import Runtime
from bot.scoring.request import PERIOD_ERRORS
from bot.scoring.view import period_name, team_heading
from prompts import format_money, format_percent, message, resolve_language

MAX_THEMES_SHOWN = 3
"""Per team in chat; the REST API and the dashboard have them all."""


@dataclass(frozen=True)
class InsightsLine:
    text: str
    quotes: list[str] = field(default_factory=list)
    """Examples as "“text” — deal", verbatim: the platform escapes and fits them for display."""


@dataclass(frozen=True)
class InsightsSection:
    heading: str
    lines: list[InsightsLine]


@dataclass(frozen=True)
class InsightsView:
    title: str
    sections: list[InsightsSection]
    footer: str
    insights: Insights

    @property
    def summary(self) -> str:
        return self.title


@dataclass(frozen=True)
class InsightsRefusal:
    key: str
    values: Mapping[str, str]


InsightsReply = InsightsView | InsightsRefusal


def parse_insights_words(text: str, now: datetime, runtime: Runtime) -> Period:
    """`last` (the month before this one), `YYYY-MM`, `YYYY-Qn` (or an ISO week); nothing: this month so far."""
    words = text.split()
    this_month = current_period(now, runtime.org.zone, PeriodKind.MONTH)
    if not words:
        return this_month
    if len(words) == 1 and words[0].lower() == "last":
        return this_month.previous()
    if len(words) == 1 and Period.looks_like(words[0]):
        return Period.parse(words[0])
    raise ValueError(text)


def answer_insights_request(
    runtime: Runtime, text: str, *, language: str, usage_key: str, **usage: str
) -> InsightsReply:
    """The reply to `text` (the words after `insights`). Reads the database and may compute for seconds:
    call it off the event loop."""
    words = text.strip()
    try:
        period = parse_insights_words(words, runtime.now(), runtime)
        insights = insights_for(runtime.engine, runtime.org, period)
    except PERIOD_ERRORS:
        return InsightsRefusal(usage_key, {"args": words, **usage})
    return insights_view(insights, runtime, language)


def insights_view(insights: Insights, runtime: Runtime, language: str | None) -> InsightsView:
    words = resolve_language(language or runtime.org.language)
    labels = {entry.name: team_heading(words, entry.name, entry.label) for entry in runtime.org.teams}
    minimum = runtime.org.min_group_size
    sections = [_team_section(words, team, labels.get(team.team, team.team), insights) for team in insights.teams]
    sections.append(_lost_section(words, insights))
    agreement = _corroboration_section(words, insights, labels)
    if agreement.lines:
        sections.append(agreement)
    period = period_name(Period.parse(insights.period), words)
    return InsightsView(
        title=message(words, "insights.title", period=period),
        sections=sections,
        footer=message(words, "insights.footer", min_group_size=minimum),
        insights=insights,
    )


def _team_section(language: str, team: TeamInsights, label: str, insights: Insights) -> InsightsSection:
    if team.hidden:
        return InsightsSection(label, [InsightsLine(message(language, "insights.team_hidden"))])
    heading = message(
        language,
        "insights.team_heading",
        team=label,
        answers=team.answers or 0,
        win_rate=_percent(language, team.win_rate),
    )
    if team.too_few_answers or not team.themes:
        return InsightsSection(heading, [InsightsLine(message(language, "insights.too_few"))])
    lines = [_theme_line(language, theme, insights.currency) for theme in team.themes[:MAX_THEMES_SHOWN]]
    return InsightsSection(heading, lines)


def _theme_line(language: str, theme: ThemeOut, currency: str) -> InsightsLine:
    text = message(
        language,
        "insights.theme",
        label=theme.label,
        answers=theme.answers,
        deals=theme.deals,
        won_revenue=format_money(language, theme.won_revenue, currency),
        win_rate=_percent(language, theme.win_rate),
    )
    return InsightsLine(text, [_quote(language, example) for example in theme.examples])


def _lost_section(language: str, insights: Insights) -> InsightsSection:
    heading = message(language, "insights.lost_heading")
    if not insights.lost_lessons:
        return InsightsSection(heading, [InsightsLine(message(language, "insights.too_few"))])
    lines = [
        InsightsLine(
            message(language, "insights.lesson", label=lesson.label, answers=lesson.answers),
            [_quote(language, example) for example in lesson.examples],
        )
        for lesson in insights.lost_lessons[:MAX_THEMES_SHOWN]
    ]
    return InsightsSection(heading, lines)


def _corroboration_section(language: str, insights: Insights, labels: Mapping[str, str]) -> InsightsSection:
    lines = [
        InsightsLine(
            message(
                language,
                "insights.corroboration",
                team=labels.get(entry.team, entry.team),
                pairs=entry.pairs,
                agreement=_percent(language, entry.agreement),
            )
        )
        for entry in insights.corroboration
        if entry.pairs
    ]
    return InsightsSection(message(language, "insights.corroboration_heading"), lines)


def _quote(language: str, example: Example) -> str:
    return message(language, "insights.example", text=example.text, deal=example.deal)


def _percent(language: str, ratio: float | None) -> str:
    return message(language, "scorecard.no_value") if ratio is None else format_percent(language, ratio)
