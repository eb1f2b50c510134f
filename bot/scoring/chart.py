"""The weekly post's chart: won revenue per week, stacked by each team's attributed share, with
collaboration coverage as a line on its own axis.

Drawn with matplotlib's object API on the Agg canvas: no pyplot, so no global figure state, no
display backend and nothing shared between threads (charts are drawn in worker threads).
matplotlib (with numpy, some 50 MB) is imported on first use: the chart is drawn once a week, and
an idle service should not carry it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from bot.organisation import Organisation
from bot.scoring.history import History
from bot.scoring.view import team_heading
from prompts import format_money, message

WIDTH_INCHES, HEIGHT_INCHES, DPI = 8.0, 4.5, 128
"""1024×576 px: within Teams' 1024×1024 limit for images, and as sharp in Slack."""
TEAM_COLOURS = ("#4C78A8", "#F58518", "#54A24B", "#B279A2", "#E45756", "#72B7B2", "#EECA3B", "#FF9DA6", "#9D755D")
OTHER_COLOUR, UNATTRIBUTED_COLOUR, COVERAGE_COLOUR = "#BAB0AC", "#DDDDDD", "#222222"


def render_chart(history: History, org: Organisation, language: str) -> bytes:
    """The chart as PNG bytes, its words in `language`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    revenue = figure.add_subplot()
    positions = list(range(len(history.weeks)))

    bottom = [0.0] * len(positions)
    for label, values, colour in _stacks(history, org, language):
        revenue.bar(positions, values, bottom=bottom, label=label, color=colour, width=0.7)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]

    revenue.set_title(message(language, "scorecard.chart.title", weeks=len(history.weeks)), loc="left")
    revenue.set_xticks(positions, [f"W{week.period.number:02d}" for week in history.weeks])
    money = FuncFormatter(lambda value, _: format_money(language, round(value), org.currency))
    revenue.yaxis.set_major_formatter(money)
    revenue.set_ylim(bottom=0)
    revenue.spines[["top"]].set_visible(False)

    coverage = revenue.twinx()
    points = [(x, week.coverage) for x, week in zip(positions, history.weeks, strict=True) if week.coverage is not None]
    coverage.plot(
        [x for x, _ in points],
        [value for _, value in points],
        color=COVERAGE_COLOUR,
        marker="o",
        linewidth=1.5,
        label=message(language, "scorecard.collaboration_coverage"),
    )
    coverage.set_ylim(0, 1.05)
    coverage.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    coverage.spines[["top"]].set_visible(False)

    handles, labels = revenue.get_legend_handles_labels()
    line_handles, line_labels = coverage.get_legend_handles_labels()
    figure.legend(handles + line_handles, labels + line_labels, loc="outside lower center", ncols=4, frameon=False)

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _stacks(history: History, org: Organisation, language: str) -> list[tuple[str, Sequence[float], str]]:
    """(label, values, colour) per bar segment: each team shown apart, then the hidden teams
    together, then revenue no team can be credited with."""
    labels = {entry.name: entry.label for entry in org.teams}
    stacks: list[tuple[str, Sequence[float], str]] = [
        (
            team_heading(language, name, labels.get(name)),
            [week.attributed_cents[name] / 100 for week in history.weeks],
            TEAM_COLOURS[index % len(TEAM_COLOURS)],
        )
        for index, name in enumerate(history.teams)
    ]
    for key, cents, colour in (
        ("scorecard.chart.other_teams", [week.hidden_cents for week in history.weeks], OTHER_COLOUR),
        ("scorecard.chart.unattributed", [week.unattributed_cents for week in history.weeks], UNATTRIBUTED_COLOUR),
    ):
        if any(cents):
            stacks.append((message(language, key), [value / 100 for value in cents], colour))
    return stacks
