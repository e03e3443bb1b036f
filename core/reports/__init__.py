"""Monthly, quarterly and half-yearly statistics: figures (`stats`), output (`render`),
charts (`charts`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.reports.stats import Period, build, parse_period

if TYPE_CHECKING:
    from core.desk import Desk

__all__ = ["Period", "build", "parse_period", "report"]


def report(desk: Desk, kind: str, period: str, *, notify: bool = True) -> dict[str, Any]:
    """Build a report; its rising-complaint warnings are stored and announced once."""
    p = parse_period(kind, period)
    figures = build(desk, p)
    if notify and figures["warnings"]["rising"]:
        from core.alerts import record_rising

        record_rising(desk, p.label, figures["warnings"]["rising"])
    return figures
