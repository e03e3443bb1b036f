"""Errors a user can cause: each names the field it is about, in one line."""

from __future__ import annotations


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


class ConfigError(DomainError):
    """The site configuration file is unreadable or has a bad key."""
