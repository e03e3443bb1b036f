"""Golden tests: the 2026 State Council holiday schedule, written out by hand."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest

from core import calendar as cal_module
from core.calendar import WorkingCalendar
from core.config import parse_config

# 国务院办公厅 2026 年部分节假日安排 (published November 2025)
HOLIDAYS_2026 = {
    "New Year's Day 元旦": ("2026-01-01", "2026-01-03"),
    "Spring Festival 春节": ("2026-02-15", "2026-02-23"),
    "Tomb-sweeping Day 清明节": ("2026-04-04", "2026-04-06"),
    "Labour Day 劳动节": ("2026-05-01", "2026-05-05"),
    "Dragon Boat Festival 端午节": ("2026-06-19", "2026-06-21"),
    "Mid-autumn Festival 中秋节": ("2026-09-25", "2026-09-27"),
    "National Day 国庆节": ("2026-10-01", "2026-10-07"),
}
ADJUSTED_WORKDAYS_2026 = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09",
                          "2026-09-20", "2026-10-10"]


def _days(first: str, last: str) -> list[date]:
    d, end = date.fromisoformat(first), date.fromisoformat(last)
    out = []
    while d <= end:
        out.append(d)
        d += timedelta(days=1)
    return out


ALL_HOLIDAYS = [d for span in HOLIDAYS_2026.values() for d in _days(*span)]


@pytest.mark.parametrize("day", ALL_HOLIDAYS, ids=str)
def test_every_2026_holiday_is_off(day: date) -> None:
    info = WorkingCalendar().info(day)
    assert not info.working
    assert info.kind == "holiday"


@pytest.mark.parametrize("day", ADJUSTED_WORKDAYS_2026)
def test_every_2026_adjusted_weekend_is_a_workday(day: str) -> None:
    info = WorkingCalendar().info(date.fromisoformat(day))
    assert info.working
    assert info.kind == "adjusted_workday"
    assert "调休" in info.reason


def test_2026_has_no_other_exceptions() -> None:
    """Every other day of 2026 follows Monday–Friday: the golden lists are complete."""
    cal = WorkingCalendar()
    special = set(ALL_HOLIDAYS) | {date.fromisoformat(d) for d in ADJUSTED_WORKDAYS_2026}
    for day in _days("2026-01-01", "2026-12-31"):
        if day not in special:
            assert cal.is_working(day) == (day.weekday() < 5), day


@pytest.mark.parametrize(("holiday", "span"), HOLIDAYS_2026.items())
def test_one_working_day_across_each_holiday(holiday: str, span: tuple[str, str]) -> None:
    """The day before a holiday + 1 working day lands on the first working day after it."""
    first, last = (date.fromisoformat(d) for d in span)
    cal = WorkingCalendar()
    eve = first - timedelta(days=1)
    expected = last + timedelta(days=1)
    while not (expected.weekday() < 5 or expected.isoformat() in ADJUSTED_WORKDAYS_2026):
        expected += timedelta(days=1)
    assert cal.add_working_days(eve, 1) == expected


def test_unknown_year_falls_back_to_weekdays_and_warns_once(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cal_module, "_WARNED_YEARS", set())
    cal = WorkingCalendar()
    with caplog.at_level(logging.WARNING, logger="propdesk.calendar"):
        assert cal.add_working_days(date(2031, 1, 3), 1) == date(2031, 1, 6)  # Fri → Mon
        assert cal.is_working(date(2031, 5, 1))  # a Thursday: no source knows it is a holiday
        assert not cal.is_working(date(2031, 5, 3))
        cal.month(2031, 10)
        WorkingCalendar().info(date(2031, 2, 2))
    warnings = [r for r in caplog.records if "2031" in r.getMessage()]
    assert len(warnings) == 1
    assert cal.fallback_years == {2031}


def test_site_override_changes_an_unknown_year_and_a_known_one() -> None:
    config = parse_config({"calendar": {
        "holidays": [{"date": "2031-05-01", "name": "劳动节"}, "2026-10-09"],
        "workdays": [{"date": "2031-04-27", "name": "调休"}]}})
    cal = config.working_calendar
    assert not cal.is_working(date(2031, 5, 1))
    assert cal.is_working(date(2031, 4, 27))  # a Sunday made a workday
    assert cal.info(date(2031, 5, 1)).reason == "site holiday: 劳动节"
    assert not cal.is_working(date(2026, 10, 9))  # a typhoon day off on top of the official list
    assert cal.add_working_days(date(2026, 9, 30), 2) == date(2026, 10, 10)


def test_clashing_override_is_refused() -> None:
    from core.errors import ConfigError

    with pytest.raises(ConfigError, match="calendar"):
        parse_config({"calendar": {"holidays": ["2026-10-10"], "workdays": ["2026-10-10"]}})


def test_month_listing_explains_each_day() -> None:
    days = WorkingCalendar().month(2026, 10)
    assert len(days) == 31
    assert days[0].reason.startswith("holiday: 国庆节")
    assert days[9].kind == "adjusted_workday"
    assert days[10].kind == "weekend"
