"""A report's figures as text, Markdown, JSON, CSV, HTML, PDF or XLSX (labels in Chinese
and English). Every format reads the same tables (`core.reports.tables`); HTML and PDF are
one Jinja2 template (`core.reports.printed`), XLSX a workbook (`core.reports.workbook`)."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from core.reports.tables import cell, tables, title

if TYPE_CHECKING:
    from core.config import Config

TEXT_FORMATS = ("text", "md", "json", "csv", "html")
#: written to a file (`-o`), never to a terminal
BINARY_FORMATS = ("pdf", "xlsx")
FORMATS = TEXT_FORMATS + BINARY_FORMATS
__all__ = ["FORMATS", "MEDIA", "render", "render_binary", "sections", "title"]
MEDIA = {"json": "application/json", "csv": "text/csv; charset=utf-8",
         "md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8",
         "text": "text/plain; charset=utf-8", "pdf": "application/pdf",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#!~])")


def md_escape(value: object) -> str:
    """Text as it must appear in Markdown to print as itself: HTML-escaped (a raw
    `<script>` stays text) and Markdown's own marks backslash-escaped, on one line."""
    text = html.escape(str(value), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\r", " ").replace("\n", " ")


def pct(value: float | None) -> str:
    return str(cell(value, "pct"))


def signed(value: float | None) -> str:
    return str(cell(value, "change"))


def sections(r: dict[str, Any]) -> Iterator[tuple[str, list[str], list[list[Any]]]]:
    """The report as (title, headers, rows) tables, values as text shows them."""
    for t in tables(r):
        yield (t.title, [c.header for c in t.columns],
               [[cell(v, c.kind) for v, c in zip(row, t.columns, strict=True)]
                for row in t.rows])


def render(r: dict[str, Any], fmt: str, charts: list[str] | None = None, *,
           config: Config | None = None) -> str:
    """A text format; `charts` (PNG paths) are linked from Markdown. HTML embeds its own
    charts, and the site's logo when `config` names one."""
    if fmt == "json":
        return json.dumps(r, ensure_ascii=False, indent=2)
    if fmt == "csv":
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["section", "row", "column", "value"])
        for name, headers, rows in sections(r):
            for row in rows:
                for h, v in zip(headers[1:], row[1:], strict=False):
                    w.writerow([name, row[0], h, v])
        return out.getvalue()
    parts: list[str] = []
    if fmt == "md":
        m = md_escape
        parts.append(f"# {m(title(r))}\n")
        for name, headers, rows in sections(r):
            parts.append(f"## {m(name)}\n")
            parts.append("| " + " | ".join(m(h) for h in headers) + " |")
            parts.append("|" + "---|" * len(headers))
            parts += ["| " + " | ".join(m(c) for c in row) + " |" for row in rows]
            parts.append("")
        parts += [f"![{m(c)}](<{html.escape(c)}>)" for c in charts or []]
        return "\n".join(parts) + "\n"
    if fmt == "html":
        from core.reports.printed import html_report

        return html_report(r, config)
    if fmt != "text":
        from core.errors import DomainError

        raise DomainError("format", f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    parts.append(title(r))
    for name, headers, rows in sections(r):
        parts.append(f"\n{name}")
        widths = [max(_w(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
        for row in [headers, *rows]:
            parts.append("  " + "  ".join(_pad(str(c), w) for c, w in zip(row, widths,
                                                                         strict=False)))
    return "\n".join(parts) + "\n"


def _w(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _w(text))


def render_binary(r: dict[str, Any], fmt: str, *, config: Config | None = None) -> bytes:
    """A file format: `pdf` (the HTML template, printed) or `xlsx` (one sheet per table)."""
    if fmt == "pdf":
        from core.reports.printed import pdf_report

        return pdf_report(r, config)
    if fmt == "xlsx":
        from core.reports.workbook import xlsx_report

        return xlsx_report(r)
    from core.errors import DomainError

    raise DomainError("format", f"{fmt!r} is not a file format: {', '.join(BINARY_FORMATS)}")
