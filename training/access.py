"""Who may do what in training: decided here, once, for the CLI, notebooks and any caller.

`actor` is a staff member's name (the CLI's `--as`); None is the site operator, who may
do anything. An unknown name is refused (`as: no staff member ...`) on reads as on
writes. Answer keys, grades and appraisal figures are for trainers and leads; drafting a
case reads a customer's ticket, so it is theirs too.
"""

from __future__ import annotations

from typing import Any

from core.kit import DomainError, Staff, require
from core.kit import actor as find_actor

#: who runs the case library, exams, grading and the appraisal (SPEC §1, §8)
TRAINERS = frozenset({"trainer", "supervisor", "manager"})
#: who takes exams: the site's own staff (an integrator is an outside party)
TAKERS = frozenset({"frontdesk", "technician", "supervisor", "manager", "archivist",
                    "custodian", "trainer"})


def authorise(site: Any, actor: str | None, what: str | None = None,
              roles: frozenset[str] | None = None) -> Staff | None:
    """The acting staff member (None: the operator), refused unless one of `roles`.

    `site`: the `Desk` whose staff table names who acts; `what`: the action, for the
    message. Without `roles` only the name is checked (reads open to every staff member).
    """
    if actor is None:
        return None
    if site is None:
        raise DomainError("as", "acting as a staff member needs the site database "
                          "(propdesk --db or $PROPDESK_DATABASE_URL)")
    with site.read() as s:
        staff = find_actor(s, actor)
        if roles is not None:
            require(staff, what or "do this", roles)
        return staff
