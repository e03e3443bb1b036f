"""The key register and loans (钥匙登记、借用、归还): one unit of work per action.

Every action locks the key it changes and checks the state the key is in now, in the
same unit of work that changes it (`common.check_state`): a key reported lost, written
off or returned to its owner is never lent or taken back, whoever asks and however often.
Every refusal is a domain error naming the field, raised before anything is written;
every change leaves an audit row (who, when, before, after). A returned loan of a unit's
key offers the unit's key history to the household archive through a hook, after commit.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import kit
from core.kit import (
    Conflict,
    DomainError,
    NotFound,
    Staff,
    Ticket,
    TransitionRefused,
    show,
)
from plugins.keys.common import (
    AUTH_METHODS,
    CONDITIONS,
    KINDS,
    PRIVATE_KINDS,
    STATUSES,
    KeySettings,
    action_time,
    actor_name,
    audit,
    authorise,
    check_state,
    get_key,
    key_read,
    key_view,
    loan_view,
    lock_key,
    open_loan,
    parse_day,
    snapshot,
    text_field,
    wall_duration,
)
from plugins.keys.models import Key, KeyAudit, KeyLoan

if TYPE_CHECKING:
    from core.kit import Desk

TAG = re.compile(r"^[^\s,]{1,32}$")
CLOSED_TICKET_STATES = frozenset({"closed"})
LOAN_FIELDS = ("closed_at", "outcome", "returned_by", "received_by", "condition",
               "condition_note")


# ------------------------------------------------------------------------------- register


def register_key(desk: Desk, tag: str, kind: str, *, unit: str | None = None,
                 area: str | None = None, description: str | None = None, copies: int = 1,
                 entrusted_by: str | None = None, entrusted_on: str | date | None = None,
                 entrustment_ref: str | None = None, actor: str | None = None,
                 at: str | datetime | None = None) -> dict[str, Any]:
    """Tag a key or key set and bind it to a unit (with the owner's written entrustment)
    or to a public area."""
    tag = (tag or "").strip()
    if not TAG.match(tag):
        raise DomainError("tag", f"bad tag {tag!r}: 1–32 characters, no spaces or commas")
    kind = KINDS.parse(kind)
    if copies < 1:
        raise DomainError("copies", "a key set has at least one key")
    area = text_field(area, "area", required=False, limit=64)
    if kind in PRIVATE_KINDS:
        if not unit:
            raise DomainError("unit", f"a {KINDS.label(kind)} key belongs to a unit: --unit")
        if area:
            raise DomainError("area", "a unit's key has no public area")
        entrusted_by = text_field(entrusted_by, "entrusted_by", limit=64)
        entrustment_ref = text_field(entrustment_ref, "entrustment_ref", limit=64)
        if entrusted_on in (None, ""):
            raise DomainError("entrusted_on", "the date of the owner's written entrustment")
        entrusted_day = parse_day(entrusted_on, "entrusted_on")
    else:
        if unit:
            raise DomainError("unit", "a public-area key is bound to an area, not a unit")
        if not area:
            raise DomainError("area", "name the public area the key opens: --area")
        entrusted_day = None
    with desk.write() as s:
        staff = authorise(s, actor, "register")
        moment = action_time(desk, at, s)
        if entrusted_day is not None and entrusted_day > moment.astimezone(desk.tz).date():
            raise DomainError("entrusted_on", "the entrustment cannot be dated after today")
        if s.scalar(select(Key.id).where(Key.tag == tag)):
            raise Conflict("tag", f"tag {tag} is already in the register")
        key = Key(tag=tag, kind=kind, unit=kit.get_unit(s, unit) if unit else None, area=area,
                  description=text_field(description, "description", False, 128),
                  copies=copies, status="in_cabinet", entrusted_by=entrusted_by,
                  entrusted_on=entrusted_day, entrustment_ref=entrustment_ref,
                  registered_by=actor_name(staff), registered_at=moment)
        s.add(key)
        s.flush()
        view = key_view(key, desk.tz)
        audit(s, at=moment, actor=actor_name(staff), action="registered", entity="key",
              entity_id=key.id, key=key, after=view)
        return key_read(key, desk.tz, staff)


def hand_back(desk: Desk, tag: str, *, to: str, note: str | None = None,
              actor: str | None = None, at: str | datetime | None = None) -> dict[str, Any]:
    """The key goes back to its owner (e.g. on moving in): it leaves the cabinet for good."""
    to = text_field(to, "to", limit=64) or ""
    with desk.write() as s:
        staff = authorise(s, actor, "register")
        key = lock_key(s, tag)
        if key.kind not in PRIVATE_KINDS:
            raise TransitionRefused("tag", f"key {key.tag} opens a public area: it has no "
                                    "owner to return it to")
        check_state(s, desk, key, "hand_back")
        moment = action_time(desk, at, s, key)
        key.status = "returned"
        audit(s, at=moment, actor=actor_name(staff), action="returned_to_owner", entity="key",
              entity_id=key.id, key=key, before={"status": "in_cabinet"},
              after={"status": "returned", "to": to, "note": note})
        return key_read(key, desk.tz, staff)


# ------------------------------------------------------------------------------- loans


def lend(desk: Desk, tag: str, *, borrower: str, purpose: str, contractor: bool = False,
         id_number: str | None = None, company: str | None = None, ticket: str | None = None,
         authorised_by: str | None = None, authorised_how: str | None = None,
         authorised_at: str | datetime | None = None, due: str | datetime | None = None,
         actor: str | None = None, at: str | datetime | None = None,
         settings: KeySettings | None = None) -> dict[str, Any]:
    """Lend a key from the cabinet. A private unit's key needs the owner's authorisation
    (who, how, when); a loan that serves a work order names its ticket."""
    settings = settings or KeySettings.from_env()
    borrower = text_field(borrower, "borrower", limit=64) or ""
    purpose = text_field(purpose, "purpose") or ""
    ticket = (ticket or "").strip() or None
    if contractor:
        id_number = text_field(id_number, "id_number", limit=32)
        company = text_field(company, "company", required=False, limit=64)
    elif id_number or company:
        raise DomainError("id_number", "an ID number and company are for a contractor: "
                          "--contractor")
    with desk.write() as s:
        staff = authorise(s, actor, "lend")
        key = lock_key(s, tag)
        check_state(s, desk, key, "lend")
        moment = action_time(desk, at, s, key)
        if not contractor and not s.scalar(select(Staff.id).where(Staff.name == borrower)):
            raise NotFound("borrower", f"no staff member {borrower!r} (a contractor: "
                           "--contractor with --id-number)")
        if ticket is not None:
            # locked: a close of that ticket (which checks for keys out) waits for this loan
            state = s.scalar(kit.lock(select(Ticket.state).where(Ticket.number == ticket)))
            if state is None:
                raise NotFound("ticket", f"no ticket {ticket!r}")
            if state in CLOSED_TICKET_STATES:
                raise TransitionRefused("ticket", f"ticket {ticket} is closed")
        auth = _authorisation(desk, key, authorised_by, authorised_how, authorised_at, moment)
        policy, due_at = _due(desk, due, moment, settings)
        ratio = desk.config.sla.at_risk_ratio
        loan = KeyLoan(key_id=key.id, key=key, borrower=borrower,
                       borrower_kind="contractor" if contractor else "staff",
                       id_number=id_number, company=company, purpose=purpose, ticket=ticket,
                       **auth, lent_by=actor_name(staff), lent_at=moment, policy=policy,
                       due_at=due_at, at_risk_at=moment + (due_at - moment) * ratio)
        key.status = "on_loan"
        s.add(loan)
        s.flush()  # a second open loan of the key breaks a unique index: a 409, not a 500
        view = loan_view(loan, desk.tz)
        audit(s, at=moment, actor=actor_name(staff), action="lent", entity="loan",
              entity_id=loan.id, key=key, before={"status": "in_cabinet"},
              after={"status": "on_loan"} | view)
    return view


def _authorisation(desk: Desk, key: Key, by: str | None, how: str | None,
                   at: str | datetime | None, lent_at: datetime) -> dict[str, Any]:
    """The owner's authority for a private unit's key; a public-area key needs none."""
    if key.kind not in PRIVATE_KINDS:
        if by or how or at:
            raise DomainError("authorised_by", f"key {key.tag} opens a public area: no "
                              "owner's authorisation applies")
        return {}
    unit = key.unit.code if key.unit else "?"
    if not (by and by.strip()) or not how or at in (None, ""):
        raise DomainError("authorised_by", f"key {key.tag} opens private unit {unit}: record "
                          "the owner's authorisation (who, how, when): --authorised-by, "
                          "--authorised-how, --authorised-at")
    method = AUTH_METHODS.parse(how)
    if method == "entrustment" and key.kind != "entrusted":
        raise DomainError("authorised_how", "only a key entrusted for a vacant unit is lent "
                          "under its written entrustment")
    moment = kit.action_time(desk, at, field="authorised_at")
    if moment > lent_at:
        raise DomainError("authorised_at", "the owner's authorisation must come before the "
                          "loan")
    return {"authorised_by": text_field(by, "authorised_by", limit=64),
            "authorised_how": method, "authorised_at": moment}


def _due(desk: Desk, due: str | datetime | None, lent_at: datetime,
         settings: KeySettings) -> tuple[str, datetime]:
    """The loan's period: the plugin setting, a period (`2h`) or a time for this loan."""
    if due in (None, ""):
        return str(settings.loan_due), lent_at + settings.loan_due.wall
    if isinstance(due, str) and re.fullmatch(r"\s*\d+\s*[a-z]+\s*", due):
        duration = wall_duration(due, "due")
        return str(duration), lent_at + duration.wall
    due_at = kit.parse_time(due, desk.tz, "due")
    if due_at <= lent_at:
        raise DomainError("due", "the key must be due back after it is lent")
    minutes = max(1, round((due_at - lent_at) / timedelta(minutes=1)))
    return f"{minutes}m", due_at


def return_key(desk: Desk, tag: str, *, condition: str = "good", note: str | None = None,
               returned_by: str | None = None, actor: str | None = None,
               at: str | datetime | None = None) -> dict[str, Any]:
    """The key comes back: check its condition, close the loan, put it in the cabinet."""
    condition = CONDITIONS.parse(condition)
    note = text_field(note, "note", required=condition != "good")
    with desk.write() as s:
        staff = authorise(s, actor, "return")
        key = lock_key(s, tag)
        check_state(s, desk, key, "return")
        loan = open_loan(s, key)
        if loan is None:  # never: on loan means one open loan (a unique index holds it)
            raise TransitionRefused("tag", f"key {key.tag} has no open loan")
        moment = action_time(desk, at, s, key, what="the loan")
        before = snapshot(loan, LOAN_FIELDS)
        loan.closed_at, loan.outcome, loan.condition, loan.condition_note = (
            moment, "returned", condition, note)
        loan.returned_by = (returned_by or "").strip() or loan.borrower
        loan.received_by = actor_name(staff)
        key.status = "in_cabinet"
        s.flush()
        view = loan_view(loan, desk.tz)
        audit(s, at=moment, actor=actor_name(staff), action="returned", entity="loan",
              entity_id=loan.id, key=key, before={"status": "on_loan"} | before,
              after={"status": "in_cabinet"} | snapshot(loan, LOAN_FIELDS))
        if key.unit is not None:  # offered once the return has committed
            desk.notify("archive_record_offered", record=_archive_record(s, desk, key, loan))
    return view


def _archive_record(s: Any, desk: Desk, key: Key, loan: KeyLoan) -> dict[str, Any]:
    """The unit's key history, as the household archive (业户档案) files it."""
    assert key.unit is not None
    return {"unit": key.unit.code, "kind": "daily",
            "title": f"钥匙借用记录 {key.tag} ({loan.borrower})",
            "at": show(loan.closed_at, desk.tz), "source": "keys",
            "data": {"loan": loan_view(loan, desk.tz),
                     "history": unit_history(desk, key.unit.code, session=s)}}


# ------------------------------------------------------------------------------- reading


def list_keys(desk: Desk, *, status: str | None = None, unit: str | None = None,
              actor: str | None = None) -> list[dict[str, Any]]:
    with desk.read() as s:
        staff = authorise(s, actor, "read")
        query = select(Key).order_by(Key.tag)
        if status:
            query = query.where(Key.status == STATUSES.parse(status))
        if unit:
            query = query.where(Key.unit_id == kit.get_unit(s, unit).id)
        return [key_read(k, desk.tz, staff) for k in s.scalars(query)]


def show_key(desk: Desk, tag: str, actor: str | None = None) -> dict[str, Any]:
    """A key with its loans, newest first."""
    with desk.read() as s:
        staff = authorise(s, actor, "read")
        key = get_key(s, tag)
        loans = s.scalars(select(KeyLoan).where(KeyLoan.key_id == key.id)
                          .order_by(KeyLoan.lent_at.desc(), KeyLoan.id.desc()))
        return key_read(key, desk.tz, staff) | {"loans": [loan_view(x, desk.tz)
                                                          for x in loans]}


def list_loans(desk: Desk, *, open_only: bool = False, overdue: bool = False,
               ticket: str | None = None, actor: str | None = None,
               now: datetime | None = None) -> list[dict[str, Any]]:
    now = now or desk.now()
    with desk.read() as s:
        authorise(s, actor, "read")
        query = select(KeyLoan).order_by(KeyLoan.due_at, KeyLoan.id)
        if open_only or overdue:
            query = query.where(KeyLoan.closed_at.is_(None))
        if overdue:
            query = query.where(KeyLoan.due_at < now)
        if ticket:
            query = query.where(KeyLoan.ticket == ticket.strip())
        return [loan_view(x, desk.tz) for x in s.scalars(query)]


def open_loans_for_ticket(desk: Desk, number: str) -> list[tuple[str, str]]:
    """(tag, borrower) of every key still out for a work order."""
    with desk.read() as s:
        rows = s.execute(select(Key.tag, KeyLoan.borrower).join(KeyLoan.key)
                         .where(KeyLoan.ticket == number, KeyLoan.closed_at.is_(None))
                         .order_by(Key.tag))
        return [(tag, borrower) for tag, borrower in rows]


def unit_history(desk: Desk, unit: str, *, actor: str | None = None,
                 session: Any = None) -> list[dict[str, Any]]:
    """Every audited change to a unit's keys, oldest first: the file's key history."""
    def read(s: Any) -> list[dict[str, Any]]:
        code = kit.get_unit(s, unit).code
        rows = s.scalars(select(KeyAudit).where(KeyAudit.unit == code)
                         .order_by(KeyAudit.at, KeyAudit.id))
        return [audit_view(r, desk) for r in rows]
    if session is not None:
        return read(session)
    with desk.read() as s:
        authorise(s, actor, "read")
        return read(s)


def audit_trail(desk: Desk, *, tag: str | None = None, unit: str | None = None,
                limit: int = 200, actor: str | None = None) -> list[dict[str, Any]]:
    if limit < 1:
        raise DomainError("limit", "must be at least 1")
    with desk.read() as s:
        authorise(s, actor, "read")
        query = select(KeyAudit).order_by(KeyAudit.id.desc()).limit(limit)
        if tag:
            query = query.where(KeyAudit.tag == tag.strip())
        if unit:
            query = query.where(KeyAudit.unit == unit.strip())
        return [audit_view(r, desk) for r in s.scalars(query)]


def audit_view(row: KeyAudit, desk: Desk) -> dict[str, Any]:
    return {"id": row.id, "at": show(row.at, desk.tz), "actor": row.actor,
            "action": row.action, "entity": row.entity, "entity_id": row.entity_id,
            "tag": row.tag, "unit": row.unit, "before": row.before, "after": row.after}

