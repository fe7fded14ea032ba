"""Which days are working days: chinese-calendar, then the repo's holiday file, then Mon–Fri.

chinese-calendar only knows the years up to its release; for later years the State Council's
arrangement is kept in `feedback/holidays.yaml` (validated here). A year known to neither is
counted Monday to Friday. Both fallbacks log a warning, once per year and process.
"""

from __future__ import annotations

import logging
import threading
from datetime import date
from pathlib import Path
from typing import Any

import chinese_calendar
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

log = logging.getLogger("govassist.deadlines")
HOLIDAY_FILE = Path(__file__).with_name("holidays.yaml")


class HolidayYear(BaseModel):
    """One year's days off and make-up working days (调休)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provisional: bool = False  # statutory days only: the State Council's arrangement is not in yet
    source: str = Field(min_length=2)
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    @model_validator(mode="after")
    def _consistent(self) -> HolidayYear:
        both = self.holidays & self.workdays
        if both:
            raise ValueError(f"both a holiday and a working day: {sorted(both)[0]}")
        weekdays = sorted(d for d in self.workdays if d.weekday() < 5)
        if weekdays:
            raise ValueError(f"a make-up working day must be a Saturday or Sunday: {weekdays[0]}")
        return self


class HolidayFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    years: dict[int, HolidayYear]

    @model_validator(mode="after")
    def _dates_in_their_year(self) -> HolidayFile:
        for year, days in self.years.items():
            stray = sorted(d for d in days.holidays | days.workdays if d.year != year)
            if stray:
                raise ValueError(f"year {year} lists a day of another year: {stray[0]}")
        return self


class WorkingCalendar:
    """is_working_day() over chinese-calendar and the holiday file; thread-safe."""

    def __init__(self, years: dict[int, HolidayYear] | None = None) -> None:
        self.years = years or {}
        self._warned: set[int] = set()
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path = HOLIDAY_FILE) -> WorkingCalendar:
        """Read and validate a holiday file; ValueError naming the file and the field."""
        try:
            raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, yaml.YAMLError) as exc:  # ValueError: a date like 2027-13-01
            raise ValueError(f"{path}: cannot read the holiday file: {exc}") from exc
        try:
            return cls(HolidayFile.model_validate(raw).years)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ValueError(f"{path}: {where}: {first['msg']}") from exc

    def is_working_day(self, day: date) -> bool:
        """True on working days, including make-up Saturdays/Sundays (调休)."""
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            pass
        year = self.years.get(day.year)
        if year is None:
            self._warn(day.year, "deadlines.calendar.missing", "counting Monday to Friday")
            return day.weekday() < 5
        if year.provisional:
            self._warn(day.year, "deadlines.calendar.provisional", year.source)
        if day in year.workdays:
            return True
        return day not in year.holidays and day.weekday() < 5

    def _warn(self, year: int, event: str, detail: str) -> None:
        with self._lock:
            if year in self._warned:
                return
            self._warned.add(year)
        log.warning(event, extra={"ctx_year": year, "ctx_detail": detail})
