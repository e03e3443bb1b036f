"""The working-day calendar: Chinese statutory holidays, adjusted workdays (调休), site overrides.

Sources, in order: the site's `[calendar]` lists, then the `chinesecalendar` package for
the years it knows, then Monday–Friday for any other year (warned once per year).
"""

from __future__ import annotations

import calendar as _stdcal
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

log = logging.getLogger("propdesk.calendar")

_WARNED_YEARS: set[int] = set()


@dataclass(frozen=True)
class DayInfo:
    """One calendar day and why it is (not) a working day."""

    day: date
    working: bool
    reason: str
    source: str  # "site", "official", "weekday-fallback", "weekday"

    @property
    def kind(self) -> str:
        weekend = self.day.weekday() >= 5
        if self.working:
            return "adjusted_workday" if weekend else "workday"
        return "holiday" if "holiday" in self.reason else "weekend"


def _holiday_zh(name: str) -> str:
    for holiday in chinese_calendar.Holiday:
        if holiday.value == name:
            return f"{holiday.chinese} {name}"
    return name


class WorkingCalendar:
    """Answers "is this a working day, and why" for any date; pure and cached."""

    def __init__(
        self,
        holidays: Mapping[date, str] | Iterable[date] = (),
        workdays: Mapping[date, str] | Iterable[date] = (),
    ) -> None:
        self.site_holidays = _as_mapping(holidays, "site holiday")
        self.site_workdays = _as_mapping(workdays, "site workday")
        clash = set(self.site_holidays) & set(self.site_workdays)
        if clash:
            from core.errors import ConfigError

            day = min(clash).isoformat()
            raise ConfigError("calendar", f"{day} is listed both as holiday and workday")
        self._cache: dict[date, bool] = {}
        self.fallback_years: set[int] = set()

    def info(self, day: date) -> DayInfo:
        if day in self.site_holidays:
            return DayInfo(day, False, f"site holiday: {self.site_holidays[day]}", "site")
        if day in self.site_workdays:
            return DayInfo(day, True, f"site workday: {self.site_workdays[day]}", "site")
        weekend = day.weekday() >= 5
        try:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            self._warn(day.year)
            reason = "weekend" if weekend else "weekday"
            return DayInfo(day, not weekend, f"{reason} (no official calendar for {day.year}: "
                           "Monday–Friday assumed)", "weekday-fallback")
        if on_holiday and name:
            return DayInfo(day, False, f"holiday: {_holiday_zh(name)}", "official")
        if not on_holiday and weekend:
            return DayInfo(day, True, f"adjusted workday 调休 ({_holiday_zh(name or '')})",
                           "official")
        return DayInfo(day, not weekend, "weekend" if weekend else "weekday", "weekday")

    def is_working(self, day: date) -> bool:
        cached = self._cache.get(day)
        if cached is None:
            cached = self._cache[day] = self.info(day).working
        return cached

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (start itself never counts)."""
        day = start
        counted = 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_working(day):
                counted += 1
        return day

    def next_working_day(self, day: date) -> date:
        """`day` itself if it is a working day, else the next one."""
        while not self.is_working(day):
            day += timedelta(days=1)
        return day

    def month(self, year: int, month: int) -> list[DayInfo]:
        days = _stdcal.monthrange(year, month)[1]
        return [self.info(date(year, month, d)) for d in range(1, days + 1)]

    def _warn(self, year: int) -> None:
        self.fallback_years.add(year)
        if year not in _WARNED_YEARS:
            _WARNED_YEARS.add(year)
            log.warning(
                "no official holiday calendar for %s: counting Monday–Friday as working days; "
                "add the published days to [calendar] in propdesk.toml", year)


def _as_mapping(days: Mapping[date, str] | Iterable[date], default: str) -> dict[date, str]:
    if isinstance(days, Mapping):
        return {d: (name or default) for d, name in days.items()}
    return {d: default for d in days}
