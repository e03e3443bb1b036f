"""SLA deadline arithmetic: pure functions over a calendar, no database.

Wall-clock durations (minutes, hours) run 24 hours a day. Working-day durations count
whole working days after the day of receipt and end at close of business on the last
one (SPEC §3). A pause moves a deadline later by the paused time: wall-clock time for
wall-clock clocks, working time (business hours of working days) for working-day clocks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.calendar import WorkingCalendar

_ONE_DAY = timedelta(days=1)
_DURATION = re.compile(r"^\s*(\d+)\s*(m|min|h|d|wd)\s*$")
_UNITS = {"m": "m", "min": "m", "h": "h", "d": "d", "wd": "wd"}


@dataclass(frozen=True)
class Duration:
    """A deadline length: `30m`, `2h`, `1d` (24 hours) or `3wd` (working days)."""

    amount: int
    unit: str  # "m", "h", "d" (wall clock) or "wd" (working days)

    def __post_init__(self) -> None:
        if self.unit not in ("m", "h", "d", "wd") or self.amount < 0:
            raise ValueError(f"invalid duration {self.amount}{self.unit}")
        if self.unit == "wd" and self.amount < 1:
            raise ValueError("invalid duration 0wd: a working-day deadline needs at least 1 "
                             "(use minutes or hours for the same day)")

    @classmethod
    def parse(cls, text: str | Duration) -> Duration:
        if isinstance(text, Duration):
            return text
        match = _DURATION.match(str(text))
        if not match:
            raise ValueError(f"invalid duration {text!r} (use e.g. 30m, 2h, 1d, 3wd)")
        return cls(int(match.group(1)), _UNITS[match.group(2)])

    @property
    def working_days(self) -> bool:
        return self.unit == "wd"

    @property
    def wall(self) -> timedelta:
        return {"m": timedelta(minutes=self.amount), "h": timedelta(hours=self.amount),
                "d": timedelta(days=self.amount)}[self.unit]

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    def describe(self) -> str:
        names = {"m": "minutes", "h": "hours", "d": "days (24 h)", "wd": "working days"}
        return f"{self.amount} {names[self.unit]}"


@dataclass(frozen=True)
class BusinessHours:
    """The site's zone and working hours; working-day deadlines end at `close`."""

    tz: ZoneInfo
    open: time = time(8, 30)
    close: time = time(18, 0)

    def local(self, at: datetime) -> datetime:
        return at.astimezone(self.tz)

    def at(self, day: date, t: time) -> datetime:
        return datetime.combine(day, t, tzinfo=self.tz)


@dataclass(frozen=True)
class Pause:
    start: datetime
    end: datetime | None = None
    reason: str = ""


@dataclass
class Deadline:
    """A computed deadline; `steps` explains it when asked for."""

    due_at: datetime | None
    steps: list[str]
    paused: bool = False


def deadline(
    start: datetime,
    duration: Duration,
    cal: WorkingCalendar,
    hours: BusinessHours,
    pauses: Sequence[Pause] = (),
    explain: bool = False,
) -> Deadline:
    """When a clock that started at `start` with `duration` is due.

    An open pause (no end) leaves the deadline as it stood when the pause began and marks
    the result paused: the clock is stopped until it resumes.
    """
    steps: list[str] | None = [] if explain else None
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    local_start = hours.local(start)
    if duration.working_days:
        due = _working_day_deadline(local_start, duration.amount, cal, hours, steps)
    else:
        due = local_start + duration.wall
        if steps is not None:
            steps.append(f"start {_fmt(local_start)} + {duration.describe()} on the wall clock "
                         f"= {_fmt(due)}")
    closed = [p for p in pauses if p.end is not None]
    paused = any(p.end is None for p in pauses)
    for pause in closed:
        assert pause.end is not None
        if pause.end <= pause.start:
            continue
        if duration.working_days:
            worked = business_seconds(pause.start, pause.end, cal, hours)
            new_due = add_business_seconds(due, worked, cal, hours)
            what = f"{_hm(worked)} of working time"
        else:
            worked = (pause.end - pause.start).total_seconds()
            new_due = due + timedelta(seconds=worked)
            what = _hm(worked)
        if steps is not None:
            steps.append(f"paused {_fmt(hours.local(pause.start))} – {_fmt(hours.local(pause.end))}"
                         f" ({what}{': ' + pause.reason if pause.reason else ''}): "
                         f"deadline {_fmt(due)} → {_fmt(new_due)}")
        due = new_due
    if paused and steps is not None:
        open_pause = next(p for p in pauses if p.end is None)
        steps.append(f"paused since {_fmt(hours.local(open_pause.start))}"
                     f"{': ' + open_pause.reason if open_pause.reason else ''}; "
                     "the deadline moves when the clock resumes")
    return Deadline(due, steps or [], paused)


def _working_day_deadline(
    local_start: datetime, n: int, cal: WorkingCalendar, hours: BusinessHours,
    steps: list[str] | None,
) -> datetime:
    receipt = local_start.date()
    if steps is None:
        return hours.at(cal.add_working_days(receipt, n), hours.close)
    steps.append(f"received {_fmt(local_start)}; the day of receipt ({receipt}) is not counted")
    day, counted = receipt, 0
    while counted < n:
        day += timedelta(days=1)
        info = cal.info(day)
        if info.working:
            counted += 1
            steps.append(
                f"counted {day} ({_wd(day)}): {info.reason} — working day {counted} of {n}")
        else:
            steps.append(f"skipped {day} ({_wd(day)}): {info.reason}")
    due = hours.at(day, hours.close)
    steps.append(f"due at close of business on {day}: {_fmt(due)}")
    return due


def business_seconds(a: datetime, b: datetime, cal: WorkingCalendar, hours: BusinessHours) -> float:
    """Seconds between `a` and `b` that fall inside business hours of working days."""
    if b <= a:
        return 0.0
    la, lb = hours.local(a), hours.local(b)
    tz: ZoneInfo | None = hours.tz
    if la.utcoffset() == lb.utcoffset():  # no DST change inside: naive local time is exact
        la, lb, tz = la.replace(tzinfo=None), lb.replace(tzinfo=None), None
    total = 0.0
    day, last = la.date(), lb.date()
    while day <= last:
        if cal.is_working(day):
            lo = max(la, datetime.combine(day, hours.open, tzinfo=tz))
            hi = min(lb, datetime.combine(day, hours.close, tzinfo=tz))
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += _ONE_DAY
    return total


def add_business_seconds(
    at: datetime, seconds: float, cal: WorkingCalendar, hours: BusinessHours,
) -> datetime:
    """The moment `seconds` of business time after `at` (returns `at` for zero)."""
    if seconds <= 0:
        return at
    local = hours.local(at)
    cur = local.replace(tzinfo=None)
    remaining = seconds
    while True:
        day = cur.date()
        if cal.is_working(day):
            lo = max(cur, datetime.combine(day, hours.open))
            hi = datetime.combine(day, hours.close)
            if hi > lo:
                span = (hi - lo).total_seconds()
                if remaining <= span:
                    # wall time of that day in the site zone (correct across DST changes)
                    return (lo + timedelta(seconds=remaining)).replace(tzinfo=hours.tz)
                remaining -= span
        cur = datetime.combine(day + _ONE_DAY, time(0, 0))


def at_risk_at(
    start: datetime, due: datetime, ratio: float, duration: Duration,
    cal: WorkingCalendar, hours: BusinessHours,
) -> datetime:
    """When `ratio` of the clock's time is used: working time for working-day clocks."""
    if not duration.working_days:
        return start + (due - start) * ratio
    la, lb = hours.local(start), hours.local(due)
    if la.utcoffset() != lb.utcoffset():  # a DST change inside: the exact, slower way
        total = business_seconds(start, due, cal, hours)
        if total <= 0:
            return start + (due - start) * ratio
        return add_business_seconds(start, total * ratio, cal, hours)
    na, nb = la.replace(tzinfo=None), lb.replace(tzinfo=None)
    spans = []  # one pass: the working intervals between start and due
    day, last = na.date(), nb.date()
    while day <= last:
        if cal.is_working(day):
            lo = max(na, datetime.combine(day, hours.open))
            hi = min(nb, datetime.combine(day, hours.close))
            if hi > lo:
                spans.append((lo, (hi - lo).total_seconds()))
        day += _ONE_DAY
    want = sum(length for _, length in spans) * ratio
    if want <= 0:
        return start + (due - start) * ratio
    for lo, length in spans:
        if want <= length:
            return (lo + timedelta(seconds=want)).replace(tzinfo=hours.tz)
        want -= length
    return due


def at_risk_with_pauses(
    start: datetime, duration: Duration, ratio: float, cal: WorkingCalendar,
    hours: BusinessHours, pauses: Sequence[Pause] = (),
) -> datetime:
    """When `ratio` of the clock's own running time is used, its closed pauses left out.

    The moment is first taken on the unpaused clock; each pause that began before it
    moves it on by the pause's length (working time for working-day clocks), as the
    deadline moves. So after a resume the clock is at risk when the same share of its
    time is used, counted over what remained, never inside the pause; a pause that began
    after the moment leaves it where it was (the clock was at risk before it stopped).
    """
    due = deadline(start, duration, cal, hours).due_at
    assert due is not None
    risk = at_risk_at(start, due, ratio, duration, cal, hours)
    for pause in sorted((p for p in pauses if p.end is not None), key=lambda p: p.start):
        assert pause.end is not None
        if pause.start >= risk:
            break
        if pause.end <= pause.start:
            continue
        if duration.working_days:
            worked = business_seconds(pause.start, pause.end, cal, hours)
            risk = add_business_seconds(risk, worked, cal, hours)
        else:
            risk = risk + (pause.end - pause.start)
    return risk


def to_utc(at: datetime) -> datetime:
    return at.astimezone(UTC)


def _fmt(at: datetime) -> str:
    return at.isoformat(timespec="minutes")


def _wd(day: date) -> str:
    return ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[day.weekday()]


def _hm(seconds: float) -> str:
    minutes = round(seconds / 60)
    h, m = divmod(minutes, 60)
    return f"{h} h {m:02d} min" if m else f"{h} h"
