"""Paid, warranty or public area (SPEC §6.4): decided at intake from the unit's dates.

A repair in a unit after its warranty end is a paid service; within the warranty it stays a
repair for the warranty office; without a unit it is a public-area repair (free). The
decision is taken in `classify_ticket` (before the ticket exists, to set the category)
and travels with the ticket as the note of its `received` event; `ticket_created` reads
it back and writes it with the ticket's number. Nothing is kept between the two calls,
so intakes written together in one batch (the HTTP service's group commit) each keep
their own decision.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import kit
from core.kit import DomainError, Unit, Vocabulary
from plugins.paid_services.models import Decision, UnitWarranty
from plugins.paid_services.money import vocab

if TYPE_CHECKING:
    from core.kit import Desk

#: who reads the decisions: the desk and the technicians sent to the home
READERS = kit.DESK | {"technician"}

DECISIONS: Vocabulary = vocab("decision", [
    ("paid", "有偿", "paid service", ("有偿服务",)),
    ("warranty", "保修", "warranty (free)", ("保修期内",)),
    ("public_area", "公共区域", "public area (free)", ("公区",)),
])


def parse_date(text: str | date, field: str) -> date:
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise DomainError(field, f"not a date: {text!r} (e.g. 2024-06-30)") from None


def set_warranty(desk: Desk, unit: str, handover: str | date, until: str | date,
                 actor: str | None = None) -> dict[str, Any]:
    """Record (or correct) a unit's handover date and warranty end (the desk)."""
    start, end = parse_date(handover, "handover"), parse_date(until, "until")
    if end < start:
        raise DomainError("until", "the warranty cannot end before the handover")
    with desk.write() as s:
        kit.require(kit.actor(s, actor), "set warranty dates", kit.DESK)
        u = kit.get_unit(s, unit)
        row = s.get(UnitWarranty, u.id, with_for_update=True) or UnitWarranty(unit_id=u.id)
        row.handover_date, row.warranty_until = start, end
        row.set_by, row.set_at = actor or "operator", desk.now()
        s.add(row)
    return {"unit": unit, "handover_date": start.isoformat(), "warranty_until": end.isoformat()}


def decide(desk: Desk, unit: str | None, on: date) -> tuple[str, str] | None:
    """(decision, reason) for a repair in `unit` on day `on`; None when the dates are unknown."""
    if not unit:
        return "public_area", "no unit: a public-area repair is free (公共区域)"
    with desk.engine.connect() as conn:  # one column on every repair's intake: no ORM
        until = conn.scalar(select(UnitWarranty.warranty_until).join(
            Unit, Unit.id == UnitWarranty.unit_id).where(Unit.code == unit))
    if until is None:
        return None
    if on <= until:
        return "warranty", (f"within the warranty until {until.isoformat()} "
                            "(保修期内): free, to the warranty office")
    return "paid", f"warranty ended {until.isoformat()} (保修期外): paid service"


def classify(ticket: dict[str, Any], config: Any, desk: Desk) -> dict[str, Any] | None:
    """The `classify_ticket` answer: paid in-unit repairs become `paid_service`; the
    decision and its reason go with the answer as its note."""
    found = _decide_for(ticket, desk)
    if found is None:
        return None
    decision, reason = found
    answer: dict[str, Any] = {"note": {"paid_services": decision, "reason": reason}}
    if decision == "paid":
        answer["category"] = "paid_service"
    elif ticket["category"] == "paid_service":
        answer["category"] = "repair"
    return answer


def record_for_new_ticket(ticket: dict[str, Any], desk: Desk) -> None:
    """Write the decision taken at intake (read back from the `received` event's note)."""
    received = next((e for e in ticket.get("events", []) if e["kind"] == "received"), None)
    note = (received or {}).get("data", {}).get("classified") or {}
    if "paid_services" in note:
        record(desk, ticket["number"], note["paid_services"], note["reason"], "system")


def _decide_for(ticket: dict[str, Any], desk: Desk) -> tuple[str, str] | None:
    if ticket.get("category") not in ("repair", "paid_service"):
        return None
    received = ticket.get("received_at")  # a back-dated intake is judged on its own day
    day = (datetime.fromisoformat(received) if received else desk.now()).astimezone(
        desk.tz).date()
    return decide(desk, ticket.get("unit"), day)


def record(desk: Desk, number: str, decision: str, reason: str, actor: str | None,
           at: datetime | None = None) -> dict[str, Any]:
    decision = DECISIONS.parse(decision)
    if not reason or not reason.strip():
        raise DomainError("reason", "say why (e.g. the warranty end date)")
    with desk.write() as s:
        s.add(Decision(ticket_number=number, decision=decision, reason=reason.strip()[:200],
                       decided_by=actor or "operator", decided_at=at or desk.now()))
    return {"ticket": number, "decision": decision, "reason": reason.strip()}


def history(desk: Desk, number: str, *, actor: str | None = None) -> list[dict[str, Any]]:
    with desk.read() as s:
        kit.require(kit.actor(s, actor), "read paid-service decisions", READERS)
        rows = s.scalars(select(Decision).where(Decision.ticket_number == number)
                         .order_by(Decision.id)).all()
        return [{"decision": r.decision, "label": DECISIONS.label(r.decision),
                 "reason": r.reason, "by": r.decided_by,
                 "at": r.decided_at.astimezone(desk.tz).isoformat(timespec="seconds")}
                for r in rows]
