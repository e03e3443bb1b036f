"""Helpers for a plugin's HTTP routes: the site's desk and the authenticated staff member.

A route validates its body, calls its service with `actor=staff.name` inside
`desk.write()` when it changes anything, and returns the result; refusals raised by the
service become 4xx JSON bodies (`{"field": ..., "error": ...}`) by the app's one mapping.
Bodies and paths use the field types below, so /openapi.json says what the service takes.
"""

from __future__ import annotations

from core.api.deps import DeskDep, StaffDep
from core.api.fields import (
    AMOUNT,
    CLEAN,
    DAY,
    FILLED,
    MONTH,
    WORD,
    Code,
    Day,
    Id,
    Month,
    RealDay,
    amount,
    day,
    listed,
    optional,
    text,
    vocabulary,
    when,
)

#: field types whose schema says what the services accept (`core.api.fields`)
__all__ = ["AMOUNT", "CLEAN", "DAY", "FILLED", "MONTH", "WORD", "Code", "Day", "DeskDep", "Id",
           "Month", "RealDay", "StaffDep", "amount", "day", "listed", "optional", "text",
           "vocabulary", "when"]
