"""Working-day deadlines respect Chinese public holidays and make-up working days."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from feedback.deadlines import add_working_days, due_for, is_working_day, working_days_left
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
