"""Reconciliation (核对): the custodian counts the cabinet against the register every day;
a supervisor spot-checks a sample every week. Each count is kept with its discrepancies;
days without a daily count and weeks without a spot check are reported.

A discrepancy is one of: `missing` (the register says in the cabinet; not found),
`unexpected` (found, but the register says on loan, lost or returned), `unknown` (a tag
found that is not in the register).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import kit
from core.kit import DomainError, NotFound, show
from plugins.keys.common import actor_name, audit, authorise, parse_day, text_field
from plugins.keys.models import Key, KeyCount

if TYPE_CHECKING:
    from core.kit import Desk

#: keys the count looks for: every key still the site's responsibility
COUNTED = ("in_cabinet", "on_loan", "lost")


def count(desk: Desk, present: Iterable[str], *, kind: str = "daily",
          sample: Iterable[str] | None = None, note: str | None = None,
          actor: str | None = None, at: str | datetime | None = None) -> dict[str, Any]:
    """Record a count: `present` are the tags found in the cabinet; a spot check names the
    `sample` of register entries it checked (a daily count checks the whole register)."""
    if kind not in ("daily", "spot"):
        raise DomainError("kind", "daily (the custodian) or spot (a supervisor)")
    found = _tags(present)
    picked = _tags(sample) if sample is not None else None
    if kind == "spot" and not picked:
        raise DomainError("sample", "a spot check names the register entries it checked")
    note = text_field(note, "note", required=False)
    with desk.write() as s:
        staff = authorise(s, actor, "count" if kind == "daily" else "spot_check")
        moment = kit.action_time(desk, at)  # a count is a new record: nothing before it
        register = {k.tag: k for k in s.scalars(select(Key).order_by(Key.tag))}
        if picked is not None:
            unknown = [t for t in picked if t not in register]
            if unknown:
                raise NotFound("sample", f"not in the register: {', '.join(unknown)}")
            stray = [t for t in found if t not in picked]
            if stray:
                raise DomainError("present", f"not in the sample: {', '.join(stray)}")
            checked = picked
        else:
            checked = [t for t, k in register.items() if k.status in COUNTED]
        problems = discrepancies(register, checked, found)
        row = KeyCount(kind=kind, day=moment.astimezone(desk.tz).date(), at=moment,
                       by=actor_name(staff), checked=checked, present=found,
                       discrepancies=problems, note=note)
        s.add(row)
        s.flush()
        view = count_view(row, desk)
        audit(s, at=moment, actor=actor_name(staff), action=f"count_{kind}", entity="count",
              entity_id=row.id, after={"checked": len(checked), "present": len(found),
                                       "discrepancies": problems})
    return view


def discrepancies(register: dict[str, Key], checked: list[str],
                  found: list[str]) -> list[dict[str, Any]]:
    """Compare what the register says with what is in the cabinet (pure: easy to test)."""
    present = set(found)
    out: list[dict[str, Any]] = []
    for tag in checked:
        key = register[tag]
        expected = key.status == "in_cabinet"
        if expected and tag not in present:
            out.append({"tag": tag, "problem": "missing", "register": key.status})
        elif not expected and tag in present:
            out.append({"tag": tag, "problem": "unexpected", "register": key.status})
    checked_set = set(checked)
    for tag in found:
        if tag not in register:
            out.append({"tag": tag, "problem": "unknown", "register": None})
        elif tag not in checked_set:
            out.append({"tag": tag, "problem": "unexpected",
                        "register": register[tag].status})
    return out


def _tags(values: Iterable[str] | None) -> list[str]:
    """Tags from options, lines of a scanner file or comma lists; duplicates once."""
    seen: dict[str, None] = {}
    for value in values or ():
        for part in str(value).replace("\n", ",").split(","):
            if part.strip():
                seen[part.strip()] = None
    return list(seen)


def report(desk: Desk, start: str | date, end: str | date | None = None, *,
           actor: str | None = None) -> dict[str, Any]:
    """Counts in [start, end] (site days), the days without a daily count, the ISO weeks
    without a spot check."""
    first, last = parse_day(start, "from"), parse_day(end, "to") if end else desk.now().astimezone(
        desk.tz).date()
    if last < first:
        raise DomainError("to", "the period ends before it starts")
    if (last - first).days > 366:
        raise DomainError("to", "report at most a year at a time")
    with desk.read() as s:
        authorise(s, actor, "read")
        rows = list(s.scalars(select(KeyCount).where(KeyCount.day >= first,
                                                     KeyCount.day <= last)
                              .order_by(KeyCount.at, KeyCount.id)))
        counts = [count_view(r, desk) for r in rows]
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    daily = {r.day for r in rows if r.kind == "daily"}
    spot_weeks = {r.day.isocalendar()[:2] for r in rows if r.kind == "spot"}
    weeks = sorted({d.isocalendar()[:2] for d in days})
    return {
        "from": first.isoformat(), "to": last.isoformat(), "counts": counts,
        "days_without_count": [d.isoformat() for d in days if d not in daily],
        "weeks_without_spot_check": [f"{y}-W{w:02d}" for y, w in weeks
                                     if (y, w) not in spot_weeks],
        "discrepancies": sum(len(c["discrepancies"]) for c in counts),
    }


def count_view(row: KeyCount, desk: Desk) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "day": row.day.isoformat(),
            "at": show(row.at, desk.tz), "by": row.by, "checked": len(row.checked),
            "present": len(row.present), "discrepancies": row.discrepancies,
            "note": row.note}

