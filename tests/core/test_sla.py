"""Deadline arithmetic: the SPEC example, pauses, at-risk, and properties (Hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.calendar import WorkingCalendar
from core.sla import (
    BusinessHours,
    Duration,
    Pause,
    add_business_seconds,
    at_risk_at,
    at_risk_with_pauses,
    business_seconds,
    deadline,
)

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar()
HOURS = BusinessHours(TZ)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


def test_spec_example_major_complaint_on_national_day_eve() -> None:
    start = sh(2026, 9, 30, 15)
    assert deadline(start, Duration.parse("2h"), CAL, HOURS).due_at == sh(2026, 9, 30, 17)
    result = deadline(start, Duration.parse("3wd"), CAL, HOURS, explain=True)
    assert result.due_at == sh(2026, 10, 10, 18)
    text = "\n".join(result.steps)
    assert "skipped 2026-10-01 (Thu): holiday: 国庆节 National Day" in text
    assert "counted 2026-10-10 (Sat): adjusted workday 调休" in text


@pytest.mark.parametrize(("text", "unit", "amount"), [
    ("30m", "m", 30), ("2h", "h", 2), ("1d", "d", 1), ("3wd", "wd", 3), (" 24 h ", "h", 24)])
def test_duration_parse(text: str, unit: str, amount: int) -> None:
    d = Duration.parse(text)
    assert (d.unit, d.amount) == (unit, amount)
    assert Duration.parse(str(d)) == d


@pytest.mark.parametrize("bad", ["", "2", "h", "2x", "-1h", "1.5h", "0wd"])
def test_duration_rejects(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        Duration.parse(bad)
    if bad == "0wd":
        with pytest.raises(ValueError):
            Duration(0, "wd")


def test_received_after_close_of_business_still_counts_from_next_day() -> None:
    # Friday 2026-11-20 23:00 + 1 working day → Monday 23rd 18:00
    assert deadline(sh(2026, 11, 20, 23), Duration.parse("1wd"), CAL, HOURS).due_at == \
        sh(2026, 11, 23, 18)


def test_received_on_a_holiday() -> None:
    assert deadline(sh(2026, 10, 3, 10), Duration.parse("1wd"), CAL, HOURS).due_at == \
        sh(2026, 10, 8, 18)


def test_wall_clock_runs_through_midnight_and_holidays() -> None:
    assert deadline(sh(2026, 9, 30, 23, 45), Duration.parse("30m"), CAL, HOURS).due_at == \
        sh(2026, 10, 1, 0, 15)


def test_wall_pause_extends_by_paused_time() -> None:
    start = sh(2026, 11, 20, 9)
    pauses = [Pause(sh(2026, 11, 20, 10), sh(2026, 11, 20, 12, 30), "waiting for customer")]
    result = deadline(start, Duration.parse("24h"), CAL, HOURS, pauses, explain=True)
    assert result.due_at == sh(2026, 11, 21, 11, 30)
    assert "waiting for customer" in result.steps[-1]


def test_working_day_pause_extends_by_working_time() -> None:
    start = sh(2026, 9, 30, 15)
    pause = Pause(sh(2026, 10, 8, 9), sh(2026, 10, 8, 11))
    due = deadline(start, Duration.parse("3wd"), CAL, HOURS, [pause]).due_at
    assert due == sh(2026, 10, 12, 10, 30)  # 2 working hours after Sat 10 Oct 18:00 → Mon 10:30


def test_working_day_pause_outside_business_hours_changes_nothing() -> None:
    start = sh(2026, 11, 20, 9)
    pause = Pause(sh(2026, 11, 21, 9), sh(2026, 11, 22, 20))  # the weekend
    assert deadline(start, Duration.parse("1wd"), CAL, HOURS, [pause]).due_at == \
        sh(2026, 11, 23, 18)


def test_open_pause_marks_the_deadline_paused() -> None:
    result = deadline(sh(2026, 11, 20, 9), Duration.parse("2h"), CAL, HOURS,
                      [Pause(sh(2026, 11, 20, 10))], explain=True)
    assert result.paused
    assert "paused since" in result.steps[-1]


def test_at_risk_uses_working_time_for_working_day_clocks() -> None:
    start, due = sh(2026, 11, 20, 8, 30), sh(2026, 11, 23, 18)  # Fri → Mon: 19 working hours
    risk = at_risk_at(start, due, 0.8, Duration.parse("1wd"), CAL, HOURS)
    assert business_seconds(start, risk, CAL, HOURS) == pytest.approx(0.8 * 19 * 3600)
    assert risk == sh(2026, 11, 23, 14, 12)
    wall = at_risk_at(sh(2026, 11, 20, 10), sh(2026, 11, 20, 12), 0.8, Duration.parse("2h"),
                      CAL, HOURS)
    assert wall == sh(2026, 11, 20, 11, 36)


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        deadline(datetime(2026, 1, 1), Duration.parse("1h"), CAL, HOURS)


# ------------------------------------------------------------------ properties

moments = st.datetimes(min_value=datetime(2004, 1, 1), max_value=datetime(2032, 12, 31),
                       timezones=st.just(UTC))
durations = st.one_of(st.builds(Duration, st.integers(0, 15), st.sampled_from(["m", "h", "d"])),
                      st.builds(Duration, st.integers(1, 15), st.just("wd")))


@settings(max_examples=300, deadline=None)
@given(moments, durations)
def test_deadline_never_precedes_receipt(start: datetime, duration: Duration) -> None:
    assert deadline(start, duration, CAL, HOURS).due_at >= start


@settings(max_examples=300, deadline=None)
@given(moments, st.integers(1, 15))
def test_working_day_deadline_is_close_of_business_on_a_working_day(
        start: datetime, n: int) -> None:
    due = deadline(start, Duration(n, "wd"), CAL, HOURS).due_at
    assert due is not None
    local = due.astimezone(TZ)
    assert CAL.is_working(local.date())
    assert local.time() == time(18, 0)
    assert local.date() > start.astimezone(TZ).date()


@settings(max_examples=300, deadline=None)
@given(moments, durations, st.lists(st.tuples(st.integers(0, 20 * 24 * 60),
                                              st.integers(0, 5 * 24 * 60)), max_size=3))
def test_a_pause_never_shortens_a_deadline(start: datetime, duration: Duration,
                                           raw: list[tuple[int, int]]) -> None:
    pauses = [Pause(start + timedelta(minutes=a), start + timedelta(minutes=a + b))
              for a, b in raw]
    plain = deadline(start, duration, CAL, HOURS).due_at
    paused = deadline(start, duration, CAL, HOURS, pauses).due_at
    assert plain is not None and paused is not None
    assert paused >= plain
    if duration.working_days and duration.amount:
        assert CAL.is_working(paused.astimezone(TZ).date())


@settings(max_examples=200, deadline=None)
@given(moments, st.integers(1, 10), st.integers(1, 10))
def test_more_working_days_never_come_sooner(start: datetime, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    assert deadline(start, Duration(lo, "wd"), CAL, HOURS).due_at <= \
        deadline(start, Duration(hi, "wd"), CAL, HOURS).due_at


@settings(max_examples=200, deadline=None)
@given(moments, st.integers(0, 40 * 3600))
def test_business_time_round_trips(start: datetime, seconds: int) -> None:
    end = add_business_seconds(start, seconds, CAL, HOURS)
    assert business_seconds(start, end, CAL, HOURS) == pytest.approx(seconds, abs=1e-6)


@settings(max_examples=300, deadline=None)
@given(moments, durations.filter(lambda d: d.amount > 0),
       st.lists(st.tuples(st.integers(0, 5 * 24 * 60), st.integers(1, 3 * 24 * 60)),
                max_size=3))
def test_at_risk_never_falls_inside_a_pause(start: datetime, duration: Duration,
                                            raw: list[tuple[int, int]]) -> None:
    """Pauses one after another; the at-risk moment is outside each and before the due."""
    pauses, at = [], start
    for gap, length in raw:
        at += timedelta(minutes=gap)
        pauses.append(Pause(at, at + timedelta(minutes=length)))
        at += timedelta(minutes=length)
    risk = at_risk_with_pauses(start, duration, 0.8, CAL, HOURS, pauses)
    due = deadline(start, duration, CAL, HOURS, pauses).due_at
    assert due is not None and start <= risk <= due
    assert not any(p.start < risk < p.end for p in pauses if p.end is not None)
    if not duration.working_days:  # the same running time as an unpaused clock's 80 %
        running = (risk - start) - sum((p.end - p.start for p in pauses  # type: ignore[misc]
                                        if p.end is not None and p.end <= risk), timedelta())
        plain = at_risk_at(start, deadline(start, duration, CAL, HOURS).due_at, 0.8,
                           duration, CAL, HOURS)
        assert running == plain - start
