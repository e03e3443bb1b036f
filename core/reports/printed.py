"""A report as a page: self-contained HTML from the Jinja2 template
`reports/report.html`, and the same page printed to PDF (`core.printing`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.printing import html_to_pdf, render_html, site
from core.reports.tables import cell, tables, title

if TYPE_CHECKING:
    from core.config import Config


def html_report(r: dict[str, Any], config: Config | None = None, *,
                charts: bool = True) -> str:
    """The report's HTML: every table, each chart (SVG, embedded) after its table, the
    site's logo when configured; nothing outside the file."""
    from core.reports.charts import embedded

    after: dict[str, list[dict[str, str]]] = {}
    for chart in embedded(r) if charts else []:
        after.setdefault(chart["after"], []).append(chart)
    # the site's name as the report recorded it; the logo from the configuration
    head = site(config) | {"name": r["site"]["name"], "code": r["site"]["code"]}
    return render_html("reports/report.html", {
        "title": title(r), "period": r["period"], "tables": tables(r), "charts": after,
        "cell": cell, "site": head})


def pdf_report(r: dict[str, Any], config: Config | None = None) -> bytes:
    """The same page as an A4 PDF."""
    return html_to_pdf(html_report(r, config))
