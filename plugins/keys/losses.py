"""A lost key (钥匙遗失): report → the site manager's approval, naming who is accountable →
the owner informed through a ticket opened automatically → a lock change recommended,
then recorded as done or declined. Nothing past the report happens without approval; a
report whose key turns up before then is withdrawn.

The owner's ticket is taken in through `core.tickets.intake` after the approval commits,
with an idempotency key per loss: approving again after a failure opens no second ticket.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import tickets
from core.errors import DomainError, NotFound, TransitionRefused
from core.permissions import Forbidden
from core.times import show
from plugins.keys.common import (
    STATUSES,
    actor_name,
    audit,
    authorise,
    get_key,
    open_loan,
    snapshot,
    text_field,
    when,
)
from plugins.keys.models import KeyLoss

if TYPE_CHECKING:
    from core.desk import Desk

LOCK_CHANGES = {"done": "done", "更换": "done", "declined": "declined", "不更换": "declined"}
LOSS_FIELDS = ("status", "approved_by", "approved_at", "accountable", "ticket",
               "lock_change", "lock_change_at", "lock_change_note")


def report_loss(desk: Desk, tag: str, circumstances: str, *, actor: str | None = None,
                at: str | datetime | None = None) -> dict[str, Any]:
    """Report a key missing; it stays as it is in the register until the manager approves."""
    circumstances = text_field(circumstances, "circumstances") or ""
    with desk.write() as s:
        staff = authorise(s, actor, "report_loss")
        key = get_key(s, tag, lock=True)
        if key.status not in ("in_cabinet", "on_loan"):
            raise TransitionRefused("tag", f"key {key.tag} is {STATUSES.label(key.status)}")
        if s.scalar(select(KeyLoss.id).where(KeyLoss.key_id == key.id,
                                             KeyLoss.status == "reported")):
            raise TransitionRefused("tag", f"key {key.tag} is already reported lost, "
                                    "awaiting the site manager's approval")
        moment = when(desk, at)
        loan = open_loan(s, key)
        loss = KeyLoss(key=key, loan_id=loan.id if loan else None, status="reported",
                       reported_by=actor_name(staff), reported_at=moment,
                       circumstances=circumstances)
        s.add(loss)
        s.flush()
        view = loss_view(loss, desk, loan.borrower if loan else None)
        audit(s, at=moment, actor=actor_name(staff), action="loss_reported", entity="loss",
              entity_id=loss.id, key=key, after=view)
    return view


def withdraw_loss(desk: Desk, loss_id: int, *, reason: str, actor: str | None = None,
                  at: str | datetime | None = None) -> dict[str, Any]:
    """The key turned up before the manager approved: the report is withdrawn, with where
    it was found in the audit log; the key stays as it was in the register."""
    reason = text_field(reason, "reason") or ""
    with desk.write() as s:
        staff = authorise(s, actor, "report_loss")
        loss = _get(s, loss_id, lock=True)
        if loss.status != "reported":
            raise TransitionRefused("id", f"loss {loss.id} is {loss.status}: only a report "
                                    "still awaiting approval can be withdrawn")
        moment = when(desk, at, not_before=loss.reported_at, what="the report")
        before = snapshot(loss, LOSS_FIELDS)
        loss.status = "withdrawn"
        audit(s, at=moment, actor=actor_name(staff), action="loss_withdrawn", entity="loss",
              entity_id=loss.id, key=loss.key, before=before,
              after={"status": "withdrawn", "reason": reason})
        return loss_view(loss, desk)


def approve_loss(desk: Desk, loss_id: int, *, accountable: str, note: str | None = None,
                 actor: str | None = None, at: str | datetime | None = None) -> dict[str, Any]:
    """The site manager approves: names who is accountable; the key is written off (and
    its open loan closed as lost); the owner's ticket is opened; a lock change is
    recommended."""
    accountable = text_field(accountable, "accountable", limit=64) or ""
    if actor is None:
        raise Forbidden("as", "a lost key needs the site manager's approval: --as MANAGER")
    with desk.write() as s:
        staff = authorise(s, actor, "approve_loss")
        loss = _get(s, loss_id, lock=True)
        key = loss.key
        unit = key.unit.code if key.unit else None
        if loss.status == "approved" and loss.ticket is None and unit:
            # approved, but the owner's ticket was not opened: open it now (idempotent)
            assert loss.approved_at is not None
            moment, summary = loss.approved_at, _summary(loss, desk)
        elif loss.status != "reported":
            raise TransitionRefused("id", f"loss {loss.id} is already {loss.status}")
        else:
            moment = _approve(s, desk, loss, staff, accountable, note, at)
            summary = _summary(loss, desk)
    number = _inform_owner(desk, loss.id, unit, summary, actor, moment) if unit else None
    with desk.write() as s:
        loss = _get(s, loss_id, lock=True)
        if number is not None and loss.ticket is None:
            loss.ticket = number
            audit(s, at=moment, actor=actor_name(staff), action="owner_informed",
                  entity="loss", entity_id=loss.id, key=loss.key, before={"ticket": None},
                  after={"ticket": number})
        return loss_view(loss, desk)


def _approve(s: Any, desk: Desk, loss: KeyLoss, staff: Any, accountable: str,
             note: str | None, at: str | datetime | None) -> datetime:
    """Write the approval: the key is lost, its open loan closed, a lock change advised."""
    moment = when(desk, at, not_before=loss.reported_at, what="the report")
    key = loss.key
    before = snapshot(loss, LOSS_FIELDS)
    loss.status, loss.approved_by, loss.approved_at = "approved", actor_name(staff), moment
    loss.accountable, loss.lock_change = accountable, "recommended"
    loan = open_loan(s, key)
    if loan is not None:
        loan.closed_at, loan.outcome, loan.received_by = moment, "lost", actor_name(staff)
        audit(s, at=moment, actor=actor_name(staff), action="loan_closed_lost",
              entity="loan", entity_id=loan.id, key=key, before={"closed_at": None},
              after={"closed_at": moment, "outcome": "lost"})
    key_before = key.status
    key.status = "lost"
    audit(s, at=moment, actor=actor_name(staff), action="loss_approved", entity="loss",
          entity_id=loss.id, key=key, before=before | {"key_status": key_before},
          after=snapshot(loss, LOSS_FIELDS) | {"key_status": "lost", "note": note})
    return moment


def _summary(loss: KeyLoss, desk: Desk) -> str:
    key = loss.key
    return (f"钥匙遗失告知: {key.tag} ({key.description or '钥匙'}) 于 "
            f"{show(loss.reported_at, desk.tz)} 报失, 建议更换门锁. {loss.circumstances}")


def _inform_owner(desk: Desk, loss_id: int, unit: str, summary: str, actor: str,
                  at: datetime) -> str:
    """The owner's ticket: important information, owned by the approving manager (the
    plugin opens it itself: the approval was already checked against the manager's role)."""
    view = tickets.intake(desk, category="other", nature="important", channel="collected",
                          topic="钥匙遗失", unit=unit, summary=summary, by=actor,
                          at=at, idempotency_key=f"keys:loss:{loss_id}")
    return str(view["number"])


def record_lock_change(desk: Desk, loss_id: int, *, outcome: str, note: str,
                       actor: str | None = None,
                       at: str | datetime | None = None) -> dict[str, Any]:
    """After approval: the lock was changed, or the owner declined (recorded either way)."""
    choice = LOCK_CHANGES.get((outcome or "").strip().lower())
    if choice is None:
        raise DomainError("outcome", "done (更换) or declined (不更换)")
    note = text_field(note, "note") or ""
    with desk.write() as s:
        staff = authorise(s, actor, "lock_change")
        loss = _get(s, loss_id, lock=True)
        if loss.status != "approved":
            raise TransitionRefused("id", f"loss {loss.id} is {loss.status}: a lock change is "
                                    "recorded after the site manager's approval")
        moment = when(desk, at, not_before=loss.approved_at, what="the approval")
        before = snapshot(loss, LOSS_FIELDS)
        loss.lock_change, loss.lock_change_at, loss.lock_change_note = choice, moment, note
        loss.status = "closed"
        audit(s, at=moment, actor=actor_name(staff), action="lock_change", entity="loss",
              entity_id=loss.id, key=loss.key, before=before,
              after=snapshot(loss, LOSS_FIELDS))
        return loss_view(loss, desk)


def list_losses(desk: Desk, *, actor: str | None = None) -> list[dict[str, Any]]:
    with desk.read() as s:
        authorise(s, actor, "read")
        return [loss_view(x, desk) for x in s.scalars(select(KeyLoss).order_by(KeyLoss.id))]


def _get(s: Any, loss_id: int, lock: bool = False) -> KeyLoss:
    query = select(KeyLoss).where(KeyLoss.id == loss_id)
    loss = s.scalar(query.with_for_update(of=KeyLoss) if lock else query)
    if loss is None:
        raise NotFound("id", f"no loss report {loss_id}")
    return loss


def loss_view(loss: KeyLoss, desk: Desk, borrower: str | None = None) -> dict[str, Any]:
    tz = desk.tz
    view = {"id": loss.id, "tag": loss.key.tag,
            "unit": loss.key.unit.code if loss.key.unit else None, "area": loss.key.area,
            "status": loss.status, "loan": loss.loan_id, "reported_by": loss.reported_by,
            "reported_at": show(loss.reported_at, tz), "circumstances": loss.circumstances,
            "approved_by": loss.approved_by, "approved_at": show(loss.approved_at, tz),
            "accountable": loss.accountable, "ticket": loss.ticket,
            "lock_change": loss.lock_change, "lock_change_at": show(loss.lock_change_at, tz),
            "lock_change_note": loss.lock_change_note}
    if borrower:
        view["borrower"] = borrower
    return view
