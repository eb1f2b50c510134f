"""When an ask may reach a member: their working hours in their own time zone, and their week.

People are asked inside `ask_hours` on working days, in the member's own zone (a Helsinki member
is not woken at 3 a.m. because the organisation sits in New York), never on the organisation's
holidays or during their own time off. `ask_hours: always` means any hour of any day, but time off
is still respected: a person on leave is not pinged whatever the setting.

Local wall-clock times are turned into instants through zoneinfo on every day separately, so a
window keeps meaning "09:00 local" across daylight saving changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.organisation import AskHours, TimeOff

SEARCH_DAYS = 800
WORKING_DAYS = range(5)  # Monday to Friday


@dataclass(frozen=True)
class AskCalendar:
    """One member's calendar for asks."""

    zone: ZoneInfo
    window: AskHours
    holidays: frozenset[date] = frozenset()
    time_off: tuple[TimeOff, ...] = ()

    def is_open(self, instant: datetime) -> bool:
        return self.next_open(instant) == instant

    def next_open(self, instant: datetime) -> datetime:
        """The earliest instant at or after `instant` when the member may be asked."""
        first_day = instant.astimezone(self.zone).date()
        for offset in range(SEARCH_DAYS):
            day = first_day + timedelta(days=offset)
            if not self._asks_allowed_on(day):
                continue
            opens, closes = self._day_window(day)
            if instant < closes:
                return max(instant, opens)
        return instant + timedelta(days=SEARCH_DAYS)

    def week_start(self, instant: datetime) -> datetime:
        """Monday 00:00 of the member's week containing `instant`, as an instant."""
        day = instant.astimezone(self.zone).date()
        return _local(day - timedelta(days=day.weekday()), time(0), self.zone)

    def next_week(self, instant: datetime) -> datetime:
        return _local(self.week_start(instant).astimezone(self.zone).date() + timedelta(days=7), time(0), self.zone)

    def _asks_allowed_on(self, day: date) -> bool:
        if any(off.start <= day <= off.end for off in self.time_off):
            return False
        if self.window.always:
            return True
        return day.weekday() in WORKING_DAYS and day not in self.holidays

    def _day_window(self, day: date) -> tuple[datetime, datetime]:
        if self.window.start is None or self.window.end is None:
            return _local(day, time(0), self.zone), _local(day + timedelta(days=1), time(0), self.zone)
        return _local(day, self.window.start, self.zone), _local(day, self.window.end, self.zone)


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant a local wall-clock time names (the first one when a fall-back repeats it)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def calendar(
    zone: ZoneInfo, window: AskHours, holidays: Iterable[date] = (), time_off: Iterable[TimeOff] = ()
) -> AskCalendar:
    return AskCalendar(zone=zone, window=window, holidays=frozenset(holidays), time_off=tuple(time_off))
