"""Monthly, quarterly and half-yearly statistics: figures (`stats`), the tables every format
reads (`tables`), text formats (`render`), HTML and PDF (`printed`), XLSX (`workbook`),
charts (`charts`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.reports.stats import Period, build, parse_period

if TYPE_CHECKING:
    from core.desk import Desk

__all__ = ["Period", "build", "parse_period", "report", "warnings"]


def report(desk: Desk, kind: str, period: str, *, notify: bool = True,
           actor: str | None = None) -> dict[str, Any]:
    """Build a report (supervisors and managers); its rising-complaint warnings are stored
    and announced once."""
    from core.permissions import authorise

    authorise(desk, actor, "statistics")
    p = parse_period(kind, period)
    figures = build(desk, p)
    if notify and figures["warnings"]["rising"]:
        from core.alerts import record_rising

        record_rising(desk, p.label, figures["warnings"]["rising"])
    return figures


def warnings(desk: Desk, kind: str, period: str, *,
             actor: str | None = None) -> list[dict[str, Any]]:
    """Warnings raised in a period (group-complaint risk, repeat matters, rising)."""
    from core.alerts import list_alerts
    from core.permissions import authorise
    from core.reports.stats import _bounds

    authorise(desk, actor, "statistics")
    p = parse_period(kind, period)
    return list_alerts(desk, *_bounds(desk, p.start, p.end))
