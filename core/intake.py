"""Intake: taking in customer information, one request or a batch of them in one transaction.

Every channel comes through `intake_many`: the CLI and plugins with one request, the HTTP
service with whatever requests have queued up while the previous batch was written
(`core.intake_queue`). A batch costs one transaction, one staff and unit lookup, one
number reservation per receipt day and one INSERT per table instead of one per request;
each request still gets its own answer. A request that fails validation fails alone.
If the batch's transaction fails for any other reason, every request is retried on its
own, so one bad request never costs the others their tickets.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter as Tally
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import clocks, permissions
from core.actions import SYSTEM, classify_fields, escalation_role, reserve
from core.errors import Conflict, DomainError, NotFound, TimeConflict
from core.models import IdempotencyKey, Staff, Ticket, TicketEvent, Unit
from core.textcheck import check_fields
from core.times import FUTURE_TOLERANCE, parse_time, show, utcnow
from core.topics import taxonomy
from core.views import ticket_view
from core.work import WriteConflict

if TYPE_CHECKING:
    from core.desk import Desk

Result = dict[str, Any] | Exception
FIELDS = ("category", "summary", "severity", "channel", "nature", "topic", "unit", "location",
          "reporter", "by", "at", "answer", "actor", "idempotency_key")


def intake(desk: Desk, *, category: str, summary: str, severity: str | None = None,
           channel: str = "phone", nature: str | None = None, topic: str | None = None,
           unit: str | None = None, location: str | None = None, reporter: str | None = None,
           by: str | None = None, at: str | datetime | None = None,
           answer: str | None = None, actor: str | None = None,
           idempotency_key: str | None = None) -> dict[str, Any]:
    """Take in one piece of customer information; `answer` resolves it on the spot.

    With `idempotency_key`, the same key returns the ticket it first made (`replayed`
    is then true in the result) instead of a second ticket.
    """
    request = {"category": category, "summary": summary, "severity": severity,
               "channel": channel, "nature": nature, "topic": topic, "unit": unit,
               "location": location, "reporter": reporter, "by": by, "at": at,
               "answer": answer, "actor": actor, "idempotency_key": idempotency_key}
    result = intake_many(desk, [request])[0]
    if isinstance(result, Exception):
        raise result
    return result


@dataclass
class Prepared:
    """A request checked against everything that needs no database."""

    index: int
    fields: dict[str, Any]
    by: str
    actor: str | None
    unit: str | None
    location: str | None
    reporter: str | None
    received: datetime
    now: datetime
    answer: str | None
    key: str | None
    request_hash: str
    note: dict[str, Any] | None = None  # why a plugin reclassified it (`classify_ticket`)
    matched: dict[str, Any] | None = None  # how the topic was classed (`core.topics`)


def intake_many(desk: Desk, requests: list[dict[str, Any]],
                arrived: list[datetime | None] | None = None) -> list[Result]:
    """Take in several requests at once; each gets its ticket's view or its own error.

    `arrived[i]` is when request i reached the service (default: now); it is the
    receipt time of a request without `at`. Notifications fire after the commit.
    """
    results: list[Result | None] = [None] * len(requests)
    arrived = arrived or [None] * len(requests)
    ready: list[Prepared] = []
    for i, request in enumerate(requests):
        try:
            ready.append(_prepare(desk, i, request, arrived[i]))
        except Exception as exc:  # a bad request, or a plugin failing on it: this one only
            results[i] = exc
    keys: set[str] = set()
    later: list[Prepared] = []  # a key repeated inside the batch: answered after it commits
    batch = []
    for p in ready:
        if p.key is not None and p.key in keys:
            later.append(p)
        else:
            if p.key is not None:
                keys.add(p.key)
            batch.append(p)
    if batch:
        try:
            _write(desk, batch, results)  # announced by the unit of work after its commit
        except Exception as exc:
            if len(batch) == 1:
                results[batch[0].index] = _after_failure(desk, batch[0], exc)
            else:  # find the culprit: each request on its own
                for p in batch:
                    results[p.index] = _alone(desk, requests[p.index], p.now)
    for p in later:
        results[p.index] = _alone(desk, requests[p.index], p.now)
    return [r if r is not None else RuntimeError("request not processed") for r in results]


def _alone(desk: Desk, request: dict[str, Any], arrived: datetime) -> Result:
    try:
        return intake_many(desk, [request], [arrived])[0]
    except Exception as exc:  # the caller answers this request with its error
        return exc


def _prepare(desk: Desk, index: int, request: dict[str, Any],
             arrived: datetime | None) -> Prepared:
    unknown = set(request) - set(FIELDS)
    if unknown:
        raise DomainError(sorted(unknown)[0], "not a field of an intake")
    check_fields(request)  # control characters, naming the field (before any database)
    summary = request.get("summary")
    if not summary or not str(summary).strip():
        raise DomainError("summary", "say what the customer reported")
    actor = request.get("actor")
    by = request.get("by") or actor
    if not by:
        raise DomainError("by", "name the staff member who received it (首接人): --by or --as")
    if not request.get("category"):
        raise DomainError("category", "must not be empty")
    fields = classify_fields(desk, request["category"], request.get("severity"),
                             request.get("nature"), request.get("channel") or "phone")
    fields.update(topic=(request.get("topic") or "").strip() or None,
                  summary=str(summary).strip(), unit=request.get("unit"),
                  location=request.get("location"))
    now = arrived or desk.now()
    at = request.get("at")
    received = parse_time(at, desk.tz) if at is not None else now
    suggestion = desk.pm.hook.classify_ticket(
        ticket=dict(fields) | {"received_at": show(received, desk.tz)}, config=desk.config,
        desk=desk)
    note = suggestion.pop("note", None) if suggestion else None
    if note is not None and not isinstance(note, dict):
        raise TypeError(f"classify_ticket: 'note' must be a dict, got {note!r}")
    if suggestion:
        merged = {**fields, **suggestion}
        fields.update(classify_fields(desk, merged["category"], merged.get("severity"),
                                      merged.get("nature"), merged["channel"]))
        fields["topic"] = merged.get("topic", fields["topic"])
    answer, reporter = request.get("answer"), request.get("reporter")
    if answer is not None and fields["category"] not in desk.config.tickets.resolve_on_intake:
        raise DomainError("answer", f"a {fields['category']} cannot be resolved at intake")
    if received > now + FUTURE_TOLERANCE:
        raise TimeConflict("at", "a ticket cannot be received in the future")
    request_hash = _fingerprint(fields, received if at is not None else None, by, reporter,
                                answer)
    return Prepared(index, fields, str(by), actor, request.get("unit"),
                    request.get("location"), reporter, received, now, answer,
                    request.get("idempotency_key") or None, request_hash, note,
                    topic_record(desk, fields["topic"], fields["summary"]))


def topic_record(desk: Desk, topic: str | None, summary: str | None) -> dict[str, Any]:
    """The matcher's decision as the history keeps it: topic code, keyword, scores."""
    m = taxonomy(desk.config).match(topic, summary)
    return {"code": m.code, "keyword": m.keyword, "source": m.source,
            "scores": m.scores or None}


def _fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True,
                                     ensure_ascii=False).encode()).hexdigest()


def _write(desk: Desk, batch: list[Prepared], results: list[Result | None]) -> None:
    """One transaction for the batch; fills `results`, returns the new tickets' views."""
    with desk.write() as s:
        todo = _replays(s, desk, batch, results)
        staff, units = _directory(s, todo)
        made: list[tuple[Prepared, Ticket, list[str]]] = []
        for p in todo:
            try:
                made.append(_ticket(desk, p, staff, units))
            except DomainError as exc:
                results[p.index] = exc
        if not made:
            return
        _number(s, desk, [t for _, t, _ in made])
        s.add_all([t for _, t, _ in made])
        s.flush()  # one INSERT per table for the whole batch
        # plain rows, one executemany each: nothing in the transaction needs them as objects
        s.execute(insert(TicketEvent), [e for p, t, met in made
                                        for e in _first_events(p, t, met)])
        keys = [{"key": p.key, "request_hash": p.request_hash, "ticket_id": t.id,
                 "created_at": p.now} for p, t, _ in made if p.key]
        if keys:
            s.execute(insert(IdempotencyKey), keys)
        desk.pm.hook.tickets_received(tickets=[t for _, t, _ in made], session=s,
                                      desk=desk)  # topics, warnings, first calls
        s.flush()
        history: dict[int, list[TicketEvent]] = defaultdict(list)
        for event in s.scalars(select(TicketEvent).where(
                TicketEvent.ticket_id.in_([t.id for _, t, _ in made]))
                .order_by(TicketEvent.id)):
            history[event.ticket_id].append(event)
        for p, t, _ in made:
            view = ticket_view(s, t, desk.tz, history=history[t.id])
            results[p.index] = view
            desk.notify("ticket_created", ticket=view)


def _replays(s: Session, desk: Desk, batch: list[Prepared],
             results: list[Result | None]) -> list[Prepared]:
    """Answer requests whose Idempotency-Key made a ticket before; return the rest."""
    keys = [p.key for p in batch if p.key]
    if not keys:
        return batch
    earlier = {row.key: row for row in s.scalars(
        select(IdempotencyKey).where(IdempotencyKey.key.in_(keys)))}
    todo = []
    for p in batch:
        row = earlier.get(p.key or "")
        if row is None:
            todo.append(p)
        else:
            results[p.index] = _replay_view(s, desk, row, p.request_hash)
    return todo


def _replay_view(s: Session, desk: Desk, row: IdempotencyKey,
                 request_hash: str) -> Result:
    if row.request_hash != request_hash:
        return Conflict("Idempotency-Key", "this key was used for a different request")
    ticket = s.get(Ticket, row.ticket_id)
    assert ticket is not None
    return ticket_view(s, ticket, desk.tz) | {"replayed": True}


def _after_failure(desk: Desk, p: Prepared, exc: Exception) -> Result:
    """A lone request's transaction failed: a concurrent twin with its key may have won."""
    if not isinstance(exc, IntegrityError | WriteConflict) or p.key is None:
        if isinstance(exc, DomainError):
            return exc
        raise exc
    with desk.read() as s:
        row = s.get(IdempotencyKey, p.key)
        if row is None:
            raise exc
        return _replay_view(s, desk, row, p.request_hash)


def _directory(s: Session, batch: list[Prepared]) -> tuple[dict[str, Staff], dict[str, Unit]]:
    """Every staff member and unit the batch names, in two queries."""
    names = {n.strip() for p in batch for n in (p.by, p.actor) if n}
    codes = {p.unit.strip() for p in batch if p.unit}
    staff = {m.name: m for m in s.scalars(select(Staff).where(Staff.name.in_(names)))} \
        if names else {}
    units = {u.code: u for u in s.scalars(select(Unit).where(Unit.code.in_(codes)))} \
        if codes else {}
    return staff, units


def _ticket(desk: Desk, p: Prepared, staff: dict[str, Staff],
            units: dict[str, Unit]) -> tuple[Prepared, Ticket, list[str]]:
    """The new ticket with its running clocks, not yet added to the session."""
    if p.actor is not None:
        actor = staff.get(p.actor.strip())
        if actor is None:
            raise NotFound("as", f"no staff member {p.actor!r}")
        permissions.check(actor, "intake")
    owner = staff.get(p.by.strip())
    if owner is None:
        raise NotFound("by", f"no staff member {p.by!r}")
    permissions.check_owner(owner, "by")
    unit = None
    if p.unit:
        unit = units.get(p.unit.strip())
        if unit is None:
            raise NotFound("unit", f"no unit {p.unit!r}")
    f = p.fields
    ticket = Ticket(
        channel=f["channel"], category=f["category"], nature=f["nature"],
        severity=f["severity"], topic=f["topic"], unit=unit,
        location=(p.location or "").strip() or None, reporter=p.reporter or None,
        summary=f["summary"], owner=owner, state="received", received_at=p.received,
        recorded_at=p.now, reopen_count=0, escalation_level=0)
    clocks.start_all(desk, ticket, f, p.received)
    met: list[str] = []
    if p.answer is not None:  # answered on the spot
        ticket.state, ticket.result = "resolved", p.answer
        met = clocks.finished(desk, ticket, p.received)
    return p, ticket, met


def _number(s: Session, desk: Desk, new: list[Ticket]) -> None:
    """Readable numbers (`GD-20261001-0007`): one counter bump per receipt day."""
    def prefix(t: Ticket) -> str:
        return f"{desk.config.site.code}-{t.received_at.astimezone(desk.tz):%Y%m%d}"

    nxt = {}
    for pre, count in Tally(prefix(t) for t in new).items():
        nxt[pre] = reserve(s, f"ticket:{pre}", count) - count + 1
    for t in new:
        pre = prefix(t)
        t.number = f"{pre}-{nxt[pre]:04d}"
        nxt[pre] += 1


def _first_events(p: Prepared, t: Ticket, met: list[str]) -> list[dict[str, Any]]:
    """The new ticket's `received` event, and `notified` / `resolved` where they apply."""
    def event(kind: str, actor: str, data: dict[str, Any]) -> dict[str, Any]:
        return {"ticket_id": t.id, "kind": kind, "at": p.received, "actor": actor,
                "data": {k: v for k, v in data.items() if v is not None},
                "recorded_at": recorded}

    recorded = utcnow()
    data = {k: p.fields[k] for k in ("channel", "category", "severity", "nature", "topic",
                                     "summary")}
    events = [event("received", t.owner.name, data | {
        "unit": t.unit.code if t.unit else None, "location": t.location,
        "classified": p.note, "topic_match": p.matched})]
    if t.nature == "important":
        events.append(event("notified", SYSTEM, {"to": escalation_role(t),
                                                 "why": "important information (重要)"}))
    if p.answer is not None:
        events.append(event("resolved", t.owner.name,
                            {"result": p.answer, "on_the_spot": True, "clocks_met": met}))
    return events
