"""Arrival profiles from history: the ticket store (read-only) or a CSV export.

`calibrate()` takes plain (received_at, channel, category, severity) records: the ticket
store's come from the core's `kit.arrival_history` (the `sim calibrate` command asks for
them), so this module never touches the database and the counting is tested without one;
a site without propdesk's store can feed a CSV from its old hotline system. The result is
a scenario TOML whose streams carry 168 hourly rates (Monday 00:00 first, site time) — the
week's shape as it really was.

Given the site calendar (the service's, through the kit), the days are also told apart:
ordinary workdays and weekends keep their hour-of-week shape, statutory holidays and
adjusted workdays (调休) get profiles of their own, and `forecast()` lays the coming weeks
out on the calendar — National Day week is not an ordinary week. Rates are averaged over
the part of the window that has data, with a warning when that is much shorter than asked.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from core.errors import DomainError
from core.labels import CHANNELS, SEVERITIES, builtin_categories

CATEGORIES = builtin_categories()


@dataclass(frozen=True)
class Record:
    received_at: datetime
    channel: str
    category: str
    severity: str | None = None


class Arrival(Protocol):
    """What calibration reads of a ticket: a `Record`, or the kit's `Arrival`."""

    @property
    def received_at(self) -> datetime: ...
    @property
    def channel(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def severity(self) -> str | None: ...


Key = tuple[str, str, str | None]
KINDS = ("workday", "weekend", "holiday", "adjusted_workday")
ORDINARY = ("workday", "weekend")
KIND_ZH = {"workday": "工作日", "weekend": "周末", "holiday": "法定节假日",
           "adjusted_workday": "调休上班"}


class DayCalendar(Protocol):
    """The site calendar as the service has it (`kit.load_config().working_calendar`)."""

    def info(self, day: date) -> Any: ...


@dataclass
class Profile:
    since: datetime
    until: datetime
    weeks: float
    records: int
    #: (channel, category, severity) → 168 mean arrivals per hour of week
    rates: dict[Key, list[float]]
    #: with a calendar: 168 rates from ordinary days (workdays, weekends) only
    ordinary: dict[Key, list[float]] = field(default_factory=dict)
    #: with a calendar: "holiday" / "adjusted_workday" → key → 24 rates by hour of day
    special: dict[str, dict[Key, list[float]]] = field(default_factory=dict)
    #: days of each kind in the window with data
    days: dict[str, int] = field(default_factory=dict)
    #: one line each: what the data cannot support of what was asked
    warnings: list[str] = field(default_factory=list)

    def per_day(self, kind: str) -> float:
        """Mean tickets a day on days of `kind` (all streams)."""
        if kind in self.special:
            return sum(sum(v) for v in self.special[kind].values())
        days = range(5) if kind == "workday" else range(5, 7)
        if not self.ordinary:
            return float("nan")
        return sum(sum(v[d * 24:(d + 1) * 24]) for v in self.ordinary.values()
                   for d in days) / len(days)


def calibrate(records: Iterable[Arrival], since: datetime, until: datetime,
              tz: ZoneInfo, calendar: DayCalendar | None = None) -> Profile:
    """Mean arrivals per hour of week for each channel, category and severity.

    The window starts at the day of the first record when the data starts later than
    asked (a warning says so): four weeks of tickets averaged over 26 would read as a
    quarter of the real demand. With `calendar`, also per day kind (see the module)."""
    if until <= since:
        raise DomainError("months", "the window is empty")
    kept: list[tuple[datetime, Key]] = []
    for r in records:
        at = r.received_at if r.received_at.tzinfo else r.received_at.replace(tzinfo=tz)
        if since <= at < until:
            kept.append((at.astimezone(tz), (r.channel, r.category, r.severity)))
    warnings = []
    asked = (until - since) / timedelta(weeks=1)
    if kept:
        first = min(at for at, _ in kept)
        start = max(since, datetime.combine(first.date(), time(0), tzinfo=tz))
        weeks = (until - start) / timedelta(weeks=1)
        if weeks < 0.9 * asked:
            warnings.append(f"only {weeks:.1f} weeks of tickets (from {first:%Y-%m-%d}) in "
                            f"the {asked:.1f} weeks asked: rates are averaged over the "
                            f"{weeks:.1f} weeks with data")
        since = start
    kinds: dict[date, str] = {}

    def kind(day: date) -> str:
        if day not in kinds:
            kinds[day] = calendar.info(day).kind if calendar is not None else "workday"
        return kinds[day]

    counts: dict[Key, list[int]] = defaultdict(lambda: [0] * 168)
    ordinary: dict[Key, list[int]] = defaultdict(lambda: [0] * 168)
    special: dict[str, dict[Key, list[int]]] = {k: defaultdict(lambda: [0] * 24)
                                               for k in ("holiday", "adjusted_workday")}
    for local, key in kept:
        how = local.weekday() * 24 + local.hour
        counts[key][how] += 1
        k = kind(local.date())
        if k in ORDINARY:
            ordinary[key][how] += 1
        else:
            special[k][key][local.hour] += 1
    # each hour occurs this many times in the window (partial weeks count right)
    occurs, occurs_ord = [0] * 168, [0] * 168
    occurs_sp = {k: [0] * 24 for k in special}
    days: dict[str, set[date]] = {k: set() for k in KINDS}
    hour = since.astimezone(tz).replace(minute=0, second=0, microsecond=0)
    while hour < until:
        if hour >= since:
            how = hour.weekday() * 24 + hour.hour
            occurs[how] += 1
            k = kind(hour.date())
            days[k].add(hour.date())
            if k in ORDINARY:
                occurs_ord[how] += 1
            else:
                occurs_sp[k][hour.hour] += 1
        hour += timedelta(hours=1)

    def mean(table: dict[Key, list[int]], occ: list[int]) -> dict[Key, list[float]]:
        return {key: [c / o if o else 0.0 for c, o in zip(table[key], occ, strict=True)]
                if key in table else [0.0] * len(occ) for key in sorted(counts, key=_order)}

    rates = mean(counts, occurs)
    prof = Profile(since, until, (until - since) / timedelta(weeks=1), len(kept), rates,
                   warnings=warnings)
    if calendar is not None:
        prof.ordinary = mean(ordinary, occurs_ord)
        prof.special = {k: mean(special[k], occurs_sp[k]) for k in special
                        if days[k]}
        prof.days = {k: len(v) for k, v in days.items()}
        if 0 in occurs_ord:
            warnings.append("less than a week of ordinary days: hours of the week never "
                            "seen outside holidays are forecast as 0")
    return prof


def _order(key: Key) -> tuple[str, ...]:
    return tuple(map(str, key))


def forecast(profile: Profile, start: date, days: int,
             calendar: DayCalendar) -> tuple[dict[Key, list[float]], list[str]]:
    """Hourly rates for `days` days from `start`, each day by its kind on the calendar.

    Ordinary days take their weekday's hours; holidays and 调休 days their own profile —
    or, when the history had none, a Sunday's or a mean weekday's (with a warning)."""
    if not profile.ordinary:
        raise ValueError("the profile was calibrated without a calendar")
    out: dict[Key, list[float]] = {key: [] for key in profile.ordinary}
    missing: dict[str, int] = {}
    for k in range(days):
        day = start + timedelta(days=k)
        kind = calendar.info(day).kind
        for key, week in profile.ordinary.items():
            if kind in profile.special:
                hours = profile.special[kind][key]
            elif kind == "holiday":
                hours = week[6 * 24:7 * 24]
            elif kind == "adjusted_workday":
                hours = [sum(week[d * 24 + h] for d in range(5)) / 5 for h in range(24)]
            else:
                hours = week[day.weekday() * 24:(day.weekday() + 1) * 24]
            out[key].extend(hours)
        if kind not in ORDINARY and kind not in profile.special:
            missing[kind] = missing.get(kind, 0) + 1
    warnings = [f"no {KIND_ZH[kind]} {kind} in the history: {n} such day(s) forecast as "
                + ("Sundays" if kind == "holiday" else "mean weekdays")
                for kind, n in missing.items()]
    return out, warnings


def to_toml(profile: Profile, name: str = "calibrated 历史校准",
            forecast: dict[Key, list[float]] | None = None, start: date | None = None,
            config: str | None = None) -> str:
    """A scenario TOML: the calibrated streams plus a starter roster to edit.

    With `forecast` (hourly rates from `start`, `forecast()`'s), the scenario runs those
    days; else one week with the 168-hour shape."""
    lines = [
        f"# calibrated from {profile.records} tickets received {profile.since:%Y-%m-%d} – "
        f"{profile.until:%Y-%m-%d} ({profile.weeks:.1f} weeks)",
    ]
    if profile.days:
        lines.append("# tickets a day by day kind (days seen): " + "; ".join(
            f"{KIND_ZH[k]} {k} {profile.per_day(k):.1f} ({profile.days.get(k, 0)})"
            for k in KINDS if profile.days.get(k) or k in ORDINARY))
    if forecast is not None and start is not None:
        n_days = len(next(iter(forecast.values()), [])) // 24
        lines += ["# forecast: mean arrivals per hour from the start, each day by its kind "
                  "on the site calendar (site time)",
                  "", "[scenario]", f'name = "{name}"', f"start = {start.isoformat()}",
                  f"days = {n_days}"]
    else:
        lines += ["# per_hour: mean arrivals in each hour of the week, Monday 00:00 first "
                  "(site time)", "", "[scenario]", f'name = "{name}"', "days = 7"]
    if config:
        lines.append(f"config = {_quote(config)}")
    lines += ["", "[arrivals]"]
    for (channel, category, severity), rates in profile.rates.items():
        lines += ["[[arrivals.stream]]", f'channel = "{channel}"', f'category = "{category}"']
        if severity:
            lines.append(f'severity = "{severity}"')
        if forecast is not None:
            values = ", ".join(f"{v:.4g}" for v in forecast[(channel, category, severity)])
            lines += [f"forecast = [{values}]", ""]
        else:
            values = ", ".join(f"{v:.4g}" for v in rates)
            lines += [f"per_hour = [{values}]", ""]
    lines += [
        "# a starting roster: edit it, or let `propdesk sim optimize` find the smallest",
        "[agents]",
        '[[agents.shift]]\nname = "早班 early"\nstart = "06:00"\nend = "14:00"\nstaff = 3',
        '[[agents.shift]]\nname = "中班 late"\nstart = "14:00"\nend = "22:00"\nstaff = 3',
        '[[agents.shift]]\nname = "夜班 night"\nstart = "22:00"\nend = "06:00"\nstaff = 1',
    ]
    if any(cat == "repair" for _, cat, _ in profile.rates):
        lines += ["", "[[technicians.skill]]", 'name = "综合维修 general"',
                  'shift = [{ name = "日班 day", start = "08:30", end = "17:30", staff = 3 },',
                  '         { name = "值班 on call", start = "17:30", end = "08:30", staff = 1 }]']
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def window(months: int, until: datetime | None = None) -> tuple[datetime, datetime]:
    if months < 1 or months > 120:
        raise DomainError("months", f"must be between 1 and 120, got {months}")
    end = until or datetime.now(UTC)
    return end - timedelta(days=round(months * 30.4375)), end


def records_from_csv(path: str | Path, tz: ZoneInfo) -> Iterator[Record]:
    """Rows with received_at (ISO 8601; naive = site time), channel, category[, severity]."""
    p = Path(path)
    try:
        handle = p.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise DomainError("csv", f"{p}: no such file") from None
    with handle:
        reader = csv.DictReader(handle)
        missing = {"received_at", "channel", "category"} - set(reader.fieldnames or [])
        if missing:
            raise DomainError("csv", f"{p}: missing column(s) {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            try:
                at = datetime.fromisoformat(row["received_at"].strip())
            except ValueError:
                raise DomainError("csv", f"{p} line {line}: received_at "
                                  f"{row['received_at']!r} is not ISO 8601") from None
            if at.tzinfo is None:
                at = at.replace(tzinfo=tz)
            try:
                channel = CHANNELS.parse(row["channel"])
                category = CATEGORIES.parse(row["category"])
                sev = (row.get("severity") or "").strip()
                severity = SEVERITIES.parse(sev) if sev else None
            except DomainError as exc:
                raise DomainError("csv", f"{p} line {line}: {exc}") from None
            yield Record(at, channel, category, severity)
