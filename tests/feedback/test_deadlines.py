"""Working-day deadlines respect Chinese public holidays and make-up working days."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from feedback.deadlines import add_working_days, due_for, is_working_day, working_days_left
from feedback.holidays import WorkingCalendar
from feedback.schemas import Kind


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 10, 1), False),
        (date(2026, 10, 7), False),
        (date(2026, 10, 10), True),  # National Day, make-up Sat
        (date(2026, 2, 17), False),
        (date(2026, 2, 14), True),  # Spring Festival 2026, make-up Saturday
        (date(2026, 11, 25), True),
        (date(2026, 11, 28), False),
    ],
)
def test_calendar(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_national_day_is_skipped_and_makeup_saturday_counts() -> None:
    received = datetime(2026, 9, 29, 3, 0, tzinfo=UTC)  # Tuesday 11:00 in 示例市
    due = add_working_days(received, 5)
    assert due.date() == date(2026, 10, 12)  # 9/30, 10/8, 10/9, 10/10 (make-up Sat), 10/12
    assert (due.hour, due.minute) == (17, 30) and due.utcoffset().total_seconds() == 8 * 3600  # type: ignore[union-attr]


def test_receipt_in_the_local_evening_counts_from_the_local_date() -> None:
    # 20:00 UTC on 30 Sep is 04:00 on 1 Oct in 示例市 (a holiday): the first working day is 8 Oct
    assert add_working_days(datetime(2026, 9, 30, 20, 0, tzinfo=UTC), 1).date() == date(2026, 10, 8)


def test_outside_the_calendar_years_weekdays_are_working_days() -> None:
    assert add_working_days(datetime(2030, 1, 4, 2, 0, tzinfo=UTC), 1).date() == date(2030, 1, 7)


def test_due_per_kind_and_overrides() -> None:
    start = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday
    assert due_for(Kind.REPORT, start) == datetime(
        2026, 11, 24, 9, 30, tzinfo=UTC
    )  # 17:30 in 示例市
    assert due_for(Kind.SUGGESTION, start).date() == date(2026, 12, 14)
    assert due_for(Kind.COMPLAINT, start, {Kind.COMPLAINT: 2}).date() == date(2026, 11, 25)


def test_working_days_left() -> None:
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    assert working_days_left(now, datetime(2026, 11, 24, 9, 30, tzinfo=UTC)) == 1
    assert (
        working_days_left(now, datetime(2026, 11, 20, 9, 30, tzinfo=UTC)) == -1
    )  # Friday before: overdue


# --- years chinese-calendar does not know (it stops at 2026) ----------------------------------
def test_a_2027_holiday_from_the_holiday_file_is_not_a_working_day(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calendar = WorkingCalendar.load()  # the shipped feedback/holidays.yaml, validated
    with caplog.at_level(logging.WARNING, logger="govassist.deadlines"):
        assert calendar.is_working_day(date(2027, 2, 8)) is False  # Monday, 春节 正月初三
        assert calendar.is_working_day(date(2027, 2, 9)) is True
        assert calendar.is_working_day(date(2027, 2, 10)) is True
    assert [r.msg for r in caplog.records] == ["deadlines.calendar.provisional"]  # once a year
    received = datetime(2027, 2, 4, 2, 0, tzinfo=UTC)  # Thursday 10:00 before the festival
    due = add_working_days(received, 1, calendar)
    assert due.date() == date(2027, 2, 9)  # Friday 5 Feb to Monday 8 Feb are days off
    assert due_for(Kind.REPORT, received).date() == date(2027, 2, 9)  # the default calendar


def test_make_up_working_days_in_the_file_count(tmp_path: Path) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text(
        "years:\n  2027:\n    source: 国务院办公厅通知\n"
        "    holidays: [2027-10-04, 2027-10-05]\n    workdays: [2027-10-09]\n",
        encoding="utf-8",
    )
    calendar = WorkingCalendar.load(path)
    assert not calendar.is_working_day(date(2027, 10, 4))
    assert calendar.is_working_day(date(2027, 10, 9))  # Saturday, 调休
    assert not calendar.is_working_day(date(2027, 10, 10))


def test_a_year_in_neither_calendar_is_monday_to_friday_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calendar = WorkingCalendar({})
    with caplog.at_level(logging.WARNING, logger="govassist.deadlines"):
        week = [calendar.is_working_day(date(2027, 2, 8) + timedelta(days=n)) for n in range(7)]
    assert week == [True] * 5 + [False] * 2
    assert [r.msg for r in caplog.records] == ["deadlines.calendar.missing"]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("years:\n  2027:\n    source: x\n", "source"),  # too short to name a notice
        ("years:\n  2027:\n    source: 通知\n    holidays: [2028-01-01]\n", "2027"),
        ("years:\n  2027:\n    source: 通知\n    holidays: [2027-13-01]\n", "month"),
        ("years:\n  2027:\n    source: 通知\n    workdays: [2027-10-08]\n", "Saturday"),
        (
            "years:\n  2027:\n    source: 通知\n    holidays: [2027-10-09]\n"
            "    workdays: [2027-10-09]\n",
            "both",
        ),
        ("years:\n  2027:\n    source: 通知\n    holiday: [2027-10-01]\n", "holiday"),
        ("years: [\n", "cannot read"),
    ],
)
def test_a_broken_holiday_file_is_refused_with_file_and_field(
    tmp_path: Path, body: str, where: str
) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=str(path)) as error:
        WorkingCalendar.load(path)
    assert where in str(error.value)
