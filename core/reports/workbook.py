"""A report as an Excel workbook (openpyxl): a cover sheet, then one sheet per table.

Numbers stay numbers (a rate is 0.5 shown as 50.0%, a missing rate an empty cell), so the
figures can be summed and charted again; headers are bilingual, the header row is frozen,
columns are sized to their contents, and the count and rate tables carry a native Excel
chart of their own figures.
"""

from __future__ import annotations

import io
from typing import Any

from core.reports.tables import Table, tables, title

FORMATS = {"int": "0", "pct": "0.0%", "change": "+0.0%;-0.0%;0.0%", "mean": "0.00"}
#: the tables charted in their own sheet, and how
CHARTED = {"by_category": "bar", "by_nature": "bar", "by_severity": "bar",
           "by_channel": "bar", "by_building": "bar", "by_topic": "bar",
           "by_state": "bar", "on_time": "rate", "followup": "rate", "satisfaction": "row",
           "trend": "stack"}


def xlsx_report(r: dict[str, Any]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    cover = wb.active
    cover.title = "报告 Report"
    p = r["period"]
    for row in (["report 报告", title(r)], ["site 项目", r["site"]["name"]],
                ["site code 项目代码", r["site"]["code"]], ["kind 类型", p["kind"]],
                ["period 统计期", p["label"]], ["from 起", p["start"]],
                ["until 止（不含 exclusive）", p["end"]], ["previous 上期", p["previous"]],
                ["last year 同期", p["last_year"]]):
        cover.append(row)
    _style(cover, header=False)
    for table in tables(r):
        _sheet(wb, table)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _sheet(wb: Any, table: Table) -> None:
    ws = wb.create_sheet(_sheet_name(table.title))
    ws.append([c.header for c in table.columns])
    for row in table.rows:
        ws.append(row)
    for col, column in enumerate(table.columns, start=1):
        if column.kind in FORMATS:
            for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                if isinstance(cell.value, int | float):
                    cell.number_format = FORMATS[column.kind]
    _style(ws, header=True)
    ws.freeze_panes = "A2"
    if table.rows and table.key in CHARTED:
        _chart(ws, table, CHARTED[table.key])


def _sheet_name(title: str) -> str:
    bad = str.maketrans({c: " " for c in "[]:*?/\\"})
    return title.translate(bad)[:31]


def _style(ws: Any, *, header: bool) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    if header:
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="EEF2F7")
            cell.alignment = Alignment(vertical="top", wrap_text=False)
    for i, column in enumerate(ws.iter_cols(), start=1):
        width = max((_width(c) for c in column), default=4)
        ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 6), 60)


def _width(cell: Any) -> int:
    """Display width of a cell as Excel shows it: CJK characters take two columns."""
    value = cell.value
    if value is None:
        return 0
    text = f"{value * 100:.1f}%" if isinstance(value, float) else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _chart(ws: Any, table: Table, kind: str) -> None:
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.title = table.title
    chart.height, chart.width = 7.5, 16
    chart.legend = None
    chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl hides both axes otherwise
    n = len(table.rows)
    if kind == "bar":  # the count column against the labels
        chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=n + 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n + 1))
        chart.y_axis.majorUnit = max(1, _step(max((row[1] or 0) for row in table.rows)))
    elif kind == "rate":  # the rate columns (and target) against the labels
        cols = [i for i, c in enumerate(table.columns, start=1) if c.kind == "pct"]
        for col in cols:
            chart.add_data(Reference(ws, min_col=col, min_row=1, max_row=n + 1),
                           titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n + 1))
        chart.y_axis.number_format = "0%"
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
        chart.legend = _legend()
    elif kind == "row":  # satisfaction: the distribution 1..5 in the first data row
        first = next(i for i, c in enumerate(table.columns, start=1) if c.header == "1")
        chart.add_data(Reference(ws, min_col=first, max_col=first + 4, min_row=2, max_row=2),
                       from_rows=True, titles_from_data=False)
        chart.set_categories(Reference(ws, min_col=first, max_col=first + 4, min_row=1))
    else:  # the 13-month trend: one series per category, stacked by month
        chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
        chart.add_data(Reference(ws, min_col=1, max_col=len(table.columns), min_row=2,
                                 max_row=max(2, n)), from_rows=True, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=2, max_col=len(table.columns), min_row=1))
        chart.legend = _legend()
    ws.add_chart(chart, f"{_letter(len(table.columns) + 2)}2")


def _legend() -> Any:
    from openpyxl.chart.legend import Legend

    return Legend()


def _letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def _step(top: int) -> int:
    """A whole-number axis step giving at most about 8 gridlines."""
    return max(1, -(-top // 8))
