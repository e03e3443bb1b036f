"""Arrival profiles from history: the ticket store (read-only) or a CSV export.

`calibrate()` takes plain (received_at, channel, category, severity) records: the ticket
store's come from the core's `kit.arrival_history` (the `sim calibrate` command asks for
them), so this module never touches the database and the counting is tested without one;
a site without propdesk's store can feed a CSV from its old hotline system. The result is
a scenario TOML whose streams carry 168 hourly rates (Monday 00:00 first, site time) — the
week's shape as it really was.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol
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


@dataclass
class Profile:
    since: datetime
    until: datetime
    weeks: float
    records: int
    #: (channel, category, severity) → 168 mean arrivals per hour of week
    rates: dict[tuple[str, str, str | None], list[float]]


def calibrate(records: Iterable[Arrival], since: datetime, until: datetime,
              tz: ZoneInfo) -> Profile:
    """Mean arrivals per hour of week for each channel, category and severity."""
    if until <= since:
        raise DomainError("months", "the window is empty")
    counts: dict[tuple[str, str, str | None], list[int]] = defaultdict(lambda: [0] * 168)
    n = 0
    for r in records:
        at = r.received_at if r.received_at.tzinfo else r.received_at.replace(tzinfo=tz)
        if not since <= at < until:
            continue
        local = at.astimezone(tz)
        counts[(r.channel, r.category, r.severity)][local.weekday() * 24 + local.hour] += 1
        n += 1
    # each hour of week occurs this many times in the window (partial weeks count right)
    occurs = [0] * 168
    hour = since.astimezone(tz).replace(minute=0, second=0, microsecond=0)
    while hour < until:
        if hour >= since:
            occurs[hour.weekday() * 24 + hour.hour] += 1
        hour += timedelta(hours=1)
    rates = {key: [c / o if o else 0.0 for c, o in zip(row, occurs, strict=True)]
             for key, row in sorted(counts.items(), key=lambda kv: tuple(map(str, kv[0])))}
    return Profile(since, until, (until - since) / timedelta(weeks=1), n, rates)


def to_toml(profile: Profile, name: str = "calibrated 历史校准") -> str:
    """A scenario TOML: the calibrated streams plus a starter roster to edit."""
    lines = [
        f"# calibrated from {profile.records} tickets received {profile.since:%Y-%m-%d} – "
        f"{profile.until:%Y-%m-%d} ({profile.weeks:.1f} weeks)",
        "# per_hour: mean arrivals in each hour of the week, Monday 00:00 first (site time)",
        "", "[scenario]", f'name = "{name}"', "days = 7", "",
        "[arrivals]",
    ]
    for (channel, category, severity), rates in profile.rates.items():
        lines += ["[[arrivals.stream]]", f'channel = "{channel}"', f'category = "{category}"']
        if severity:
            lines.append(f'severity = "{severity}"')
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
