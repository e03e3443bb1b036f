"""Helpers for a plugin's HTTP routes: the site's desk and the authenticated staff member.

A route validates its body, calls its service with `actor=staff.name` inside
`desk.write()` when it changes anything, and returns the result; refusals raised by the
service become 4xx JSON bodies (`{"field": ..., "error": ...}`) by the app's one mapping.
"""

from __future__ import annotations

from core.api.deps import DeskDep, StaffDep

__all__ = ["DeskDep", "StaffDep"]
