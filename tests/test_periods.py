"""Periods: the labels people type, the days they cover, and which day an instant is."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.periods import Period, PeriodKind, check_supported_day, current_period, iso_weeks_in, local_date

HELSINKI = ZoneInfo("Europe/Helsinki")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("text", "label", "first", "last"),
    [
        ("2026-W48", "2026-W48", date(2026, 11, 23), date(2026, 11, 29)),
        ("2026-w48", "2026-W48", date(2026, 11, 23), date(2026, 11, 29)),
        (" 2026W48 ", "2026-W48", date(2026, 11, 23), date(2026, 11, 29)),
        ("2026-W1", "2026-W01", date(2025, 12, 29), date(2026, 1, 4)),
        ("2026-W53", "2026-W53", date(2026, 12, 28), date(2027, 1, 3)),
        ("2020-W53", "2020-W53", date(2020, 12, 28), date(2021, 1, 3)),
        ("2026-11", "2026-11", date(2026, 11, 1), date(2026, 11, 30)),
        ("2024-2", "2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2026-12", "2026-12", date(2026, 12, 1), date(2026, 12, 31)),
        ("2026-Q4", "2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026-q1", "2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026Q2", "2026-Q2", date(2026, 4, 1), date(2026, 6, 30)),
    ],
)
def test_parse_reads_weeks_months_and_quarters(text: str, label: str, first: date, last: date) -> None:
    period = Period.parse(text)
    assert (period.label, str(period), period.first, period.last) == (label, label, first, last)
    assert Period.parse(period.label) == period


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2025-W53", "2025 has only 52 ISO weeks"),
        ("2027-W53", "2027 has only 52 ISO weeks"),
        ("2026-W54", "2026 has 53 ISO weeks"),
        ("2026-W00", "W01–W53"),
        ("2026-13", "the month must be 01–12"),
        ("2026-00", "the month must be 01–12"),
        ("2026-Q5", "the quarter must be Q1–Q4"),
        ("2026-Q0", "the quarter must be Q1–Q4"),
        ("0000-01", "0000-01 is outside the supported calendar: periods from 1900 to 9998"),
        ("1899-Q4", "outside the supported calendar"),
        ("9999-01", "outside the supported calendar"),
        ("9999-W52", "outside the supported calendar"),
        ("last", "'last' is not a period: use YYYY-Www"),
        ("", "is not a period"),
        ("26-W48", "is not a period"),
        ("2026-W48x", "is not a period"),
        ("2026-11-24", "is not a period"),
        ("2026-H2", "is not a period"),
    ],
)
def test_parse_refuses_bad_input_with_a_message_that_says_why(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Period.parse(text)


def test_long_iso_years_are_the_ones_whose_28_december_is_in_week_53() -> None:
    assert [year for year in range(2015, 2033) if iso_weeks_in(year) == 53] == [2015, 2020, 2026, 2032]


@pytest.mark.parametrize(
    ("day", "kind", "label"),
    [
        (date(2026, 11, 24), PeriodKind.WEEK, "2026-W48"),
        (date(2026, 12, 31), PeriodKind.WEEK, "2026-W53"),
        (date(2027, 1, 3), PeriodKind.WEEK, "2026-W53"),
        (date(2024, 12, 30), PeriodKind.WEEK, "2025-W01"),
        (date(2026, 11, 24), PeriodKind.MONTH, "2026-11"),
        (date(2026, 3, 31), PeriodKind.QUARTER, "2026-Q1"),
        (date(2026, 4, 1), PeriodKind.QUARTER, "2026-Q2"),
        (date(2026, 12, 31), PeriodKind.QUARTER, "2026-Q4"),
    ],
)
def test_containing_finds_the_period_of_a_day(day: date, kind: PeriodKind, label: str) -> None:
    period = Period.containing(day, kind)
    assert period.label == label
    assert day in period
    assert period.first - timedelta(days=1) not in period
    assert period.last + timedelta(days=1) not in period


@pytest.mark.parametrize(
    ("label", "previous"),
    [
        ("2026-W48", "2026-W47"),
        ("2027-W01", "2026-W53"),
        ("2026-W01", "2025-W52"),
        ("2026-01", "2025-12"),
        ("2026-Q1", "2025-Q4"),
    ],
)
def test_previous_crosses_year_boundaries(label: str, previous: str) -> None:
    assert Period.parse(label).previous().label == previous


def test_preceding_lists_the_previous_periods_oldest_first() -> None:
    assert [p.label for p in Period.parse("2027-W02").preceding(4)] == [
        "2026-W51",
        "2026-W52",
        "2026-W53",
        "2027-W01",
    ]
    assert [p.label for p in Period.parse("2026-02").preceding(3)] == ["2025-11", "2025-12", "2026-01"]
    assert [p.label for p in Period.parse("2026-Q1").preceding(4)] == [
        "2025-Q1",
        "2025-Q2",
        "2025-Q3",
        "2025-Q4",
    ]
    assert Period.parse("2026-W48").preceding(0) == []
    with pytest.raises(ValueError, match="must not be negative"):
        Period.parse("2026-W48").preceding(-1)


def test_shifting_past_the_calendar_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="outside"):
        Period(PeriodKind.WEEK, 1, 1).previous()
    with pytest.raises(ValueError, match="outside"):
        Period(PeriodKind.MONTH, 1, 1).previous()


def test_every_period_that_parses_has_a_trend_whose_labels_parse() -> None:
    for text in ("1900-W01", "1900-W03", "1900-01", "1900-03", "1900-Q1", "1900-Q4", "9998-W53", "9998-12", "9998-Q4"):
        period = Period.parse(text)
        trend = period.preceding(4)
        assert [Period.parse(p.label) for p in trend] == trend
        assert period.last <= date(9999, 1, 3)
    assert Period.parse("1900-W01").preceding(4) == []
    assert [p.label for p in Period.parse("1900-03").preceding(4)] == ["1900-01", "1900-02"]
    assert len(Period.parse("9998-Q4").preceding(4)) == 4


def test_the_supported_days_are_1900_to_9998() -> None:
    assert check_supported_day(date(1900, 1, 1)) == date(1900, 1, 1)
    assert check_supported_day(date(9998, 12, 31)) == date(9998, 12, 31)
    for day in (date(1899, 12, 31), date(9999, 1, 1), date(1, 1, 1)):
        with pytest.raises(ValueError, match="1900-01-01 to 9998-12-31"):
            check_supported_day(day)


def test_a_dst_week_still_has_seven_days() -> None:
    for label in ("2026-W43", "2026-W13", "2026-W10", "2026-W44"):
        period = Period.parse(label)
        assert (period.last - period.first).days == 6


def test_local_date_is_the_day_in_the_organisations_zone() -> None:
    monday_half_past_midnight = datetime(2026, 11, 30, 0, 30, tzinfo=HELSINKI)
    as_utc = monday_half_past_midnight.astimezone(UTC)
    assert as_utc.date() == date(2026, 11, 29)
    assert local_date(as_utc, HELSINKI) == date(2026, 11, 30)

    sunday_half_past_eleven = datetime(2026, 11, 29, 23, 30, tzinfo=NEW_YORK).astimezone(UTC)
    assert sunday_half_past_eleven.date() == date(2026, 11, 30)
    assert local_date(sunday_half_past_eleven, NEW_YORK) == date(2026, 11, 29)


def test_local_date_around_a_dst_change() -> None:
    # Helsinki leaves summer time at 04:00 on 25 October 2026: 03:00–03:59 happens twice, both Sunday.
    first_pass = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    second_pass = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert first_pass.astimezone(HELSINKI).hour == second_pass.astimezone(HELSINKI).hour == 3
    assert local_date(first_pass, HELSINKI) == local_date(second_pass, HELSINKI) == date(2026, 10, 25)
    # The first instant of Monday is 22:00 UTC after the change, not 21:00 as the week before.
    assert local_date(datetime(2026, 10, 25, 21, 59, tzinfo=UTC), HELSINKI) == date(2026, 10, 25)
    assert local_date(datetime(2026, 10, 25, 22, 0, tzinfo=UTC), HELSINKI) == date(2026, 10, 26)
    assert local_date(datetime(2026, 10, 18, 21, 0, tzinfo=UTC), HELSINKI) == date(2026, 10, 19)


def test_local_date_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="naive"):
        local_date(datetime(2026, 11, 30, 0, 30), HELSINKI)


def test_current_period_is_the_week_so_far_in_the_organisations_zone() -> None:
    now = datetime(2026, 11, 29, 22, 30, tzinfo=UTC)  # Monday 00:30 in Helsinki, still Sunday in UTC
    assert current_period(now, HELSINKI).label == "2026-W49"
    assert current_period(now, ZoneInfo("UTC")).label == "2026-W48"
    assert current_period(now, HELSINKI, PeriodKind.MONTH).label == "2026-11"
    assert current_period(datetime(2026, 12, 31, 22, 30, tzinfo=UTC), HELSINKI, PeriodKind.QUARTER).label == "2027-Q1"
