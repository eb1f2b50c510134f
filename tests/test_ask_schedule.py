"""When a member may be asked: their hours in their own zone, across DST, weekends, holidays, time off."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.organisation import AskHours, TimeOff
from bot.rounds.calendar import calendar

HELSINKI = ZoneInfo("Europe/Helsinki")
NEW_YORK = ZoneInfo("America/New_York")
OFFICE = AskHours.parse("09:00-17:00")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_inside_hours_is_now_and_after_hours_is_the_next_working_morning() -> None:
    cal = calendar(HELSINKI, OFFICE)
    assert cal.next_open(utc(2026, 11, 25, 10, 0)) == utc(2026, 11, 25, 10, 0)  # Wed 12:00 in Helsinki
    assert cal.next_open(utc(2026, 11, 25, 15, 0)) == utc(2026, 11, 26, 7, 0)  # Wed 17:00 → Thu 09:00
    assert cal.next_open(utc(2026, 11, 27, 16, 0)) == utc(2026, 11, 30, 7, 0)  # Fri evening → Mon


def test_each_member_has_their_own_time_zone() -> None:
    instant = utc(2026, 11, 25, 10, 0)  # 12:00 in Helsinki, 05:00 in New York
    assert calendar(HELSINKI, OFFICE).is_open(instant)
    assert calendar(NEW_YORK, OFFICE).next_open(instant) == utc(2026, 11, 25, 14, 0)


def test_nine_local_stays_nine_local_across_daylight_saving_changes() -> None:
    cal = calendar(HELSINKI, OFFICE)
    assert cal.next_open(utc(2026, 3, 27, 16, 0)) == utc(2026, 3, 30, 6, 0)  # after spring forward: UTC+3
    assert cal.next_open(utc(2026, 10, 23, 16, 0)) == utc(2026, 10, 26, 7, 0)  # after fall back: UTC+2


def test_holidays_and_time_off_pause_asks() -> None:
    cal = calendar(
        HELSINKI,
        OFFICE,
        holidays=[date(2026, 12, 24), date(2026, 12, 25)],
        time_off=[TimeOff(start=date(2026, 12, 28), end=date(2027, 1, 6))],
    )
    assert cal.next_open(utc(2026, 12, 23, 16, 0)) == utc(2027, 1, 7, 7, 0)


def test_always_means_any_hour_but_not_during_time_off() -> None:
    cal = calendar(HELSINKI, AskHours.parse("always"), holidays=[date(2026, 11, 28)])
    saturday_night = utc(2026, 11, 28, 1, 0)
    assert cal.is_open(saturday_night)
    away = calendar(
        HELSINKI,
        AskHours.parse("always"),
        time_off=[TimeOff(start=date(2026, 11, 28), end=date(2026, 11, 29))],
    )
    assert away.next_open(saturday_night) == utc(2026, 11, 29, 22, 0)  # Monday 00:00 in Helsinki


def test_the_week_starts_on_monday_in_the_members_zone() -> None:
    cal = calendar(HELSINKI, OFFICE)
    assert cal.week_start(utc(2026, 11, 25, 10, 0)) == utc(2026, 11, 22, 22, 0)
    assert cal.next_week(utc(2026, 11, 25, 10, 0)) == utc(2026, 11, 29, 22, 0)
