"""Deadlines in working days: Chinese public holidays and make-up workdays.

chinese-calendar for the years it knows, `feedback/holidays.yaml` after them, otherwise Monday to
Friday (see `feedback/holidays.py`; the fallbacks log a warning).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from feedback.holidays import WorkingCalendar
from feedback.schemas import Kind

DEFAULT_DAYS: dict[Kind, int] = {
    Kind.REPORT: 1,
    Kind.CONSULTATION: 3,
    Kind.COMPLAINT: 5,
    Kind.PRAISE: 5,
    Kind.SUGGESTION: 15,
}
END_OF_DAY = time(17, 30)
LOCAL = ZoneInfo("Asia/Shanghai")  # working days and office hours are those of the city


@cache
def default_calendar() -> WorkingCalendar:
    """The shipped holiday file, read and validated once (ValueError if it is broken)."""
    return WorkingCalendar.load()


def is_working_day(day: date, calendar: WorkingCalendar | None = None) -> bool:
    """True on working days, including make-up Saturdays/Sundays (调休)."""
    return (calendar or default_calendar()).is_working_day(day)


def add_working_days(
    start: datetime, days: int, calendar: WorkingCalendar | None = None
) -> datetime:
    """The end of the `days`-th working day after `start` (the day of receipt does not count)."""
    day = _local(start).date()
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, calendar):
            remaining -= 1
    return datetime.combine(day, END_OF_DAY, tzinfo=LOCAL)


def _local(moment: datetime) -> datetime:
    """In the city's time zone; naive values are UTC (that is how the store keeps them)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(LOCAL)


def working_days_left(now: datetime, due: datetime) -> int:
    """Working days from today until the due day (0 on the due day, negative when overdue)."""
    today, due_day = _local(now).date(), _local(due).date()
    if due_day < today:
        return -sum(
            1
            for n in range((today - due_day).days)
            if is_working_day(due_day + timedelta(days=n + 1))
        )
    return sum(
        1 for n in range((due_day - today).days) if is_working_day(today + timedelta(days=n + 1))
    )


def due_for(kind: Kind, received: datetime, overrides: dict[Kind, int] | None = None) -> datetime:
    """When a ticket of this kind must be answered (in UTC, as stored)."""
    return add_working_days(received, (overrides or {}).get(kind, DEFAULT_DAYS[kind])).astimezone(
        UTC
    )
