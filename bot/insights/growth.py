"""The weekly card's one line about insights: a team's most common kind of help this month, when it has grown.

"Marketing's most common help this month: webinar · attendee — 12 answers, deals won 71 %". A theme
has grown when this month's answers showing it (so far) outnumber the answers of last month's
largest theme of the team that shares a label term with it: themes are found afresh each month, so
"webinar · attendee" may come back as "attendee · webinar", and that is no new kind of help (none,
when last month had no such theme). Of the teams whose top theme grew, the one that grew most is
named; hidden teams never are, and no line is better than an invented one.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from bot.insights.cache import insights_for
from bot.insights.report import Insights, TeamInsights
from bot.insights.themes import LABEL_TERMS
from bot.organisation import Organisation
from bot.periods import Period, PeriodKind
from bot.scoring.view import team_heading
from prompts import format_percent, message


def weekly_line(engine: Engine, org: Organisation, week: Period, language: str) -> str | None:
    month = Period.containing(week.last, PeriodKind.MONTH)
    now, before = insights_for(engine, org, month), insights_for(engine, org, month.previous())
    grown = [(team, growth) for team in now.teams if (growth := _growth(team, before)) is not None]
    if not grown:
        return None
    team, _growth_by = max(grown, key=lambda pair: (pair[1], pair[0].themes[0].answers))
    theme = team.themes[0]
    labels = {entry.name: entry.label for entry in org.teams}
    return message(
        language,
        "insights.weekly_line",
        team=team_heading(language, team.team, labels.get(team.team)),
        label=theme.label,
        answers=theme.answers,
        win_rate=format_percent(language, theme.win_rate) if theme.win_rate is not None else "–",
    )


def _growth(team: TeamInsights, before: Insights) -> int | None:
    """How many more answers the team's top theme has than last month's largest theme sharing a label term."""
    if team.hidden or not team.themes:
        return None
    top = team.themes[0]
    label = set(top.terms[:LABEL_TERMS])
    earlier = next((entry for entry in before.teams if entry.team == team.team), None)
    previous = 0
    if earlier is not None and not earlier.hidden:
        previous = max((theme.answers for theme in earlier.themes if label & set(theme.terms[:LABEL_TERMS])), default=0)
    return top.answers - previous if top.answers > previous else None
