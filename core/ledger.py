"""Import a site's existing ledger (台账) from CSV: every row checked, then written in batches.

Columns: received_at, category, summary (required); number, channel, severity, nature,
topic, unit, location, reporter, owner, state, result, closed_at (optional). The whole
file goes in one transaction. Every bad row is reported (line and field, up to
`REPORT_LIMIT` of them) and then nothing is written. Importing the same ledger again
changes nothing: a row whose number is already a ticket, or, without a number, whose
content key (`LedgerRow`) was imported before, is skipped and counted as such.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter as Tally
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, cast, insert, literal, select, type_coerce

from core import clocks, sla
from core.actions import classify_fields, reserve
from core.errors import DomainError
from core.labels import STATES
from core.models import (
    LedgerRow,
    SLAClock,
    Staff,
    Ticket,
    TicketEvent,
    TicketTopic,
    Unit,
    UTCDateTime,
)
from core.permissions import OWNER_ROLES, authorise
from core.times import parse_time, utcnow
from core.topics import taxonomy

if TYPE_CHECKING:
    from core.desk import Desk

REQUIRED = ("received_at", "category", "summary")
DONE_STATES = ("resolved", "reported", "closed")
#: bad rows listed one by one in the refusal; the rest are counted ("and K more")
REPORT_LIMIT = 50


class LedgerRejected(DomainError):
    """A ledger with bad rows: every one listed (up to a limit), nothing written."""

    def __init__(self, source: str, bad: list[tuple[int, str, str]]) -> None:
        self.rows = bad
        line, field, message = bad[0]
        if len(bad) == 1:
            super().__init__(field, f"{source} line {line}: {message}")
            return
        shown = [f"  line {n}: {f}: {m}" for n, f, m in bad[:REPORT_LIMIT]]
        if len(bad) > REPORT_LIMIT:
            shown.append(f"  and {len(bad) - REPORT_LIMIT} more")
        super().__init__(field, f"{source}: {len(bad)} bad rows, nothing imported\n"
                         + "\n".join(shown))

    def as_dict(self) -> dict[str, Any]:
        return super().as_dict() | {"rows": [
            {"line": n, "field": f, "error": m} for n, f, m in self.rows[:REPORT_LIMIT]],
            "bad_rows": len(self.rows)}


def import_csv(desk: Desk, path: Path, batch: int = 5000, by: str | None = None,
               actor: str | None = None,
               progress: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """Every row checked first, then all in one unit of work; a supervisor's or manager's
    action (`actor`; None: the site operator). `progress(stage, done, total)` hears of
    the rows checked, then of each batch written (a long ledger is not silent)."""
    if batch < 1:
        raise DomainError("batch", "must be at least 1")
    with desk.write() as s:
        authorise(desk, actor, "import")
        reserve(s, "ledger:imports")  # one import at a time: a twin waits, then skips
        units = dict(s.execute(select(Unit.code, Unit.id)).all())
        staff = {name: (sid, role) for name, sid, role in
                 s.execute(select(Staff.name, Staff.id, Staff.role))}
        rows, skipped = _read(s, desk, path, units, staff, by)
        if progress:
            progress("checked", len(rows) + skipped, len(rows) + skipped)
        _number(s, desk, rows)
        now = utcnow()
        for start in range(0, len(rows), batch):
            _write(s, desk, rows[start:start + batch], now, path.name)
            if progress:
                progress("written", min(start + batch, len(rows)), len(rows))
    return {"imported": len(rows), "skipped": skipped, "file": str(path)}


def _read(s: Any, desk: Desk, path: Path, units: dict[str, int],
          staff: dict[str, tuple[int, str]], by: str | None) -> tuple[list[dict[str, Any]], int]:
    out: list[dict[str, Any]] = []
    bad: list[tuple[int, str, str]] = []
    seen: dict[str, int] = {}
    occurrences: Tally[str] = Tally()
    now = desk.now()
    cache: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise DomainError(missing[0], f"{path.name}: the header has no {missing[0]!r} column")
        for line, raw in enumerate(reader, start=2):
            try:
                row = _row(desk, raw, units, staff, by, now, cache)
                number = row["number"]
                if number and number in seen:
                    raise DomainError("number", f"ticket {number} is also on line "
                                      f"{seen[number]}")
                if number:
                    seen[number] = line
                else:  # the n-th identical row of the file keeps its key on a re-import
                    content = _content(row)
                    occurrences[content] += 1
                    row["key"] = _key(content, occurrences[content])
                out.append(row)
            except DomainError as exc:
                bad.append((line, exc.field, exc.message))
    if bad:
        raise LedgerRejected(path.name, bad)
    return _new_rows(s, out)


def _content(row: dict[str, Any]) -> str:
    # the owner as the ledger gives it: a re-import run by someone else (`--as`) matches
    return json.dumps([row["received_at"].isoformat(), row["category"], row["summary"],
                       row["unit_id"], row["location"], row["reporter"], row["owner_column"]],
                      ensure_ascii=False)


def _key(content: str, n: int) -> str:
    return hashlib.sha256(f"{content}#{n}".encode()).hexdigest()


def _new_rows(s: Any, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """The rows not imported before: by number, else by content key (chunked lookups)."""
    numbers = [r["number"] for r in rows if r["number"]]
    keys = [r["key"] for r in rows if not r["number"]]
    have: set[str] = set()
    for i in range(0, len(numbers), 1000):
        have.update(s.scalars(select(Ticket.number).where(
            Ticket.number.in_(numbers[i:i + 1000]))))
    for i in range(0, len(keys), 1000):
        have.update(s.scalars(select(LedgerRow.key).where(LedgerRow.key.in_(keys[i:i + 1000]))))
    new = [r for r in rows if (r["number"] or r["key"]) not in have]
    return new, len(rows) - len(new)


def _row(desk: Desk, raw: dict[str, str], units: dict[str, int],
         staff: dict[str, tuple[int, str]], by: str | None, now: datetime,
         cache: dict[tuple[str, str, str, str], dict[str, Any]]) -> dict[str, Any]:
    def get(key: str) -> str | None:
        value = (raw.get(key) or "").strip()
        return value or None

    key = (get("category") or "", get("severity") or "", get("nature") or "",
           get("channel") or "phone")
    fields = cache.get(key)
    if fields is None:
        fields = cache[key] = classify_fields(desk, key[0], key[1] or None, key[2] or None,
                                              key[3])
    received = parse_time(get("received_at") or "", desk.tz, "received_at")
    if received > now:
        raise DomainError("received_at", "in the future")
    summary = get("summary")
    if not summary:
        raise DomainError("summary", "must not be empty")
    unit_code = get("unit")
    if unit_code and unit_code not in units:
        raise DomainError("unit", f"no unit {unit_code!r}")
    owner = get("owner") or by
    if not owner:
        raise DomainError("owner", "no owner column value and no --as given")
    if owner not in staff:
        raise DomainError("owner", f"no staff member {owner!r}")
    if staff[owner][1] not in OWNER_ROLES:
        raise DomainError("owner", f"{owner} ({staff[owner][1]}) cannot own a ticket: the "
                          "first-contact owner is front desk, supervisor or manager")
    state = STATES.parse(get("state") or "received")
    closed = get("closed_at")
    closed_at = parse_time(closed, desk.tz, "closed_at") if closed else None
    if closed_at and closed_at < received:
        raise DomainError("closed_at", "before received_at")
    if state == "closed" and closed_at is None:
        raise DomainError("closed_at", "a closed ticket needs closed_at")
    number = get("number")
    return {**fields, "number": number, "topic": get("topic"), "unit_id": units.get(unit_code)
            if unit_code else None, "location": get("location"), "reporter": get("reporter"),
            "summary": summary, "owner_id": staff[owner][0], "owner": owner, "state": state,
            "result": get("result"), "received_at": received, "key": None,
            "owner_column": get("owner"),
            "closed_at": closed_at if state == "closed" else None,
            "done_at": (closed_at or received) if state in DONE_STATES else None}


def _number(s: Any, desk: Desk, rows: list[dict[str, Any]]) -> None:
    """Give unnumbered rows the next numbers of their receipt day, one counter bump per day."""
    days = Tally(r["received_at"].astimezone(desk.tz).strftime("%Y%m%d")
                 for r in rows if not r["number"])
    nxt = {}
    for day, count in days.items():
        prefix = f"{desk.config.site.code}-{day}"
        nxt[day] = reserve(s, f"ticket:{prefix}", count) - count + 1
    for r in rows:
        if not r["number"]:
            day = r["received_at"].astimezone(desk.tz).strftime("%Y%m%d")
            r["number"] = f"{desk.config.site.code}-{day}-{nxt[day]:04d}"
            nxt[day] += 1


def _history(s: Any, ids: list[int], now: datetime, source: str) -> None:
    """One `imported` event per ticket, written set-based from the rows just inserted."""
    prefix = '{"source": ' + json.dumps(source, ensure_ascii=False) + ', "state": "'
    data: Any = literal(prefix) + Ticket.state + literal('"}')
    data = cast(data, JSON) if s.get_bind().dialect.name == "postgresql" \
        else type_coerce(data, JSON)
    rows = (select(Ticket.id, literal("imported"), Ticket.received_at, Staff.name, data,
                   literal(now, UTCDateTime()))
            .join(Staff, Staff.id == Ticket.owner_id).where(Ticket.id.in_(ids)))
    s.execute(insert(TicketEvent.__table__).from_select(
        ["ticket_id", "kind", "at", "actor", "data", "recorded_at"], rows))


TICKET_COLUMNS = ("number", "channel", "category", "nature", "severity", "topic", "unit_id",
                  "location", "reporter", "summary", "owner_id", "state", "result",
                  "received_at", "closed_at")


def _write(s: Any, desk: Desk, rows: list[dict[str, Any]], now: datetime, source: str) -> None:
    # reopen_count and escalation_level take their server defaults (0)
    ticket_rows = [{k: r[k] for k in TICKET_COLUMNS} | {"recorded_at": now} for r in rows]
    # Core executemany, then one lookup by number: ORM INSERT..RETURNING is far slower here
    s.execute(insert(Ticket.__table__), ticket_rows)
    numbers = [r["number"] for r in rows]
    by_number = dict(s.execute(select(Ticket.number, Ticket.id)
                               .where(Ticket.number.in_(numbers))).all())
    ids = [by_number[n] for n in numbers]
    _history(s, ids, now, source)
    keyed = [{"key": r["key"], "ticket_id": tid, "source": source[:255], "imported_at": now}
             for tid, r in zip(ids, rows, strict=True) if r["key"]]
    if keyed:
        s.execute(insert(LedgerRow.__table__), keyed)
    tax = taxonomy(desk.config)  # imported history counts for repeat matters too
    s.execute(insert(TicketTopic.__table__), [
        {"ticket_id": tid, "topic": tax.key(r["topic"], r["summary"]),
         "category": r["category"], "unit_id": r["unit_id"],
         "location": (r["location"] or "")[:128] or None, "received_at": r["received_at"]}
        for tid, r in zip(ids, rows, strict=True)])
    clock_rows = []
    cal, hours, ratio = (desk.config.working_calendar, desk.config.business_hours,
                         desk.config.sla.at_risk_ratio)
    policies: dict[tuple[str, str | None, str], sla.Duration | None] = {}
    by_day: dict[tuple[Any, sla.Duration], datetime] = {}  # working-day deadlines: date only
    for tid, r in zip(ids, rows, strict=True):
        for name in clocks.CLOCK_NAMES:
            key = (r["category"], r["severity"], name)
            if key not in policies:
                policies[key] = clocks.policy(desk, r, name)
            duration = policies[key]
            if duration is None:
                continue
            if duration.working_days:
                key2 = (r["received_at"].astimezone(desk.tz).date(), duration)
                due = by_day.get(key2) or by_day.setdefault(
                    key2, sla.deadline(r["received_at"], duration, cal, hours).due_at)
            else:
                due = r["received_at"] + duration.wall
            clock_rows.append({
                "ticket_id": tid, "clock": name, "round": 1, "policy": str(duration),
                "started_at": r["received_at"], "due_at": due, "pauses": [],
                "at_risk_at": None if r["done_at"] else sla.at_risk_at(
                    r["received_at"], due, ratio, duration, cal, hours),
                "met_at": r["done_at"]})
    if clock_rows:
        s.execute(insert(SLAClock.__table__), clock_rows)
