"""The unit of work: one user action, one transaction, its notifications after the commit.

The adapter (a CLI command, an HTTP route, a plugin command, a watcher pass) opens the
unit with `desk.write()`; every service it calls, core or plugin, joins that unit by
calling `desk.write()` (or `desk.read()`) itself, so a compound action (refuse a paid
job, approve a key loss, call off an event) commits or rolls back as one. Notifications
raised inside the unit wait on it (`Work.notify`) and fire as plugin hook calls once it
has committed; a rolled-back action announces nothing.

On SQLite a write transaction starts with `BEGIN IMMEDIATE`: it takes the database's
write lock before its first read, so two processes checking the same state serialise
instead of both passing the check. On PostgreSQL services lock the rows they change
(`SELECT ... FOR UPDATE`). A unique constraint that a concurrent writer won becomes a
`WriteConflict` (HTTP 409), never an internal error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import Conflict

Note = tuple[str, dict[str, Any]]
INFO_KEY = "propdesk.work"


class WriteConflict(Conflict):
    """A concurrent action changed the same record first (a unique constraint held)."""


@dataclass
class Work:
    """What one unit of work carries besides its session."""

    session: Session
    notes: list[Note] = field(default_factory=list)
    #: run just before the commit, in order; they may still write and `notify`
    before_commit: list[Callable[[], None]] = field(default_factory=list)

    def notify(self, hook: str, **kwargs: Any) -> None:
        """Fire `hook` with `kwargs` once this unit has committed."""
        self.notes.append((hook, kwargs))


def current(session: Session) -> Work | None:
    """The unit of work a session belongs to (None for a plain read session)."""
    return session.info.get(INFO_KEY)


def is_unique_violation(exc: IntegrityError) -> bool:
    """A duplicate key (SQLite "UNIQUE constraint failed", PostgreSQL SQLSTATE 23505)."""
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "diag", None),
                                                       "sqlstate", None)
    return code == "23505" or "UNIQUE constraint failed" in str(orig)


def conflict(exc: IntegrityError) -> WriteConflict:
    """The 409 a caller gets when a concurrent writer won the same key."""
    detail = str(exc.orig).splitlines()[0] if exc.orig is not None else ""
    return WriteConflict("conflict", "a concurrent action changed this record first; "
                         f"reload it and try again ({detail})")
