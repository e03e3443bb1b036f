"""The named rota: every labour rule checked on the written CSV by a checker of its own.

The checker below knows nothing of the solver's encoding: it reads the rota file back,
takes the site calendar from the core and the staff file with `tomllib`, and measures
hours on real datetimes (rolling 24 h windows, 7-day windows from each midnight, the
longest rest inside each) — so a wrong constraint in the model shows up here.
"""

from __future__ import annotations

import csv
import json
import tomllib
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from core.config import Config
from simulations.cli import sim
from simulations.params import SAMPLE, sample_scenario
from simulations.rota import Rota, Rules, plan, solve
from simulations.rota_out import rota_scenario, write_csv, write_xlsx
from simulations.run import replicate

TZ = ZoneInfo("Asia/Shanghai")
STAFF = Path(SAMPLE).with_name("staff.toml")
H = timedelta(hours=1)


def quick(problem):
    """The problem with a short time limit: coverage comes first and fast; the rules hold
    for any answer, optimal or not, which is what these tests check."""
    problem.rules = Rules(time_limit_s=6)
    return problem


def _expand(items: list[str]) -> set[date]:
    out: set[date] = set()
    for item in items:
        a, _, b = item.partition("..")
        first, last = date.fromisoformat(a), date.fromisoformat(b or a)
        out.update(first + timedelta(days=k) for k in range((last - first).days + 1))
    return out


def violations(rota_csv: Path, staff_toml: Path, year: int, month: int,
               need: dict[tuple[str, str], int] | None = None) -> list[str]:
    """Every broken rule in a rota file, as sentences (empty: a legal rota)."""
    staff = tomllib.loads(staff_toml.read_text(encoding="utf-8"))["staff"]
    cal = Config().working_calendar
    first = date(year, month, 1)
    days = [first + timedelta(days=k) for k in range(31)
            if (first + timedelta(days=k)).month == month]
    m0 = datetime.combine(first, time(0), tzinfo=TZ)
    m1 = m0 + timedelta(days=len(days))
    work: dict[str, list[tuple[datetime, datetime, date, str, str]]] = defaultdict(list)
    with rota_csv.open(encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            start = datetime.fromisoformat(row["start"]).replace(tzinfo=TZ)
            end = datetime.fromisoformat(row["end"]).replace(tzinfo=TZ)
            work[row["person"]].append((start, end, date.fromisoformat(row["date"]),
                                        row["shift"], row["overtime"]))
    bad: list[str] = []
    known = {p["name"] for p in staff}
    bad += [f"{name}: not on the staff list" for name in set(work) - known]
    working_days = sum(cal.is_working(d) for d in days)
    for p in staff:
        name, spans = p["name"], sorted(work.get(p["name"], []))
        leave = _expand(p.get("leave", []))
        for a, b in zip(spans, spans[1:], strict=False):
            if b[0] < a[1]:
                bad.append(f"{name}: overlapping shifts at {b[0]}")

        def hours(w0: datetime, w1: datetime, spans=spans) -> float:
            return sum(max(timedelta(0), min(e, w1) - max(s, w0)) / H for s, e, *_ in spans)

        for t in [s for s, *_ in spans] + [e - 24 * H for _, e, *_ in spans]:
            if hours(t, t + 24 * H) > 8 + 1e-9:
                bad.append(f"{name}: {hours(t, t + 24 * H):g} h in the 24 h from {t}")
        for k in range(max(len(days) - 6, 1)):
            w0 = m0 + timedelta(days=k)
            w1 = min(w0 + timedelta(days=7), m1)
            if hours(w0, w1) > 44 + 1e-9:
                bad.append(f"{name}: {hours(w0, w1):g} h in the 7 days from {w0:%m-%d}")
            edges = [w0] + [x for s, e, *_ in spans if e > w0 and s < w1
                            for x in (max(s, w0), min(e, w1))] + [w1]
            rest = max((edges[i + 1] - edges[i] for i in range(0, len(edges), 2)),
                       default=w1 - w0)
            if rest < 24 * H:
                bad.append(f"{name}: no 24 h rest in the 7 days from {w0:%m-%d}")
        holiday_h = regular_h = 0.0
        for s, e, day, shift, overtime in spans:
            if (allowed := p.get("shifts")) and shift not in allowed:
                bad.append(f"{name}: {shift} on {day} is not among their shifts")
            minutes = int((e - s) / H * 60)
            touched = {(s + timedelta(minutes=k)).date() for k in range(0, minutes, 30)}
            if touched & leave:
                bad.append(f"{name}: works on leave {sorted(touched & leave)[0]}")
            holiday = cal.info(day).kind == "holiday"
            if holiday != bool(overtime):
                bad.append(f"{name}: {day} overtime mark {overtime!r} on a "
                           f"{cal.info(day).kind}")
            if holiday:
                holiday_h += (e - s) / H
            else:
                regular_h += (e - s) / H
        if holiday_h > 36:
            bad.append(f"{name}: {holiday_h:g} h holiday overtime in the month (max 36)")
        leave_working = sum(d in leave and cal.is_working(d) for d in days)
        if regular_h > 8 * (working_days - leave_working) + 1e-9:
            bad.append(f"{name}: {regular_h:g} regular hours over "
                       f"{8 * (working_days - leave_working)} standard")
        for s, *_ in spans:
            if s < m0 or s >= m1:
                bad.append(f"{name}: a shift starting {s} outside the month")
    if need is not None:
        got: dict[tuple[str, str], int] = defaultdict(int)
        for spans in work.values():
            for _s, _e, day, shift, _ot in spans:
                got[day.isoformat(), shift] += 1
        for key in set(need) | set(got):
            if got.get(key, 0) != need.get(key, 0):
                bad.append(f"{key}: {got.get(key, 0)} assigned, {need.get(key, 0)} needed")
    return bad


def _need(problem) -> dict[tuple[str, str], int]:
    return {(d.day.isoformat(), s.name): problem.need[k][j]
            for k, d in enumerate(problem.days) for j, s in enumerate(problem.shifts)
            if problem.need[k][j]}


@pytest.fixture(scope="module")
def october() -> Rota:
    """The sample estate's October (one solve, shared: CP-SAT takes seconds)."""
    return solve(quick(plan(sample_scenario(), 2026, 10, STAFF)))


def test_october_rota_of_the_sample_estate_is_legal(tmp_path, october):
    """National Day month: holidays, 调休 Saturday 10-10, leave, preferences."""
    rota, problem = october, october.problem
    assert problem.standard_days == 18  # 22 weekdays − 5 holiday weekdays + 调休 10-10
    assert rota.shortfall == {}
    path = write_csv(rota, tmp_path / "rota.csv")
    assert violations(path, STAFF, 2026, 10, _need(problem)) == []
    kinds = {a.day_kind for a in rota.assignments}
    assert {"holiday", "adjusted_workday", "weekend", "workday"} <= kinds
    assert any(a.overtime for a in rota.assignments)
    # preferences: 孙悦 may only work early; 王芳 is away 19–21 October
    assert {a.shift for a in rota.assignments if a.person == "孙悦"} == {"早班 early"}
    assert not [a for a in rota.assignments if a.person == "王芳" and 19 <= a.day.day <= 21]
    # the XLSX carries the same month
    from openpyxl import load_workbook

    wb = load_workbook(write_xlsx(rota, tmp_path / "rota.xlsx"))
    assert wb.sheetnames[:3] == ["排班表 rota", "明细 assignments", "工时 hours"]
    assert wb["明细 assignments"].max_row == len(rota.assignments) + 1


def test_the_checker_catches_broken_rules(tmp_path):
    staff = tmp_path / "staff.toml"
    staff.write_text('[[staff]]\nname = "甲"\nleave = ["2026-10-20"]\n', encoding="utf-8")
    rows = []
    for day in range(12, 19):  # seven early shifts in a row, then a late shift the same day
        rows.append((f"2026-10-{day:02d}", "early", f"2026-10-{day:02d} 06:00",
                     f"2026-10-{day:02d} 14:00", ""))
    rows.append(("2026-10-18", "late", "2026-10-18 14:00", "2026-10-18 22:00", ""))
    rows.append(("2026-10-20", "early", "2026-10-20 06:00", "2026-10-20 14:00", ""))
    rows.append(("2026-10-02", "early", "2026-10-02 06:00", "2026-10-02 14:00", ""))
    path = tmp_path / "bad.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write("date,shift,start,end,overtime,person\n")
        f.writelines(f"{d},{s},{a},{b},{o},甲\n" for d, s, a, b, o in rows)
    found = " | ".join(violations(path, staff, 2026, 10))
    for words in ("16 h in the 24 h", "h in the 7 days", "no 24 h rest", "works on leave",
                  "overtime mark '' on a holiday"):
        assert words in found, words


def test_the_model_runs_a_rota_day_by_day(october):
    sc = sample_scenario()
    month = rota_scenario(sc, october)
    assert month.scenario.days == 31 and month.agents.by_day == october.staffing()
    data = month.model_dump()
    data["agents"]["by_day"][3] = [9, 1, 4]  # 4 October: a day unlike any weekday
    month = type(month).model_validate(data)
    result = replicate(month, 0, tickets=False)
    staffed = {(j, day): staff for j, day, _b, staff, _sl in result.shifts}
    assert [staffed[j, 3] for j in range(3)] == [9, 1, 4]
    assert staffed[0, 10] == month.agents.by_day[10][0]


def test_requirement_file_by_day_kind(tmp_path):
    req = tmp_path / "need.csv"
    req.write_text("day,shift,staff\nmon,早班 early,3\n节假日,早班 early,1\n"
                   "2026-10-05,早班 early,2\n", encoding="utf-8")
    problem = plan(sample_scenario(), 2026, 10, STAFF, requirement=req)
    by_day = {d.day.day: row for d, row in zip(problem.days, problem.need, strict=True)}
    assert by_day[12] == [3, 0, 0]  # an ordinary Monday
    assert by_day[1] == [1, 0, 0]  # National Day, a Thursday: the holiday row
    assert by_day[5] == [2, 0, 0]  # a holiday Monday with its own date row


@pytest.mark.parametrize(("text", "field"), [
    ('[[staff]]\nname = "甲"\nshifts = ["午班"]\n', "staff[0].shifts"),
    ('[[staff]]\nname = "甲"\nleave = ["2026-10-40"]\n', "staff[0].leave"),
    ('[rules]\nmax_hours_per_week = 48\n[[staff]]\nname = "甲"\n', "rules.max_hours_per_week"),
    ('[[staff]]\nnom = "甲"\n', "staff[0].name"),
])
def test_bad_staff_file_names_the_field(tmp_path, text, field):
    staff = tmp_path / "staff.toml"
    staff.write_text(text, encoding="utf-8")
    res = CliRunner().invoke(sim, ["rota", "--month", "2026-10", "--staff", str(staff),
                                   "-n", "0"])
    assert res.exit_code == 2, res.output
    assert f"error: {field}:" in res.output and "Traceback" not in res.output


def test_staff_csv(tmp_path):
    staff = tmp_path / "staff.csv"
    staff.write_text("name,shifts,prefer_shift,prefer_off,leave\n"
                     "甲,早班 early;中班 late,早班 early,sun,2026-10-12..2026-10-13\n",
                     encoding="utf-8")
    problem = plan(sample_scenario(), 2026, 10, staff)
    (p,) = problem.staff
    assert p.shifts == {0, 1} and p.prefer_shift == 0 and p.prefer_off_weekdays == {6}
    assert p.leave == {date(2026, 10, 12), date(2026, 10, 13)}


@pytest.mark.slow
def test_month_meets_the_targets_in_simulation(tmp_path):
    """The CLI end to end: fitted head counts, names, files, and the month simulated."""
    res = CliRunner().invoke(sim, ["rota", "--month", "2026-10", "--staff", str(STAFF),
                                   "-n", "10", "--json", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["simulation"]["good"] and out["simulation"]["targets_met_share"] >= 0.95
    assert out["shortfall"] == []
    need: dict[tuple[str, str], int] = defaultdict(int)
    for row in out["assignments"]:
        need[row["date"], row["shift"]] += 1
    assert violations(tmp_path / "rota.csv", STAFF, 2026, 10, dict(need)) == []
    assert {p.name for p in tmp_path.iterdir()} == {"rota.csv", "rota.xlsx", "rota.png"}
    # every shift has at least the weekly roster's head count (the fit only adds)
    sc = sample_scenario()
    for day in range(1, 32):
        d = date(2026, 10, day)
        for shift in sc.agents.shift:
            assert need[d.isoformat(), shift.name] >= shift.staff_by_day()[d.weekday()]
    assert sum(need.values()) == 363 + out["agents_added_by_simulation"]


def test_a_forecast_scenario_is_cut_to_the_month(october):
    """A scenario from `sim calibrate --weeks` runs the rota's month on its own dates."""
    from core.errors import DomainError

    sc = sample_scenario()
    data = sc.model_dump()
    start = date(2026, 9, 28)
    hours = 6 * 7 * 24
    for j, stream in enumerate(data["arrivals"]["stream"]):
        stream.update(per_week=None, forecast=[j + h / hours for h in range(hours)])
    data["scenario"].update(start=start, days=42)
    forecast_sc = type(sc).model_validate(data)
    month = rota_scenario(forecast_sc, october)
    offset = 3 * 24  # 1 October is three days after the start
    assert month.rates()[0, 1] == pytest.approx(1 + offset / hours)
    assert month.rates().shape[0] == 31 * 24
    with pytest.raises(DomainError) as err:
        november = plan(forecast_sc, 2026, 11, STAFF)
        rota_scenario(forecast_sc, Rota(november, [], {}, "not solved", 0.0, 0))
    assert err.value.field == "arrivals.stream[0].forecast"
