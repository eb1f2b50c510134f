"""How long answers keep their free text: `retention: 24m` (months), `90d` (days) or `never`.

Months are calendar months, not 30-day blocks: "24m" on 31 March reaches back to 31 March two
years earlier, and from 31 May one month back is 30 April (the last day that exists).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_PATTERN = re.compile(r"^\s*(\d{1,4})\s*([md])\s*$")


@dataclass(frozen=True)
class RetentionPeriod:
    count: int
    unit: str
    """`m` for calendar months, `d` for days."""

    def cutoff(self, now: datetime) -> datetime:
        """The instant before which an answer's text is past the period."""
        if self.unit == "d":
            return now - timedelta(days=self.count)
        months = now.year * 12 + (now.month - 1) - self.count
        year, month = divmod(months, 12)
        day = min(now.day, calendar.monthrange(year, month + 1)[1])
        return now.replace(year=year, month=month + 1, day=day)


def parse_retention(value: str) -> RetentionPeriod | None:
    """`24m`, `90d`; `never` (keep the text for good) is None."""
    if value.strip().lower() == "never":
        return None
    match = _PATTERN.match(value.lower())
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f'{value!r} is not a retention period such as "24m" (months), "90d" (days) or "never"')
    return RetentionPeriod(int(match.group(1)), match.group(2))
