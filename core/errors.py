"""Errors a user can cause: each names the field it is about, in one line.

`refusal(exc)` is the one mapping from a user's mistake to what they are told: the CLI
prints `error: <field>: <message>` and exits 2, the API answers `{"field", "error"}` with
the status. Both adapters call it, so a refusal reads the same through either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class DomainError(Exception):
    """A user-caused error; the CLI maps it to exit code 2, the API to a 4xx."""

    status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "error": self.message}


class NotFound(DomainError):
    """A referenced unit, staff member or ticket does not exist."""

    status = 404


class TransitionRefused(DomainError):
    """The state machine, or a plugin through `validate_transition`, refused an action."""

    status = 409


class Conflict(DomainError):
    """A stale version or a reused idempotency key (HTTP 409)."""

    status = 409


class TimeConflict(DomainError):
    """A well-formed time the clock or the record refuses: not come yet, or before what it
    follows (HTTP 409: the same request is fine at another moment or on another record;
    422 stays for what is malformed whatever the state, as the OpenAPI schema says)."""

    status = 409


class ConfigError(DomainError):
    """The site configuration file is unreadable or has a bad key."""


@dataclass(frozen=True)
class Refusal:
    """What a user is told about their mistake, on either channel."""

    field: str | None
    message: str
    status: int = 422
    exit_code: int = 2

    def line(self) -> str:
        """The CLI's one line (without the `error: ` prefix)."""
        return f"{self.field}: {self.message}" if self.field else self.message

    def body(self) -> dict[str, str]:
        """The API's JSON body."""
        return {"field": self.field or "body", "error": self.message}


#: PostgreSQL SQLSTATEs (and classes) meaning the server cannot store anything now
PG_STORAGE = {"53100": "disk full", "53000": "insufficient resources",
              "53200": "out of memory", "58030": "I/O error",
              "25006": "read-only transaction", "57P03": "the server cannot accept "
              "connections now", "08": "connection lost"}
#: SQLite primary result codes (and message texts) meaning the same
SQLITE_STORAGE = {13: "database or disk is full", 8: "read-only database",
                  10: "disk I/O error", 14: "unable to open the database file",
                  5: "database is locked"}


def storage_failure(exc: BaseException) -> str | None:
    """Why the database could not store a write (full, read-only, I/O, gone), or None
    when `exc` is something else. Such a failure is the service's, not the user's: HTTP
    503, and the unit of work rolled back, so nothing is half-written."""
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "diag", None),
                                                       "sqlstate", None)
    if code:
        why = PG_STORAGE.get(code) or PG_STORAGE.get(code[:2])
        if why:
            return f"storage: {why} (SQLSTATE {code}); nothing was written"
        return None
    number = getattr(orig, "sqlite_errorcode", None)
    if isinstance(number, int) and (number & 0xFF) in SQLITE_STORAGE:
        return f"storage: {SQLITE_STORAGE[number & 0xFF]}; nothing was written"
    text = str(orig)
    for why in ("database or disk is full", "attempt to write a readonly database",
                "disk I/O error"):
        if type(orig).__name__ == "OperationalError" and why in text:
            return f"storage: {why}; nothing was written"
    return None


def refusal(exc: BaseException) -> Refusal | None:
    """The user-facing refusal for `exc`, or None when it is not the user's doing (a bug)."""
    if isinstance(exc, DomainError):
        return Refusal(exc.field, exc.message, exc.status)
    errors: Any = getattr(exc, "errors", None)
    if callable(errors) and type(exc).__name__ in ("RequestValidationError", "ValidationError"):
        found = errors()
        err = found[0] if found else {"loc": (), "msg": str(exc)}
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path",
                                                                "header")]
        return Refusal(".".join(loc) or "body", str(err.get("msg", "invalid")), 422)
    if isinstance(exc, OverflowError) or type(exc).__name__ == "DataError":
        # a number beyond the database's integer range (SQLite: OverflowError,
        # PostgreSQL: DataError): the client's input, whichever route or plugin it reached
        return Refusal("path", "a number is out of range", 422)
    storage = storage_failure(exc)
    if storage is not None:
        return Refusal("database", storage, 503, exit_code=1)
    name = type(exc).__name__
    if name in ("OperationalError", "ProgrammingError") and (
            "no such table" in str(exc) or "does not exist" in str(exc)):
        return Refusal("database", "not initialised (run: propdesk init)", 503)
    try:
        import click
    except ImportError:  # pragma: no cover - click is a dependency of the CLI
        return None
    if isinstance(exc, click.ClickException):  # usage errors: missing or invalid options
        return Refusal(None, exc.format_message(), 400, exc.exit_code)
    return None
