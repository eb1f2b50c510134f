"""Bar charts as inline SVG: one bar per row of a table that also holds the numbers as text.

The table is the chart's text alternative (and what a screen reader reads); the bar is drawn in a
100-unit-wide box stretched to the cell, so it scales to any screen without script or inline style.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

FULL = 100.0


@dataclass(frozen=True)
class Bar:
    label: str
    value: str
    """The figure as text, in the reader's style."""
    width: float
    """0–100: the bar's length relative to the largest in the chart."""
    hidden: bool = False
    href: str | None = None


def bars(rows: Sequence[tuple[str, float | None, str, str | None]]) -> list[Bar]:
    """(label, amount or None when hidden, amount as text, link) per row; lengths relative to the largest."""
    largest = max((amount for _label, amount, _text, _href in rows if amount is not None and amount > 0), default=0.0)
    return [
        Bar(
            label=label,
            value=text,
            width=round(FULL * amount / largest, 2) if amount is not None and largest else 0.0,
            hidden=amount is None,
            href=href,
        )
        for label, amount, text, href in rows
    ]
