"""Ticket search with cursor paging, and the full-text index that serves it.

The index is a built-in plugin: it writes a ticket's terms (`core.textsearch`) inside the
intake's and every action's unit of work, so a ticket is findable exactly when it is
committed. SQLite keeps them in an FTS5 table, PostgreSQL in a table of tsvectors with GIN
indexes; both are keyed `ticket id × 16 + n` (n: the ticket's n-th indexed text), so the
index hands back matches newest first and a page stops after `limit` of them.

Results are ordered by ticket id, newest recorded first; the cursor is the last id seen.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, select, text
from sqlalchemy.orm import Session, selectinload

from core import hookimpl, textsearch
from core.errors import DomainError, NotFound
from core.labels import STATES
from core.models import Followup, Staff, Ticket, Unit
from core.permissions import Forbidden, resolve, sees_phones, view_for
from core.times import show
from core.views import ticket_view

if TYPE_CHECKING:
    from core.actions import Action
    from core.desk import Desk

SLOTS = 16  #: indexed texts per ticket: intake, then later texts (results, notes, reasons)
TEXT_KEYS = ("result", "note", "reason", "comment", "answer", "topic", "summary")
MAX_LIMIT = 500


# -- the index ------------------------------------------------------------------------------

def write_terms(db: Session | Connection, rows: list[tuple[int, str, str]]) -> None:
    """Index rows of (key, pairs, single characters) in the caller's transaction (a session,
    or the migration's connection backfilling an existing store)."""
    if not rows:
        return
    bind = db.get_bind() if isinstance(db, Session) else db
    if bind.dialect.name == "postgresql":
        db.execute(text(
            "INSERT INTO ticket_terms (id, ticket_id, terms, chars) VALUES "
            "(:id, :tid, CAST(:terms AS tsvector), CAST(:chars AS tsvector))"),
            [{"id": k, "tid": k // SLOTS, "terms": textsearch.positions(two),
              "chars": " ".join(f"'{c}'" for c in set(one.split()))} for k, two, one in rows])
    else:
        db.execute(text("INSERT INTO ticket_fts (rowid, terms, chars) "
                        "VALUES (:id, :terms, :chars)"),
                   [{"id": k, "terms": two, "chars": one} for k, two, one in rows])


@hookimpl
def tickets_received(tickets: list[Ticket], session: Session) -> None:
    rows = []
    for t in tickets:
        two, one = textsearch.terms([t.summary, t.topic, t.location])
        rows.append((t.id * SLOTS, two, one))
    write_terms(session, rows)


@hookimpl
def action_applied(action: Action) -> None:
    texts = [str(v) for e in action.events for k, v in (e.data or {}).items()
             if k in TEXT_KEYS and isinstance(v, str) and v.strip()]
    if not texts:
        return
    s, tid = action.session, action.ticket.id
    lo = tid * SLOTS
    if s.get_bind().dialect.name == "postgresql":
        last = s.scalar(text("SELECT max(id) FROM ticket_terms WHERE id BETWEEN :lo AND :hi"),
                        {"lo": lo, "hi": lo + SLOTS - 1})
    else:
        last = s.scalar(text("SELECT max(rowid) FROM ticket_fts WHERE rowid BETWEEN :lo "
                             "AND :hi"), {"lo": lo, "hi": lo + SLOTS - 1})
    key = lo if last is None else last + 1
    if key >= lo + SLOTS:  # a long history: the last slot holds the latest text
        key = lo + SLOTS - 1
        texts = texts[-1:]
        table, column = (("ticket_terms", "id") if s.get_bind().dialect.name == "postgresql"
                         else ("ticket_fts", "rowid"))
        s.execute(text(f"DELETE FROM {table} WHERE {column} = :k"), {"k": key})
    two, one = textsearch.terms(texts)
    write_terms(s, [(key, two, one)])


def _matching(s: Session, words: list[str], below: int | None, batch: int
              ) -> tuple[list[int], bool]:
    """Ticket ids whose indexed texts contain every word, newest first, under `below`, and
    whether the index has no more."""
    top = (below * SLOTS) if below is not None else None
    if s.get_bind().dialect.name == "postgresql":
        conds, params = [], {"n": batch}
        for single in (False, True):
            q = textsearch.tsquery(words, single)
            if q is not None:
                col = "chars" if single else "terms"
                conds.append(f"{col} @@ CAST(:{col} AS tsquery)")
                params[col] = q
        if top is not None:
            conds.append("id < :top")
            params["top"] = top
        sql = (f"SELECT DISTINCT ticket_id FROM ticket_terms WHERE {' AND '.join(conds)} "
               "ORDER BY ticket_id DESC LIMIT :n")
        found = [r[0] for r in s.execute(text(sql), params)]
        return found, len(found) < batch
    params = {"m": textsearch.fts5_query(words), "n": batch}
    where = "ticket_fts MATCH :m"
    if top is not None:
        where += " AND rowid < :top"
        params["top"] = top
    rowids = s.scalars(text(f"SELECT rowid FROM ticket_fts WHERE {where} "
                            "ORDER BY rowid DESC LIMIT :n"), params).all()
    return list(dict.fromkeys(r // SLOTS for r in rowids)), len(rowids) < batch


# -- the search -----------------------------------------------------------------------------

def encode_cursor(ticket_id: int) -> str:
    return base64.urlsafe_b64encode(f"t{ticket_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("t"):
            raise ValueError
        return int(raw[1:])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise NotFound("cursor", "not a cursor this service gave (use the 'next' value "
                          "of the previous page)") from None


def _day(value: str | date | None, field: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise DomainError(field, f"not a date (YYYY-MM-DD): {value!r}") from None


def _digits(phone: str) -> str:
    digits = "".join(ch for ch in str(phone) if ch.isdigit())
    if len(digits) < 4 or len(digits) != len(str(phone).strip().replace(" ", "")
                                              .replace("-", "")):
        raise DomainError("phone", "give at least the last 4 digits of the number "
                          "(digits, spaces and dashes only)")
    return digits


def search(desk: Desk, *, q: str | None = None, unit: str | None = None,
           owner: str | None = None, household: str | None = None, phone: str | None = None,
           state: str | None = None, category: str | None = None,
           received_from: str | date | None = None, received_to: str | date | None = None,
           cursor: str | None = None, limit: int = 50, actor: str | None = None
           ) -> dict[str, Any]:
    """One page of tickets matching every filter given, newest recorded first.

    `q`: words that must all occur in the ticket's texts (summary, topic, location, and what
    was written on it since: results, notes, reasons); `owner`: the first-contact owner;
    `household`: the unit owner's name; `phone`: the unit owner's number or its last digits
    (only for roles that see phones: a masked role could otherwise unmask a number digit by
    digit). Answers `{"tickets": [...], "next": cursor or None}`.
    """
    if not 1 <= int(limit) <= MAX_LIMIT:
        raise DomainError("limit", f"must be between 1 and {MAX_LIMIT}")
    words = textsearch.query_words(q) if q is not None else []
    if q is not None and not words:
        raise DomainError("q", "nothing to search for: give a word (letters or digits)")
    start, end = _day(received_from, "from"), _day(received_to, "to")
    if start and end and start > end:
        raise DomainError("from", f"{start} is after to={end}")
    below = decode_cursor(cursor) if cursor else None
    with desk.read() as s:
        reader = resolve(s, actor)
        conds: list[ColumnElement[bool]] = []
        if state:
            conds.append(Ticket.state == STATES.parse(state))
        if category:
            conds.append(Ticket.category == desk.categories.parse(category))
        if owner:
            staff = s.scalar(select(Staff).where(Staff.name == owner.strip()))
            if staff is None:
                raise NotFound("owner", f"no staff member {owner!r}")
            conds.append(Ticket.owner_id == staff.id)
        units = _units(s, unit, household, phone, reader)
        if units is not None:
            if not units:
                return {"tickets": [], "next": None}
            conds.append(Ticket.unit_id.in_(units))
        tz = desk.tz
        if start:
            conds.append(Ticket.received_at >= datetime.combine(start, time(), tz))
        if end:
            conds.append(Ticket.received_at < datetime.combine(end + timedelta(days=1), time(),
                                                                tz))
        found = (_with_words(s, words, conds, below, limit, by_unit=units is not None)
                 if words else _without_words(s, conds, below, limit))
        more = len(found) > limit
        found = found[:limit]
        tickets = {t.id: t for t in s.scalars(
            select(Ticket).where(Ticket.id.in_(found)).options(selectinload(Ticket.clocks)))
            .unique()}
        rows = [view_for(reader, ticket_view(s, tickets[i], tz, events=False)) for i in found]
        return {"tickets": rows, "next": encode_cursor(found[-1]) if more else None}


def _units(s: Session, code: str | None, household: str | None, phone: str | None,
           reader: Staff | None) -> list[int] | None:
    """The unit ids the unit filters allow (None: no unit filter)."""
    if not (code or household or phone):
        return None
    query = select(Unit.id)
    if code:
        query = query.where(Unit.code == code.strip())
    if household:
        query = query.where(Unit.owner_name == household.strip())
    if phone:
        if reader is not None and not sees_phones(reader):
            raise Forbidden("phone", f"{reader.name} ({reader.role}) may not search by phone "
                            "number: owners' numbers are masked for this role")
        query = query.where(Unit.owner_phone.like(f"%{_digits(phone)}"))
    return list(s.scalars(query))


def _without_words(s: Session, conds: list[ColumnElement[bool]], below: int | None,
                   limit: int) -> list[int]:
    query = select(Ticket.id).where(*conds)
    if below is not None:
        query = query.where(Ticket.id < below)
    return list(s.scalars(query.order_by(Ticket.id.desc()).limit(limit + 1)))


def _with_words(s: Session, words: list[str], conds: list[ColumnElement[bool]],
                below: int | None, limit: int, by_unit: bool) -> list[int]:
    """Ids matching the words and the filters, newest first (at most limit + 1).

    With a unit filter the few tickets of those units are read newest first and each is
    looked up in the index (a key-range probe); otherwise the index is walked newest first
    in growing batches and each batch filtered, so a common word with a rare filter costs
    about one pass over that word's matches, not one probe per batch."""
    if by_unit:
        query = select(Ticket.id).where(*conds).order_by(Ticket.id.desc())
        if below is not None:
            query = query.where(Ticket.id < below)
        return _probe(s, words, list(s.scalars(query)), limit)
    out: list[int] = []
    batch = max(4 * (limit + 1), 64)
    while len(out) <= limit:
        ids, exhausted = _matching(s, words, below, batch)
        if not ids:
            break
        if conds:
            keep: set[int] = set()
            for i in range(0, len(ids), 5000):  # under SQLite's bound-parameter limit
                keep.update(s.scalars(select(Ticket.id).where(Ticket.id.in_(ids[i:i + 5000]),
                                                              *conds)))
            out.extend(i for i in ids if i in keep)
        else:
            out.extend(ids)
        below = ids[-1]
        if exhausted:
            break
        batch = min(batch * 4, 50_000)
    return out[:limit + 1]


def _probe(s: Session, words: list[str], candidates: list[int], limit: int) -> list[int]:
    """The candidates (newest first) whose indexed texts contain every word."""
    if not candidates:
        return []
    if s.get_bind().dialect.name == "postgresql":
        conds, params = ["ticket_id = ANY(:ids)"], {"ids": candidates}
        for single in (False, True):
            q = textsearch.tsquery(words, single)
            if q is not None:
                col = "chars" if single else "terms"
                conds.append(f"{col} @@ CAST(:{col} AS tsquery)")
                params[col] = q
        hits = set(s.scalars(text(f"SELECT ticket_id FROM ticket_terms WHERE "
                                  f"{' AND '.join(conds)}"), params))
        return [i for i in candidates if i in hits][:limit + 1]
    match, out = textsearch.fts5_query(words), []
    probe = text("SELECT 1 FROM ticket_fts WHERE ticket_fts MATCH :m AND rowid BETWEEN :lo "
                 "AND :hi LIMIT 1")
    for tid in candidates:
        if s.execute(probe, {"m": match, "lo": tid * SLOTS, "hi": tid * SLOTS + SLOTS - 1}
                     ).first():
            out.append(tid)
            if len(out) > limit:
                break
    return out


# -- a household's history ------------------------------------------------------------------

def unit_history(desk: Desk, code: str, actor: str | None = None) -> dict[str, Any]:
    """Everything about one unit: its tickets (newest first), the follow-ups recorded on them,
    and what plugins keep about it (`unit_records`), as `actor` may see it."""
    with desk.read() as s:
        reader = resolve(s, actor)
        unit = s.scalar(select(Unit).where(Unit.code == code.strip()))
        if unit is None:
            raise NotFound("unit", f"no unit {code!r}")
        tickets = list(s.scalars(select(Ticket).where(Ticket.unit_id == unit.id)
                                 .options(selectinload(Ticket.clocks))
                                 .order_by(Ticket.id.desc())).unique())
        numbers = {t.id: t.number for t in tickets}
        follow = s.scalars(select(Followup).where(Followup.ticket_id.in_(numbers))
                           .order_by(Followup.at.desc())) if numbers else []
        view = view_for(reader, {"code": unit.code, "building": unit.building,
                                 "owner": unit.owner_name, "phone": unit.owner_phone})
        tz = desk.tz
        unit_view = {"code": unit.code, "building": unit.building,
                     "owner": unit.owner_name, "phone": view.get("phone")}
        records: list[dict[str, Any]] = []
        for found in desk.pm.hook.unit_records(unit=dict(unit_view), session=s, desk=desk):
            records.extend(found or [])
        records.sort(key=lambda r: str(r.get("at") or ""), reverse=True)
        return {
            "unit": unit_view,
            "tickets": [view_for(reader, ticket_view(s, t, tz, events=False)) for t in tickets],
            "followups": [{"ticket": numbers[f.ticket_id], "at": show(f.at, tz),
                           "by": f.actor, "method": f.method, "satisfaction": f.satisfaction,
                           "fixed": f.fixed, "comment": f.comment} for f in follow],
            "records": [view_for(reader, r) for r in records],
        }
