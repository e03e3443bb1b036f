"""A lost key (钥匙遗失): report → the site manager's approval, naming who is accountable →
the owner informed through a ticket opened automatically → a lock change recommended,
then recorded as done or declined. Nothing past the report happens without approval; a
report whose key turns up before then is withdrawn.

Each step is one unit of work that locks the key, then the report (always in that
order, as lending and returning lock the key), and checks both as they are now. The
approval, the key written off, its loan closed and the owner's ticket commit together or
not at all: a failed approval leaves the report waiting, and ten approvals at once take
effect once. While a report waits the key moves nowhere (`common.check_state`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from core import kit
from core.kit import DomainError, Forbidden, NotFound, Staff, TransitionRefused, show
from plugins.keys.common import (
    action_time,
    actor_name,
    audit,
    authorise,
    check_state,
    lock_key,
    open_loan,
    snapshot,
    text_field,
)
from plugins.keys.models import Key, KeyLoss

if TYPE_CHECKING:
    from core.kit import Desk

LOCK_CHANGES = {"done": "done", "更换": "done", "declined": "declined", "不更换": "declined"}
LOSS_FIELDS = ("status", "approved_by", "approved_at", "accountable", "ticket",
               "lock_change", "lock_change_at", "lock_change_note")


def report_loss(desk: Desk, tag: str, circumstances: str, *, actor: str | None = None,
                at: str | datetime | None = None) -> dict[str, Any]:
    """Report a key missing; it stays as it is in the register until the manager approves
    (but is neither lent, taken back nor handed back meanwhile)."""
    circumstances = text_field(circumstances, "circumstances") or ""
    with desk.write() as s:
        staff = authorise(s, actor, "report_loss")
        key = lock_key(s, tag)
        check_state(s, desk, key, "report_loss")
        moment = action_time(desk, at, s, key)
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
        staff = authorise(s, actor, "withdraw_loss")
        key, loss = _lock(s, loss_id)
        if loss.status != "reported":
            raise TransitionRefused("id", f"loss {loss.id} is {loss.status}: only a report "
                                    "still awaiting approval can be withdrawn")
        moment = action_time(desk, at, s, key, what="the loss report")
        before = snapshot(loss, LOSS_FIELDS)
        loss.status = "withdrawn"
        audit(s, at=moment, actor=actor_name(staff), action="loss_withdrawn", entity="loss",
              entity_id=loss.id, key=key, before=before,
              after={"status": "withdrawn", "reason": reason})
        return loss_view(loss, desk)


def approve_loss(desk: Desk, loss_id: int, *, accountable: str, note: str | None = None,
                 actor: str | None = None, at: str | datetime | None = None) -> dict[str, Any]:
    """The site manager approves: names who is accountable; the key is written off (and
    the loan it was reported on closed as lost); the owner's ticket is opened; a lock
    change is recommended. All in one unit of work."""
    accountable = text_field(accountable, "accountable", limit=64) or ""
    if actor is None:  # an approval is a named person's act, even from the site's console
        raise Forbidden("as", "a lost key needs the site manager's approval: --as MANAGER")
    with desk.write() as s:
        staff = authorise(s, actor, "approve_loss")
        key, loss = _lock(s, loss_id)
        if staff is not None and loss.reported_by == staff.name:
            raise Forbidden("as", f"{staff.name} reported loss {loss.id}: nobody approves "
                            "their own report (another site manager approves)")
        if loss.status != "reported":
            raise TransitionRefused("id", f"loss {loss.id} is already {loss.status}")
        check_state(s, desk, key, "approve_loss")
        loan = open_loan(s, key)
        if (loan.id if loan else None) != loss.loan_id:  # never while the report waits
            raise TransitionRefused("id", f"key {key.tag} has changed hands since loss "
                                    f"{loss.id} was reported: withdraw it and report again")
        moment = action_time(desk, at, s, key, what="the loss report")
        _approve(s, loss, key, loan, staff, accountable, note, moment)
        if key.unit is not None:
            _inform_owner(s, desk, loss, key, staff, moment)
        return loss_view(loss, desk)


def _approve(s: Session, loss: KeyLoss, key: Key, loan: Any, staff: Staff | None,
             accountable: str, note: str | None, moment: datetime) -> None:
    """Write the approval: the key is lost, its open loan closed, a lock change advised."""
    before = snapshot(loss, LOSS_FIELDS)
    loss.status, loss.approved_by, loss.approved_at = "approved", actor_name(staff), moment
    loss.accountable, loss.lock_change = accountable, "recommended"
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


def _inform_owner(s: Session, desk: Desk, loss: KeyLoss, key: Key, staff: Staff | None,
                  moment: datetime) -> None:
    """The owner's ticket: important information, owned by the approving manager, taken in
    inside the approval's unit of work (the plugin opens it itself: the approval was
    already checked against the manager's role)."""
    assert key.unit is not None
    summary = (f"钥匙遗失告知: {key.tag} ({key.description or '钥匙'}) 于 "
               f"{show(loss.reported_at, desk.tz)} 报失, 建议更换门锁. {loss.circumstances}")
    view = kit.tickets.intake(desk, category="other", nature="important", channel="collected",
                              topic="钥匙遗失", unit=key.unit.code, summary=summary,
                              by=actor_name(staff), at=moment)
    loss.ticket = str(view["number"])
    audit(s, at=moment, actor=actor_name(staff), action="owner_informed", entity="loss",
          entity_id=loss.id, key=key, before={"ticket": None}, after={"ticket": loss.ticket})


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
        key, loss = _lock(s, loss_id)
        if loss.status != "approved":
            raise TransitionRefused("id", f"loss {loss.id} is {loss.status}: a lock change is "
                                    "recorded after the site manager's approval")
        moment = action_time(desk, at, s, key, what="the approval")
        before = snapshot(loss, LOSS_FIELDS)
        loss.lock_change, loss.lock_change_at, loss.lock_change_note = choice, moment, note
        loss.status = "closed"
        audit(s, at=moment, actor=actor_name(staff), action="lock_change", entity="loss",
              entity_id=loss.id, key=key, before=before,
              after=snapshot(loss, LOSS_FIELDS))
        return loss_view(loss, desk)


def list_losses(desk: Desk, *, actor: str | None = None) -> list[dict[str, Any]]:
    with desk.read() as s:
        authorise(s, actor, "read")
        return [loss_view(x, desk) for x in s.scalars(select(KeyLoss).order_by(KeyLoss.id))]


def _lock(s: Session, loss_id: int) -> tuple[Key, KeyLoss]:
    """The report's key and the report, both row-locked (key first) and read afresh."""
    key_id = s.scalar(select(KeyLoss.key_id).where(KeyLoss.id == loss_id))
    if key_id is None:
        raise NotFound("id", f"no loss report {loss_id}")
    key = lock_key(s, key_id=key_id)
    loss = s.scalar(kit.lock(select(KeyLoss).where(KeyLoss.id == loss_id)
                             .options(lazyload(KeyLoss.key)))
                    .execution_options(populate_existing=True))
    assert loss is not None  # a report is never deleted
    return key, loss


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
