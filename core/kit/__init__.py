"""The plugin kit: everything a plugin (or the training toolkit) may use of the core.

A plugin imports this package and its two adapters' helpers (`core.kit.cli`,
`core.kit.api`), nothing else of `core`; an import-linter contract in `make test` holds
it to that. What a plugin needs and does not find here is added here, so the list below
is the whole surface the core promises to keep stable.

- `hookimpl`: the marker for hook implementations.
- The unit of work: `desk.write()` opens one (or joins the caller's), `desk.read()` reads
  inside it; `desk.notify(hook, **kw)` fires after commit. `lock(query)` row-locks.
- Who owns: `desk_owner(session, name)`, the desk member who takes in what another role
  heard (a ticket's owner is always a desk role).
- Who acts: `actor(session, name)` (None is the site operator), `require(staff, what,
  roles)`, role sets `DESK`, `LEADS`, phone masking `mask_phone` / `redact` / `sees_phones`.
- When: `action_time(desk, at, not_before=..., what=...)`, the one time rule; `parse_time`,
  `show`, `utcnow`; `parse_month` (a `YYYY-MM` argument, refused naming the field).
- Errors (`DomainError` and kin): one line naming the field; CLI exit 2, HTTP 4xx.
- The ticket service: `tickets` (dispatch, start, resolve, report, close, withdraw, ...),
  `show_ticket`, `reserve` (a counter), `Ticket`, `Staff`, `Unit`, `Base`.
- Vocabularies, the SLA arithmetic and the hook-aware `sla_policy` / `policy_function`.
- Follow-ups a plugin opens: `schedule_agreement` (middle and end of a special-service
  agreement), `survey_followup` (a dissatisfied survey answer, in person).
- `printing`: printable papers (a Jinja2 template extending `print/base.html` to
  self-contained HTML, `render_pdf` / `html_to_pdf` for an A4 PDF, `image_uri` for a
  signature or photo); loaded on first use.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Select

from core import hookimpl
from core.action_time import action_time
from core.config import Config, load_config
from core.desk import Desk
from core.directory import desk_owner, get_staff, get_unit, list_staff, parse_unit_code
from core.errors import (
    ConfigError,
    Conflict,
    DomainError,
    NotFound,
    TimeConflict,
    TransitionRefused,
)
from core.labels import (
    CHANNELS,
    CLOCKS,
    COMPLAINT_SEVERITIES,
    NATURES,
    ROLES,
    SEVERITIES,
    Term,
    Vocabulary,
    builtin_categories,
)
from core.migration_ops import append_only, drop_append_only
from core.models import Base, Staff, Ticket, Unit
from core.permissions import (
    DESK,
    LEADS,
    PHONE_ROLES,
    Forbidden,
    mask_phone,
    redact,
    require,
    sees_phones,
)
from core.policy import Policy, policy_function, sla_policy
from core.sla import Duration, add_business_seconds, deadline
from core.times import FUTURE_TOLERANCE, parse_time, show, utcnow
from core.work import WriteConflict

__all__ = [
    "CHANNELS", "CLOCKS", "COMPLAINT_SEVERITIES", "DESK", "FUTURE_TOLERANCE", "LEADS",
    "NATURES", "PHONE_ROLES", "ROLES", "SEVERITIES", "Base", "Config", "ConfigError",
    "Conflict", "Desk", "DomainError", "Duration", "Forbidden", "NotFound", "Policy", "Staff",
    "Term", "Ticket", "TimeConflict", "TransitionRefused", "Unit", "Vocabulary", "WriteConflict",
    "action_time", "actor", "add_business_seconds", "append_only", "builtin_categories",
    "claim", "deadline", "desk_owner", "drop_append_only", "get_staff", "get_unit", "hookimpl",
    "list_staff", "load_config", "lock", "mask_phone", "parse_time", "parse_unit_code",
    "policy_function", "redact", "require", "reserve", "sees_phones", "show", "show_ticket",
    "sla_policy", "tickets", "utcnow",
    "Arrival", "arrival_history", "find_cjk_font", "schedule_agreement", "survey_followup",
    "parse_month",
    "printing",
]


def actor(session: Any, name: str | None) -> Staff | None:
    """The acting staff member by name; None (no `--as`) is the site operator. An unknown
    name is refused (`as: no staff member ...`), on reads as on writes."""
    return None if name is None else get_staff(session, name, "as")


def parse_month(text: str, field: str = "month") -> str:
    """A month as `YYYY-MM` (01–12): a plugin's month argument or option, refused naming
    the field otherwise (`paid statement 2026-13` is an error, not an empty answer)."""
    value = str(text).strip()
    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value) is None or value < "1900":
        raise DomainError(field, f"use YYYY-MM (a month 01-12), not {str(text)[:20]!r}")
    return value


def lock(query: Select[Any], of: Any = None) -> Select[Any]:
    """`query` locking the rows it reads until the unit of work commits (PostgreSQL
    `FOR UPDATE`; on SQLite the write transaction already holds the database). `of`: the
    table (model) to lock when the query also loads related rows through an outer join,
    which PostgreSQL cannot lock."""
    return query.with_for_update(of=of) if of is not None else query.with_for_update()


def __getattr__(name: str) -> Any:
    # the ticket service and its helpers load on first use: they pull in the whole core
    if name == "tickets":
        from core import tickets
        return tickets
    if name == "show_ticket":
        from core.queries import show_ticket
        return show_ticket
    if name == "reserve":
        from core.actions import reserve
        return reserve
    if name == "claim":
        from core.deadlines import claim
        return claim
    if name in ("arrival_history", "Arrival"):
        from core import history
        return getattr(history, name)
    if name in ("schedule_agreement", "survey_followup"):
        from core import special_followups
        return getattr(special_followups, name)
    if name == "find_cjk_font":
        from core.fonts import find_cjk_font
        return find_cjk_font
    if name == "printing":
        from core import printing
        return printing
    raise AttributeError(f"module 'core.kit' has no attribute {name!r}")
