"""A rota's outputs — CSV, XLSX, a chart — and the month it staffs, as a scenario to run.

Kept apart from the solver so the files can be written (and read back in tests) without
OR-Tools; openpyxl loads only when an XLSX is written.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from core.errors import DomainError
from core.fonts import configure_matplotlib
from simulations.optimize import staffed_targets
from simulations.params import Scenario
from simulations.results import ReplicationResult
from simulations.rota import Problem, Rota
from simulations.run import iter_replications

CJK = configure_matplotlib()
WEEKDAY_ZH = "一二三四五六日"
KIND_LABEL = {"workday": "工作日 workday", "weekend": "周末 weekend",
              "holiday": "节假日 holiday", "adjusted_workday": "调休上班 adjusted workday"}
COLUMNS = ["date", "weekday", "day_kind", "shift", "start", "end", "hours", "person",
           "overtime"]


def _l(zh: str, en: str) -> str:
    return f"{zh} {en}" if CJK else en


def rows(rota: Rota) -> list[dict[str, str | float]]:
    """One row per person and shift, in date and shift order (the CSV's rows)."""
    return [{"date": a.day.isoformat(), "weekday": f"周{WEEKDAY_ZH[a.day.weekday()]}",
             "day_kind": a.day_kind, "shift": a.shift,
             "start": a.start.strftime("%Y-%m-%d %H:%M"),
             "end": a.end.strftime("%Y-%m-%d %H:%M"), "hours": a.hours, "person": a.person,
             "overtime": "holiday 节假日加班" if a.overtime else ""} for a in rota.assignments]


def write_csv(rota: Rota, path: str | Path) -> Path:
    p = Path(path)
    with p.open("w", encoding="utf-8-sig", newline="") as f:  # BOM: Excel reads the Chinese
        w = csv.DictWriter(f, COLUMNS)
        w.writeheader()
        w.writerows(rows(rota))
    return p


def grid(rota: Rota) -> dict[str, dict[date, str]]:
    """person → day → shift name (absent: off)."""
    out: dict[str, dict[date, str]] = {q.name: {} for q in rota.problem.staff}
    for a in rota.assignments:
        out[a.person][a.day] = a.shift
    return out


def write_xlsx(rota: Rota, path: str | Path) -> Path:
    """Sheets: the month's grid (people × days, holiday work shaded), the assignments,
    each person's hours, and any shortfall."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    p = rota.problem
    wb = Workbook()
    ws = wb.active
    ws.title = "排班表 rota"
    holiday = PatternFill("solid", fgColor="F8CBAD")
    adjusted = PatternFill("solid", fgColor="DDEBF7")
    leave = PatternFill("solid", fgColor="D9D9D9")
    ws.cell(1, 1, f"{p.year}-{p.month:02d} 姓名 name").font = Font(bold=True)
    for k, d in enumerate(p.days, start=2):
        c = ws.cell(1, k, f"{d.day.day}\n周{WEEKDAY_ZH[d.day.weekday()]}")
        c.alignment = Alignment(wrap_text=True, horizontal="center")
        if d.kind == "holiday":
            c.fill = holiday
        elif d.kind == "adjusted_workday":
            c.fill = adjusted
    table = grid(rota)
    for r, q in enumerate(p.staff, start=2):
        ws.cell(r, 1, q.name)
        for k, d in enumerate(p.days, start=2):
            shift = table[q.name].get(d.day)
            if shift:
                c = ws.cell(r, k, shift.split(" ")[0])
                if d.kind == "holiday":
                    c.fill = holiday
            elif d.day in q.leave:
                ws.cell(r, k, "假").fill = leave
    ws.cell(len(p.staff) + 3, 1, "红: 节假日加班 holiday overtime; 蓝: 调休上班 adjusted "
            "workday; 假: 请假 leave")
    ws.freeze_panes = "B2"
    sheet = wb.create_sheet("明细 assignments")
    sheet.append(COLUMNS)
    for row in rows(rota):
        sheet.append([row[c] for c in COLUMNS])
    summary = wb.create_sheet("工时 hours")
    summary.append(["name 姓名", "shifts 班次", "hours 工时", "standard hours 标准工时",
                    "holiday overtime hours 节假日加班", "leave days 请假天数"])
    for name, v in rota.by_person().items():
        summary.append([name, v["shifts"], v["hours"], v["standard_hours"],
                        v["holiday_overtime_hours"], v["leave_days"]])
    if rota.shortfall:
        gaps = wb.create_sheet("缺口 shortfall")
        gaps.append(["date", "shift", "missing"])
        for (day, shift), n in sorted(rota.shortfall.items()):
            gaps.append([day.isoformat(), shift, n])
    out = Path(path)
    wb.save(out)
    return out


def chart(rota: Rota) -> Figure:
    """People × days, coloured by shift; holiday columns outlined."""
    p = rota.problem
    table = grid(rota)
    index = {s.name: j + 1 for j, s in enumerate(p.shifts)}
    data = np.array([[index.get(table[q.name].get(d.day, ""), 0) for d in p.days]
                     for q in p.staff])
    colours = ["#ffffff", "#f4b183", "#9dc3e6", "#7030a0", "#a9d18e", "#ffd966"]
    cmap = ListedColormap(colours[:len(p.shifts) + 1])
    fig = Figure(figsize=(max(8, 0.32 * len(p.days) + 2), 0.3 * len(p.staff) + 1.8))
    ax = fig.subplots()
    ax.imshow(data, aspect="auto", cmap=cmap, vmin=0, vmax=len(p.shifts))
    for k, d in enumerate(p.days):
        if d.kind == "holiday":
            ax.axvspan(k - 0.5, k + 0.5, fill=False, edgecolor="red", lw=1.2)
        elif d.kind == "adjusted_workday":
            ax.axvspan(k - 0.5, k + 0.5, fill=False, edgecolor="tab:blue", lw=1.2, ls="--")
    ax.set_yticks(range(len(p.staff)), [q.name if CJK else f"#{i + 1}"
                                       for i, q in enumerate(p.staff)])
    ax.set_xticks(range(len(p.days)), [str(d.day.day) for d in p.days], fontsize=7)
    ax.set_xlabel(_l("日期 (红框: 节假日加班, 蓝虚框: 调休上班)",
                     "day (red: holiday overtime, blue dashed: adjusted workday)"))
    handles = [Patch(color=colours[j + 1], label=s.name if CJK else s.name.split(" ")[-1])
               for j, s in enumerate(p.shifts)]
    ax.legend(handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.0),
              ncol=len(p.shifts), fontsize=8, frameon=False)
    ax.set_title(_l(f"{p.year}年{p.month}月排班", f"Rota {p.year}-{p.month:02d}"), loc="left")
    fig.tight_layout()
    return fig


def rota_scenario(sc: Scenario, rota: Rota) -> Scenario:
    """`sc` over the rota's month, staffed day by day as the rota assigns."""
    data = month_data(sc, rota.problem.days[0].day, len(rota.problem.days))
    data["agents"]["by_day"] = rota.staffing()
    return Scenario.model_validate(data)


def month_data(sc: Scenario, first: date, days: int) -> dict[str, Any]:
    """`sc` as a mapping moved to `days` days from `first`; a dated `forecast` (from
    `sim calibrate --weeks`) is cut to those days, and must cover them."""
    data = sc.model_dump()
    data["scenario"].update(start=first, days=days)
    offset = (first - sc.scenario.start).days * 24
    for i, stream in enumerate(data["arrivals"]["stream"]):
        rates = stream.get("forecast")
        if rates is None:
            continue
        if offset < 0 or offset + days * 24 > len(rates):
            last = sc.scenario.start + timedelta(hours=len(rates) - 1)
            raise DomainError(f"arrivals.stream[{i}].forecast",
                              f"covers {sc.scenario.start} – {last}, not {first} and the "
                              f"{days} days after")
        stream["forecast"] = rates[offset:offset + days * 24]
    return data


def month_verdict(results: list[ReplicationResult], share: float) -> tuple[bool, float]:
    """Whether enough replications meet every target staffing can change."""
    met = float(np.mean([all(staffed_targets(r).values()) for r in results]))
    return met >= share, met


def fit_need(sc: Scenario, rota_problem: Problem, replications: int, seed: int | None = None,
             workers: int | None = None, scheduler: Any = None, rounds: int = 8,
             progress: Callable[[str], None] | None = None) -> tuple[list[list[int]], int]:
    """Head counts for the month that meet the targets in simulation.

    A weekly roster fit for one week can miss on some day of a month (more days, more
    chances of a bad one). The month runs with the requirement as its staffing; on each
    day that fails in some replication, the shift with the worst service level gets one
    more agent; until enough replications meet every staffable target (or `rounds`).
    Returns the head counts and the rounds that added staff."""
    need = [list(row) for row in rota_problem.need]
    first = rota_problem.days[0].day
    seed = sc.scenario.seed if seed is None else seed
    data = month_data(sc, first, len(need))
    for k in range(rounds + 1):
        data["agents"]["by_day"] = need
        month = Scenario.model_validate(data)
        results = list(iter_replications(month, range(replications), seed, workers, scheduler))
        good, met = month_verdict(results, sc.targets.replication_share)
        if progress:
            progress(f"month check {k + 1}: targets met in {met:.0%} of replications")
        if good or k == rounds:
            return need, k
        worst: dict[int, tuple[float, int]] = {}
        for r in results:
            if staffed_targets(r).get("service_level", True):
                continue
            for j, day, _begin, _staff, sl in r.shifts:
                if (0 <= day < len(need) and sl == sl and sl < sc.targets.service_level
                        and sl < worst.get(day, (2.0, 0))[0]):
                    worst[day] = (sl, j)
        if not worst:
            return need, k  # failing on something a desk roster does not change
        for day, (_sl, j) in worst.items():
            need[day][j] += 1
    return need, rounds
