"""Scorecard periods: ISO weeks, calendar months and quarters, as labels people type and read.

A deal belongs to the period of its `closed_at`, which is already a calendar day in the
organisation's time zone, so periods are plain date ranges; the only place a clock instant meets
a period is `local_date` (and `current_period`), where the organisation's zone decides the day.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class PeriodKind(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


FIRST_YEAR = 1900
LAST_YEAR = 9998
SUPPORTED_RANGE = f"{FIRST_YEAR}-01-01 to {LAST_YEAR}-12-31"
"""The calendar OneScore records and reports on. Python's own (years 1–9999) runs out the moment a
date at its edge meets a time zone offset or a trend that looks back or forward a few periods; a
margin of a year on either side keeps every such step representable."""
FIRST_DAY = date(FIRST_YEAR, 1, 1)
LAST_DAY = date(LAST_YEAR, 12, 31)

_FORMS = "YYYY-Www (an ISO week, e.g. 2026-W48), YYYY-MM (a month, e.g. 2026-11) or YYYY-Qn (a quarter, e.g. 2026-Q4)"
_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})", re.IGNORECASE)
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_QUARTER = re.compile(r"(\d{4})-?Q(\d)", re.IGNORECASE)


def _supported_year(label: str, year: int) -> int:
    """A period someone asks for must lie in the supported calendar, so that its trend does too."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"{label} is outside the supported calendar: periods from {FIRST_YEAR} to {LAST_YEAR}")
    return year


def iso_weeks_in(year: int) -> int:
    """52 or 53: 28 December always lies in the last ISO week of its year."""
    return date(year, 12, 28).isocalendar().week


@dataclass(frozen=True)
class Period:
    """One week, month or quarter; `number` is the ISO week, the month or the quarter."""

    kind: PeriodKind
    year: int
    number: int

    def __post_init__(self) -> None:
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year {self.year:04d} is outside 0001–9999")
        if self.kind is PeriodKind.WEEK:
            weeks = iso_weeks_in(self.year)
            if not 1 <= self.number <= weeks:
                only = "only " if weeks == 52 else ""
                raise ValueError(
                    f"{self.year}-W{self.number:02d}: {self.year} has {only}{weeks} ISO weeks (W01–W{weeks})"
                )
            try:
                date.fromisocalendar(self.year, self.number, 7)
            except ValueError as exc:
                raise ValueError(f"{self.label} ends outside the supported calendar") from exc
        elif self.kind is PeriodKind.MONTH:
            if not 1 <= self.number <= 12:
                raise ValueError(f"{self.year}-{self.number:02d}: the month must be 01–12")
        elif not 1 <= self.number <= 4:
            raise ValueError(f"{self.year}-Q{self.number}: the quarter must be Q1–Q4")

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read "2026-W48", "2026-11" or "2026-Q4" (case-insensitive; surrounding spaces ignored)."""
        value = text.strip()
        for pattern, kind in (
            (_WEEK, PeriodKind.WEEK),
            (_MONTH, PeriodKind.MONTH),
            (_QUARTER, PeriodKind.QUARTER),
        ):
            match = pattern.fullmatch(value)
            if match:
                return cls(kind, _supported_year(value, int(match.group(1))), int(match.group(2)))
        raise ValueError(f"{text!r} is not a period: use {_FORMS}")

    @staticmethod
    def looks_like(text: str) -> bool:
        """Written as a period, whether or not it is a valid one ("2026-W60", "0001-Q1"), so a refusal can
        say the period is wrong rather than that the words mean nothing."""
        value = text.strip()
        return any(pattern.fullmatch(value) for pattern in (_WEEK, _MONTH, _QUARTER))

    @classmethod
    def containing(cls, day: date, kind: PeriodKind = PeriodKind.WEEK) -> Period:
        if kind is PeriodKind.WEEK:
            iso = day.isocalendar()
            return cls(kind, iso.year, iso.week)
        if kind is PeriodKind.MONTH:
            return cls(kind, day.year, day.month)
        return cls(kind, day.year, (day.month - 1) // 3 + 1)

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.WEEK:
            return f"{self.year:04d}-W{self.number:02d}"
        if self.kind is PeriodKind.MONTH:
            return f"{self.year:04d}-{self.number:02d}"
        return f"{self.year:04d}-Q{self.number}"

    @property
    def first(self) -> date:
        if self.kind is PeriodKind.WEEK:
            return date.fromisocalendar(self.year, self.number, 1)
        if self.kind is PeriodKind.MONTH:
            return date(self.year, self.number, 1)
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last(self) -> date:
        if self.kind is PeriodKind.WEEK:
            return date.fromisocalendar(self.year, self.number, 7)
        month = self.number if self.kind is PeriodKind.MONTH else 3 * self.number
        return date(self.year, month, monthrange(self.year, month)[1])

    def __str__(self) -> str:
        return self.label

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def shifted(self, steps: int) -> Period:
        """The period `steps` periods later (earlier when negative), of the same kind."""
        if self.kind is PeriodKind.WEEK:
            try:
                day = self.first + timedelta(weeks=steps)
            except OverflowError as exc:
                raise ValueError(f"{self.label} shifted by {steps} weeks is outside the supported calendar") from exc
            return Period.containing(day, self.kind)
        per_year = 12 if self.kind is PeriodKind.MONTH else 4
        index = self.year * per_year + self.number - 1 + steps
        return Period(self.kind, index // per_year, index % per_year + 1)

    def previous(self) -> Period:
        """What "last" means in `/scores last`: the period just before this one."""
        return self.shifted(-1)

    def preceding(self, count: int) -> list[Period]:
        """The `count` periods just before this one, oldest first (the order a trend is read in).

        Periods before the supported calendar are left out, so every label in a trend parses: at the
        calendar's very start a trend is shorter (no deal can lie before it).
        """
        if count < 0:
            raise ValueError("count must not be negative")
        earlier = [self.shifted(-steps) for steps in range(count, 0, -1)]
        return [period for period in earlier if period.year >= FIRST_YEAR]


def check_supported_day(day: date) -> date:
    """A date the ledger may record: one whose periods, trends and time zone conversions all exist."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{day.isoformat()} is outside the supported dates ({SUPPORTED_RANGE})")
    return day


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    """The calendar day an instant falls on in `zone`.

    A naive datetime is refused: guessing its zone is how a Sunday-night deal lands in the wrong week.
    """
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("a naive datetime has no day of its own; pass an aware datetime")
    return instant.astimezone(zone).date()


def current_period(now: datetime, zone: ZoneInfo, kind: PeriodKind = PeriodKind.WEEK) -> Period:
    """The period "so far" at `now`, as the organisation's calendar sees it."""
    return Period.containing(local_date(now, zone), kind)
