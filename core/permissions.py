"""Who may do what (SPEC §1): one table, checked by the services for every channel.

The CLI without `--as` acts as the site's operator (whoever holds the database file
already has every power); every named staff member, and every API token, is held to
these rules.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from core.errors import DomainError, NotFound
from core.models import Staff, Ticket
from core.textcheck import FREE_TEXT

if TYPE_CHECKING:
    from core.desk import Desk

DESK = frozenset({"frontdesk", "supervisor", "manager"})
LEADS = frozenset({"supervisor", "manager"})
#: who may own a ticket (首接人): the desk roles, who report back to the customer (SPEC §2)
OWNER_ROLES = DESK
#: the follow-up ladder: a follow-up is recorded by its owner's role or one above
RANK = {"frontdesk": 0, "supervisor": 1, "manager": 2}
#: roles that see owners' phone numbers in full; others see 138****5678
PHONE_ROLES = frozenset({"frontdesk", "supervisor", "manager", "technician"})

#: action → roles that may always do it; "worker" actions are also open to whoever the
#: ticket is dispatched to (the assignee, or a member of the department it went to)
ALWAYS: dict[str, frozenset[str]] = {
    "intake": DESK, "dispatch": DESK, "withdraw": DESK, "report": DESK, "close": DESK,
    "reopen": DESK,
    "reclassify": DESK, "handover": DESK, "followup": DESK,
    "contact": DESK, "attach": DESK, "pause": DESK, "resume": DESK, "start": LEADS,
    "resolve": LEADS,
    "escalate": LEADS, "staff": LEADS, "unit": DESK, "token": frozenset({"manager"}),
    "webhook": frozenset({"manager", "integrator"}),
    "notify": frozenset({"supervisor", "manager", "integrator"}),
    "capa": LEADS, "statistics": LEADS, "plan": LEADS, "import": LEADS,
    # init, db upgrade, serve, watch, sla check, demo: whoever runs the site, no one by role
    "operate": frozenset(),
}
#: how a refusal names an action whose code is not a verb
WHAT = {"operate": "run site operations", "import": "import a ledger",
        "plan": "plan follow-ups", "capa": "handle corrective actions",
        "statistics": "read statistics", "token": "manage API tokens",
        "webhook": "manage webhooks", "notify": "manage notifications", "unit": "add units",
        "staff": "add staff"}
WORKER_ACTIONS = frozenset({"start", "resolve", "contact", "attach", "pause", "resume"})


class Forbidden(DomainError):
    """The acting staff member's role does not allow the action (HTTP 403)."""

    status = 403


def check(staff: Staff | None, action: str, ticket: Ticket | None = None,
          data: dict[str, Any] | None = None) -> None:
    """Raise `Forbidden` unless `staff` may do `action` (on `ticket`); None is the operator."""
    if staff is None:
        return
    data = data or {}
    role = staff.role
    if ticket is not None and action in WORKER_ACTIONS and _dispatched_to(staff, ticket):
        return
    if ticket is not None and action == "resolve" and _answers_herself(staff, ticket):
        return
    if action == "followup" and data.get("task_assignee") is not None \
            and data["task_assignee"] == staff.id:
        return  # the professional a survey follow-up is assigned to
    if role not in ALWAYS.get(action, frozenset()):
        raise Forbidden("as", f"{staff.name} ({role}) may not {WHAT.get(action, action)}"
                        + (f" ticket {ticket.number}" if ticket else ""))
    if ticket is None:
        return
    major = ticket.category == "complaint" and ticket.severity == "major"
    if action == "close" and major and role not in LEADS:
        raise Forbidden("as", "only a supervisor or site manager closes a major complaint")
    if action == "reclassify" and data.get("severity") is not None and role not in LEADS:
        raise Forbidden("as", "only a supervisor or site manager changes a severity")
    if action == "handover" and role not in LEADS and data.get("from") != staff.name:
        raise Forbidden("as", "a front-desk agent hands over only their own tickets")
    if action == "followup" and data.get("task_role"):
        check_followup_rank(staff, data["task_role"], ticket.number)


def check_followup_rank(staff: Staff | None, task_role: str, number: str) -> None:
    """A follow-up is recorded by the role it is assigned to, or above (客户回访管理规定
    §3.1: a major complaint's by the site manager); None is the operator."""
    if staff is None:
        return
    need = RANK.get(task_role)
    have = RANK.get(staff.role)
    # a professional's follow-up (survey): the assignee (checked before) or a lead
    ok = staff.role in LEADS if need is None else have is not None and have >= need
    if not ok:
        raise Forbidden("as", f"{staff.name} ({staff.role}) may not record the follow-up of "
                        f"ticket {number}: it is the {task_role}'s (or a role above)")


def check_owner(staff: Staff, field: str) -> None:
    """A ticket's first-contact owner is a desk role (SPEC §2: the owner reports back)."""
    if staff.role not in OWNER_ROLES:
        raise DomainError(field, f"{staff.name} ({staff.role}) cannot own a ticket: the "
                          "first-contact owner (首接人) is front desk, supervisor or manager")


def _answers_herself(staff: Staff, ticket: Ticket) -> bool:
    """SPEC §2: what the owner answers herself (after asking the supervisor, within 5
    minutes) she resolves while the ticket is not dispatched; the service checks that its
    category may be resolved without dispatch."""
    return ticket.state == "received" and ticket.owner_id == staff.id \
        and staff.role in OWNER_ROLES


def resolve(s: Session, name: str | None) -> Staff | None:
    """The acting staff member by name; None (no `--as`) is the site operator. An unknown
    name is refused on every command, reads included."""
    if name is None:
        return None
    try:
        staff = s.scalar(select(Staff).where(Staff.name == name.strip()))
    except (OperationalError, ProgrammingError):  # no staff table yet: nobody is known
        staff = None
    if staff is None:
        raise NotFound("as", f"no staff member {name!r}")
    return staff


def authorise(desk: Desk, actor: str | None, action: str | None = None) -> Staff | None:
    """Resolve `actor` and check that they may do `action` (None: any staff member may,
    as for reads). Inside the caller's unit of work when one is open."""
    with desk.read() as s:
        staff = resolve(s, actor)
        if action is not None:
            check(staff, action)
        return staff


def view_for(staff: Staff | None, view: dict[str, Any]) -> dict[str, Any]:
    """A ticket or unit view as this reader may see it (phones masked for some roles)."""
    return redact(view, staff.role if staff is not None else None)


def require(staff: Staff | None, what: str, roles: frozenset[str] | set[str]) -> None:
    """Raise `Forbidden` unless `staff` (None: the site operator) has one of `roles`.

    For plugin actions, whose rules live in the plugin's service: `what` says the action
    in the refusal ("set prices", "approve a key loss")."""
    if staff is not None and staff.role not in roles:
        raise Forbidden("as", f"{staff.name} ({staff.role}) may not {what}")


def sees_phones(staff: Staff | None) -> bool:
    """Whether this reader sees owners' phone numbers in full (the operator does)."""
    return staff is None or staff.role in PHONE_ROLES


def _dispatched_to(staff: Staff, ticket: Ticket) -> bool:
    if ticket.assignee_id is not None:
        return ticket.assignee_id == staff.id
    return ticket.department is not None and ticket.department == staff.department


def mask_phone(phone: str | None) -> str | None:
    """138****5678: enough to recognise, not enough to call."""
    if not phone:
        return phone
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


#: a Chinese mobile number written into free text (a summary, a note)
MOBILE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d)\d{4}(\d{4})(?![0-9A-Za-z])")


def mask_deep(value: Any, key: str = "") -> Any:
    """`value` with every owner's phone masked, however deeply nested: fields named like
    `phone`, and mobile numbers inside free-text fields (summary, note, result, ...)."""
    if isinstance(value, dict):
        return {k: mask_deep(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_deep(v, key) for v in value]
    if isinstance(value, str) and value:
        name = key.lower()
        if "phone" in name:
            return mask_phone(value)
        if name in FREE_TEXT:
            return MOBILE.sub(r"\1****\2", value)
    return value


def redact(view: dict[str, Any], role: str | None) -> dict[str, Any]:
    """A ticket or unit view as a role may see it: phones masked, in every field and in
    the history's notes too, for roles that do not see them."""
    if role is None or role in PHONE_ROLES:
        return view
    return mask_deep(view)
