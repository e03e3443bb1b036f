"""The loan clock: an open loan is at risk when most of its time is used and overdue when
its due time passes. `propdesk keys check` records each exactly once (compare-and-set,
`kit.claim`), so several checkers on one database never record twice.

Announcing: `sla_breached(ticket, clock)` / `sla_at_risk(ticket, clock)` document `ticket`
as a ticket (the object `ticket show --json` prints, without history) and `clock` as
name, round, policy, due_at, at_risk_at (+ breached_at, escalated_to). A loan that serves
a work order fits: the ticket is real, and the clock is named `key_loan`, as follow-ups
are announced with a clock named `followup`. A loan with no ticket does not fit (there
is no ticket to pass, and inventing one would mislead every subscriber): it is recorded
in the plugin's audit trail only, and listed by the check.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import kit
from core.kit import NotFound, show
from plugins.keys.common import audit, authorise
from plugins.keys.models import KeyLoan

if TYPE_CHECKING:
    from core.kit import Desk

CLOCK = "key_loan"
#: an overdue key is escalated to the supervisor, who spot-checks the cabinet
ESCALATED_TO = "supervisor"


def clock_view(loan: KeyLoan, desk: Desk) -> dict[str, Any]:
    """A loan as the `sla_*` hooks see a clock."""
    tz = desk.tz
    return {"name": CLOCK, "round": 1, "policy": loan.policy,
            "started_at": show(loan.lent_at, tz), "due_at": show(loan.due_at, tz),
            "at_risk_at": show(loan.at_risk_at, tz), "met_at": show(loan.closed_at, tz),
            "breached_at": show(loan.overdue_at, tz), "paused": False, "loan": loan.id,
            "tag": loan.key.tag, "borrower": loan.borrower}


def check(desk: Desk, now: datetime | None = None, actor: str | None = None,
          at: str | datetime | None = None) -> dict[str, list[dict[str, Any]]]:
    """One pass: record newly overdue and newly at-risk loans, then announce them (after
    the commit). `now` is the watcher's own clock; `at` is a person's `--at`, held to the
    one time rule."""
    found: dict[str, list[dict[str, Any]]] = {"overdue": [], "at_risk": []}
    calls: list[tuple[str, str, dict[str, Any]]] = []
    with desk.write() as s:
        authorise(s, actor, "check")
        now = kit.action_time(desk, at) if at is not None else now or desk.now()
        due = (select(KeyLoan).where(KeyLoan.closed_at.is_(None), KeyLoan.due_at < now,
                                     KeyLoan.overdue_at.is_(None))
               .order_by(KeyLoan.due_at, KeyLoan.id).with_for_update(skip_locked=True,
                                                                    of=KeyLoan))
        for loan in s.scalars(due).unique():
            if not kit.claim(s, loan, "overdue_at", now):
                continue  # another checker recorded it first
            extra = {"escalated_to": ESCALATED_TO}
            _record(s, loan, now, "overdue", "overdue_at", extra, found, calls, desk,
                    "sla_breached")
        risky = (select(KeyLoan).where(KeyLoan.closed_at.is_(None), KeyLoan.at_risk_at <= now,
                                       KeyLoan.due_at >= now,
                                       KeyLoan.at_risk_noted_at.is_(None))
                 .order_by(KeyLoan.due_at, KeyLoan.id).with_for_update(skip_locked=True,
                                                                      of=KeyLoan))
        for loan in s.scalars(risky).unique():
            if not kit.claim(s, loan, "at_risk_noted_at", now):
                continue
            _record(s, loan, now, "at_risk", "at_risk_noted_at", {}, found, calls, desk,
                    "sla_at_risk")
        for hook, number, clock in calls:
            try:
                ticket = kit.show_ticket(desk, number)
            except NotFound:  # the ticket vanished (never, but never crash the check)
                continue
            ticket.pop("events", None)
            desk.notify(hook, ticket=ticket, clock=clock)  # fires once the pass commits
    return found


def _record(s: Any, loan: KeyLoan, now: datetime, action: str, column: str,
            extra: dict[str, Any], found: dict[str, list[dict[str, Any]]],
            calls: list[tuple[str, str, dict[str, Any]]], desk: Desk, hook: str) -> None:
    """The audit row (on record once, as the claim guarantees), the result, the hook call."""
    announced = loan.ticket is not None
    audit(s, at=now, actor="system", action=action, entity="loan", entity_id=loan.id,
          key=loan.key, before={column: None},
          after={column: now, "due_at": loan.due_at, "borrower": loan.borrower,
                 "ticket": loan.ticket, "announced": hook if announced else None} | extra)
    clock = clock_view(loan, desk) | extra
    found[action].append(clock | {"ticket": loan.ticket, "announced": announced})
    if announced:
        calls.append((hook, loan.ticket, clock))
