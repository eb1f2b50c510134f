"""A scorecard as a chat platform receives it (the port it goes through is `bot.ports.ScorecardChannel`).

The core decides the figures, the language and whether a chart goes with them; a platform only
lays them out (Block Kit, Adaptive Cards) and delivers them. Nothing here is platform-specific.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from bot.organisation import Organisation
from bot.periods import Period, PeriodKind
from bot.scoring.query import is_so_far
from bot.scoring.scorecard import Scorecard
from prompts import format_money, format_number, format_percent, message, resolve_language, team_label


@dataclass(frozen=True)
class ScorecardView:
    scorecard: Scorecard
    language: str
    so_far: bool
    """The period is still running: its figures will grow."""
    min_group_size: int
    team_labels: Mapping[str, str] = field(default_factory=dict)
    team: str | None = None
    """The one team asked about (`/scores team NAME`), or None for every team."""
    post_key: str | None = None
    """Identifies one post across retries (platforms may attach it to the message as metadata)."""
    insight_line: str | None = None
    """The weekly post's line about a kind of help that has grown this month (`bot.insights.growth`)."""

    def team_label(self, name: str) -> str:
        return self.team_labels.get(name, name)

    def money(self, amount: Decimal | None, currency: str) -> str:
        """A figure in the reader's style; a missing one (a hidden team's) as the catalogue's dash."""
        return self._missing() if amount is None else format_money(self.language, amount, currency)

    def percent(self, ratio: float | None) -> str:
        return self._missing() if ratio is None else format_percent(self.language, ratio)

    def days(self, days: float | None) -> str:
        if days is None:
            return self._missing()
        return format_number(self.language, days, 0 if float(days).is_integer() else 1)

    def _missing(self) -> str:
        return message(self.language, "scorecard.no_value")


def scorecard_view(
    scorecard: Scorecard,
    org: Organisation,
    language: str | None,
    now: datetime,
    *,
    team: str | None = None,
    post_key: str | None = None,
) -> ScorecardView:
    words = resolve_language(language or org.language)
    return ScorecardView(
        scorecard=scorecard,
        language=words,
        so_far=is_so_far(Period.parse(scorecard.period), now, org.zone),
        min_group_size=org.min_group_size,
        team_labels={entry.name: team_heading(words, entry.name, entry.label) for entry in org.teams},
        team=team,
        post_key=post_key,
    )


@dataclass(frozen=True)
class ChartImage:
    png: bytes
    title: str
    filename: str


def team_heading(language: str, name: str, label: str | None) -> str:
    """A team's name as a heading: "marketing" in a sentence, "Marketing" in a list or a legend."""
    words = team_label(language, name, label)
    return words[:1].upper() + words[1:]


def period_name(period: Period, language: str) -> str:
    """The period as people say it, in their language: Week 48, 2026 · viikko 48/2026 · Q4 2026."""
    if period.kind is PeriodKind.WEEK:
        return message(language, "scorecard.period.week", week=period.number, year=period.year)
    if period.kind is PeriodKind.MONTH:
        return message(language, "scorecard.period.month", month=period.number, year=period.year)
    return message(language, "scorecard.period.quarter", quarter=period.number, year=period.year)


def scorecard_title(view: ScorecardView) -> str:
    language = view.language
    name = period_name(Period.parse(view.scorecard.period), language)
    if view.team is not None:
        title = message(language, "scorecard.title_team", period=name, team=view.team_label(view.team))
    else:
        title = message(language, "scorecard.title", period=name)
    return f"{title} {message(language, 'scorecard.so_far')}" if view.so_far else title


def scorecard_summary(view: ScorecardView) -> str:
    """The notification line: the title and the headline figure."""
    card, language = view.scorecard, view.language
    won = format_money(language, card.won_revenue, card.currency)
    return f"{scorecard_title(view)}: {message(language, 'scorecard.won_revenue')} {won}"
