"""A named rota: who works which shift on which day of a month, under Chinese labour rules.

Why: the optimizer gives head counts per shift and weekday; a manager must still put names
on them. Here a month's head counts (from a scenario's roster, the optimizer, or a
requirement file) are assigned to named staff with OR-Tools CP-SAT, under the standard
working-hours system of the Labour Law (劳动法 第36、38、41条): at most 8 hours in any 24,
at most 44 in any 7 days, a whole day off in any 7 days, at most 36 hours of overtime a
month; work on a statutory holiday of the site calendar (the service's own, through the
kit) is overtime and marked; regular (non-holiday) days stay within the month's working
days, 调休 Saturdays included. Leave is respected; preferences are honoured where they cost
no coverage. `ortools` loads only when `solve` runs.
"""

from __future__ import annotations

import calendar as _stdcal
import csv
import re
import time
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.kit import Config, DomainError
from simulations.params import Scenario

WEEKDAY_NAMES = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
                 "周一": 0, "周二": 1, "周三": 2, "周四": 3, "周五": 4, "周六": 5, "周日": 6,
                 "周天": 6}
DAY_KINDS = {"workday": "workday", "weekend": "weekend", "holiday": "holiday",
             "adjusted_workday": "adjusted_workday", "工作日": "workday", "周末": "weekend",
             "节假日": "holiday", "法定节假日": "holiday", "调休": "adjusted_workday",
             "调休上班": "adjusted_workday"}


@dataclass(frozen=True)
class Rules:
    """The standard working-hours system; a site may tighten, never loosen, in its file."""

    max_hours_per_day: float = 8  # in any 24 hours from a shift's start
    max_hours_per_week: float = 44  # in any 7 days from a midnight
    max_overtime_hours_per_month: float = 36
    #: the solver's budget per stage, in CP-SAT deterministic seconds (about seconds on an
    #: idle machine; a busy one takes longer in wall time and gives the same answer)
    time_limit_s: float = 20


@dataclass(frozen=True)
class ShiftSpec:
    name: str
    start_min: int
    length_min: int


@dataclass
class Person:
    name: str
    shifts: frozenset[int] | None = None  # indices of the shifts they may work
    prefer_shift: int | None = None
    prefer_off_weekdays: frozenset[int] = frozenset()
    prefer_off_dates: frozenset[date] = frozenset()
    leave: frozenset[date] = frozenset()


@dataclass(frozen=True)
class Day:
    day: date
    kind: str  # workday, weekend, holiday, adjusted_workday (the site calendar's)
    reason: str


@dataclass
class Problem:
    year: int
    month: int
    tz: ZoneInfo
    days: list[Day]
    shifts: list[ShiftSpec]
    need: list[list[int]]  # [day][shift]
    staff: list[Person]
    rules: Rules = field(default_factory=Rules)

    def start(self, d: int, s: int) -> datetime:
        base = datetime.combine(self.days[0].day, datetime.min.time(), tzinfo=self.tz)
        return base + timedelta(days=d, minutes=self.shifts[s].start_min)

    @property
    def standard_days(self) -> int:
        """Working days of the month on the site calendar (调休 Saturdays count)."""
        return sum(d.kind in ("workday", "adjusted_workday") for d in self.days)


@dataclass(frozen=True)
class Assignment:
    person: str
    day: date
    shift: str
    start: datetime
    end: datetime
    day_kind: str
    overtime: str  # "" or "holiday" (法定节假日加班)

    @property
    def hours(self) -> float:
        return (self.end - self.start) / timedelta(hours=1)


@dataclass
class Rota:
    problem: Problem
    assignments: list[Assignment]
    shortfall: dict[tuple[date, str], int]
    status: str
    seconds: float
    penalties: int

    def staffing(self) -> list[list[int]]:
        """Head count per [day][shift] as assigned (what the simulation runs)."""
        p = self.problem
        out = [[0] * len(p.shifts) for _ in p.days]
        index = {s.name: j for j, s in enumerate(p.shifts)}
        first = p.days[0].day
        for a in self.assignments:
            out[(a.day - first).days][index[a.shift]] += 1
        return out

    def by_person(self) -> dict[str, dict[str, float]]:
        p = self.problem
        out = {q.name: {"shifts": 0, "hours": 0.0, "holiday_overtime_hours": 0.0,
                        "leave_days": len(q.leave), "standard_hours": 0.0} for q in p.staff}
        for q in p.staff:
            working_leave = sum(d.day in q.leave and d.kind in ("workday", "adjusted_workday")
                                for d in p.days)
            out[q.name]["standard_hours"] = 8.0 * (p.standard_days - working_leave)
        for a in self.assignments:
            row = out[a.person]
            row["shifts"] += 1
            row["hours"] += a.hours
            if a.overtime:
                row["holiday_overtime_hours"] += a.hours
        return out


# ---- inputs ---------------------------------------------------------------------------


def month_days(config: Config, year: int, month: int) -> list[Day]:
    """The month on the site calendar (holidays, 调休 and site overrides included)."""
    cal = config.working_calendar
    n = _stdcal.monthrange(year, month)[1]
    out = []
    for k in range(1, n + 1):
        info = cal.info(date(year, month, k))
        out.append(Day(info.day, info.kind, info.reason))
    return out


def parse_month(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise DomainError("month", f"not a month: {text!r} (use YYYY-MM)")
    return int(m.group(1)), int(m.group(2))


def shifts_of(sc: Scenario) -> list[ShiftSpec]:
    if not sc.agents.shift:
        raise DomainError("agents.shift", "the scenario has no shifts to put names on")
    return [ShiftSpec(s.name, s.start_min, s.length_min) for s in sc.agents.shift]


def need_from_roster(sc: Scenario, days: list[Day],
                     agents: list[list[int]] | None = None) -> list[list[int]]:
    """Head counts per day and shift from a weekly roster ([shift][weekday]): the
    scenario's own, or the optimizer's `agents`. A day takes its weekday's column, as
    the scenario's demand does (a holiday that differs needs a requirement file)."""
    weekly = agents or [s.staff_by_day() for s in sc.agents.shift]
    return [[row[d.day.weekday()] for row in weekly] for d in days]


def need_from_csv(path: str | Path, shifts: list[ShiftSpec], days: list[Day]) -> list[list[int]]:
    """Rows `day,shift,staff`; day is a date, a day kind (holiday, 调休, …) or a weekday
    (mon…sun, 周一…周日). A date wins over a kind, a kind over a weekday; a day and shift
    no row names needs nobody."""
    p = Path(path)
    names = {s.name: j for j, s in enumerate(shifts)}
    by: dict[str, dict[Any, dict[int, int]]] = {"date": {}, "kind": {}, "weekday": {}}
    for line, row in _csv_rows(p, {"day", "shift", "staff"}, "requirement"):
        where = f"requirement: {p} line {line}"
        key = row["day"].strip()
        shift = row["shift"].strip()
        if shift not in names:
            raise DomainError("requirement", f"{where}: unknown shift {shift!r}; one of "
                              f"{sorted(names)}")
        try:
            staff = int(row["staff"])
        except ValueError:
            raise DomainError("requirement", f"{where}: staff {row['staff']!r} is not a "
                              "whole number") from None
        if staff < 0:
            raise DomainError("requirement", f"{where}: staff must not be negative")
        if key.lower() in WEEKDAY_NAMES or key in WEEKDAY_NAMES:
            by["weekday"].setdefault(WEEKDAY_NAMES[key.lower() if key.isascii() else key],
                                     {})[names[shift]] = staff
        elif key.lower() in DAY_KINDS or key in DAY_KINDS:
            by["kind"].setdefault(DAY_KINDS[key.lower() if key.isascii() else key],
                                  {})[names[shift]] = staff
        else:
            by["date"].setdefault(_date(key, "requirement", where), {})[names[shift]] = staff
    out = []
    for d in days:
        row = [0] * len(shifts)
        for source, key in (("weekday", d.day.weekday()), ("kind", d.kind), ("date", d.day)):
            for j, n in by[source].get(key, {}).items():
                row[j] = n
        out.append(row)
    return out


def load_staff(path: str | Path, shifts: list[ShiftSpec]) -> tuple[list[Person], Rules]:
    """Staff, preferences and leave from TOML (`[[staff]]`, optional `[rules]`) or CSV
    (columns name, shifts, prefer_shift, prefer_off, leave; lists split on `;`)."""
    p = Path(path)
    if p.suffix.lower() == ".csv":
        rows = [{k: [v.strip() for v in (row.get(k) or "").split(";") if v.strip()]
                 if k in ("shifts", "prefer_off", "leave") else (row.get(k) or "").strip() or None
                 for k in ("name", "shifts", "prefer_shift", "prefer_off", "leave")}
                for _line, row in _csv_rows(p, {"name"}, "staff")]
        rules: dict[str, Any] = {}
    else:
        try:
            raw = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DomainError("staff", f"{p}: no such file") from None
        except tomllib.TOMLDecodeError as exc:
            raise DomainError("staff", f"{p}: not valid TOML ({exc})") from None
        rows = raw.get("staff") or []
        rules = raw.get("rules") or {}
        unknown = set(raw) - {"staff", "rules"}
        if unknown:
            raise DomainError(sorted(unknown)[0], f"unknown key (in {p})")
    return [_person(i, row, shifts, p) for i, row in enumerate(rows)], _rules(rules, p)


def _rules(raw: dict[str, Any], source: Path) -> Rules:
    base = Rules()
    out: dict[str, float] = {}
    for key, value in raw.items():
        if not hasattr(base, key):
            raise DomainError(f"rules.{key}", f"unknown key (in {source})")
        if not isinstance(value, int | float) or value <= 0:
            raise DomainError(f"rules.{key}", f"must be a positive number (in {source})")
        if key != "time_limit_s" and value > getattr(base, key):
            raise DomainError(f"rules.{key}", f"{value} is above the legal "
                              f"{getattr(base, key):g} (in {source})")
        out[key] = float(value)
    return Rules(**out)


def _person(i: int, row: Any, shifts: list[ShiftSpec], source: Path) -> Person:
    where = f"staff[{i}]"
    if not isinstance(row, dict) or not row.get("name"):
        raise DomainError(f"{where}.name", f"required (in {source})")
    extra = set(row) - {"name", "shifts", "prefer_shift", "prefer_off", "leave"}
    if extra:
        raise DomainError(f"{where}.{sorted(extra)[0]}", f"unknown key (in {source})")
    names = {s.name: j for j, s in enumerate(shifts)}

    def shift(value: str, key: str) -> int:
        if value not in names:
            raise DomainError(f"{where}.{key}", f"unknown shift {value!r}; one of "
                              f"{sorted(names)} (in {source})")
        return names[value]

    allowed = frozenset(shift(v, "shifts") for v in row.get("shifts") or []) or None
    prefer = shift(row["prefer_shift"], "prefer_shift") if row.get("prefer_shift") else None
    off_w, off_d = set(), set()
    for v in row.get("prefer_off") or []:
        key = str(v).strip()
        if key.lower() in WEEKDAY_NAMES or key in WEEKDAY_NAMES:
            off_w.add(WEEKDAY_NAMES[key.lower() if key.isascii() else key])
        else:
            off_d.update(_dates(key, f"{where}.prefer_off", source))
    leave: set[date] = set()
    for v in row.get("leave") or []:
        leave.update(_dates(str(v), f"{where}.leave", source))
    return Person(str(row["name"]), allowed, prefer, frozenset(off_w), frozenset(off_d),
                  frozenset(leave))


def _dates(text: str, where: str, source: Path) -> list[date]:
    """`2026-10-12` or a range `2026-10-12..2026-10-15` (both ends included)."""
    first, _, last = (t.strip() for t in text.partition(".."))
    a = _date(first, where, f"in {source}")
    b = _date(last, where, f"in {source}") if last else a
    if b < a:
        raise DomainError(where, f"range {text!r} ends before it starts (in {source})")
    return [a + timedelta(days=k) for k in range((b - a).days + 1)]


def _date(text: str, field_: str, where: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(field_, f"not a date, weekday or day kind: {text!r} ({where})"
                          ) from None


def _csv_rows(p: Path, required: set[str], what: str) -> Any:
    try:
        handle = p.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise DomainError(what, f"{p}: no such file") from None
    with handle:
        reader = csv.DictReader(handle)
        missing = required - set(reader.fieldnames or [])
        if missing:
            raise DomainError(what, f"{p}: missing column(s) {', '.join(sorted(missing))}")
        yield from enumerate(reader, start=2)


# ---- the solver -----------------------------------------------------------------------


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def solve(problem: Problem, seed: int = 1) -> Rota:
    """Assign staff to every needed shift; a shortfall only where no legal rota exists."""
    from ortools.sat.python import cp_model

    t0 = time.perf_counter()
    p, rules = problem, problem.rules
    n_days, n_shifts = len(p.days), len(p.shifts)
    # minutes from the month's first midnight of each shift instance
    inst = [(d, s, d * 1440 + p.shifts[s].start_min,
             d * 1440 + p.shifts[s].start_min + p.shifts[s].length_min)
            for d in range(n_days) for s in range(n_shifts)]
    horizon = n_days * 1440
    m = cp_model.CpModel()
    x: dict[tuple[int, int, int], Any] = {}
    for i, q in enumerate(p.staff):
        for d, s, b, e in inst:
            if p.need[d][s] <= 0 or (q.shifts is not None and s not in q.shifts):
                continue
            if p.shifts[s].length_min > rules.max_hours_per_day * 60:
                continue
            last = min((e - 1) // 1440, n_days - 1)
            touched = {p.days[k].day for k in range(b // 1440, last + 1)}
            if touched & q.leave:
                continue
            x[i, d, s] = m.new_bool_var(f"x{i}_{d}_{s}")
    short = {}
    for d in range(n_days):
        for s in range(n_shifts):
            if p.need[d][s] > 0:
                short[d, s] = m.new_int_var(0, p.need[d][s], f"short{d}_{s}")
                m.add(sum(x[i, d, s] for i in range(len(p.staff)) if (i, d, s) in x)
                      + short[d, s] == p.need[d][s])
    penalties = []
    holiday_shifts = []
    deficits: list[Any] = []
    for i, q in enumerate(p.staff):
        mine = [(d, s, b, e) for d, s, b, e in inst if (i, d, s) in x]
        if not mine:
            holiday_shifts.append(0)
            continue
        # at most 8 h in any 24 h: windows from every start, and ending at every end
        windows = {b for _, _, b, _ in mine} | {e - 1440 for _, _, _, e in mine}
        for w in windows:
            terms = [(int(_overlap(b, e, w, w + 1440)), x[i, d, s]) for d, s, b, e in mine]
            terms = [(c, v) for c, v in terms if c]
            if sum(c for c, _ in terms) > rules.max_hours_per_day * 60:
                m.add(sum(c * v for c, v in terms) <= int(rules.max_hours_per_day * 60))
        # a whole calendar day off in every 7 days from a midnight; at most 44 h in them
        off = []
        for k in range(n_days):
            on_k = [x[i, d, s] for d, s, b, e in mine if _overlap(b, e, k * 1440, k * 1440 + 1440)]
            o = m.new_bool_var(f"off{i}_{k}")
            for v in on_k:
                m.add_implication(o, v.Not())
            off.append(o)
        for k in range(max(n_days - 6, 1)):
            w0, w1 = k * 1440, min(k * 1440 + 7 * 1440, horizon)
            m.add(sum(off[k:k + 7]) >= 1)
            terms = [(int(_overlap(b, e, w0, w1)), x[i, d, s]) for d, s, b, e in mine]
            m.add(sum(c * v for c, v in terms if c) <= int(rules.max_hours_per_week * 60))
        # holiday work is overtime (≤ 36 h a month); regular work within the working days
        hol = [(e - b, x[i, d, s]) for d, s, b, e in mine if p.days[d].kind == "holiday"]
        reg = [(e - b, x[i, d, s]) for d, s, b, e in mine if p.days[d].kind != "holiday"]
        m.add(sum(c * v for c, v in hol) <= int(rules.max_overtime_hours_per_month * 60))
        working_leave = sum(d.day in q.leave and d.kind in ("workday", "adjusted_workday")
                            for d in p.days)
        m.add(sum(c * v for c, v in reg) <= 8 * 60 * (p.standard_days - working_leave))
        holiday_shifts.append(sum(v for _, v in hol))
        # fairness: nobody far below their month's standard days while others are at it
        deficits.append((p.standard_days - working_leave) - sum(
            v for d, s, _, _ in mine for v in [x[i, d, s]] if p.days[d].kind != "holiday"))
        for d, s, _, _ in mine:
            if q.prefer_shift is not None and s != q.prefer_shift:
                penalties.append(2 * x[i, d, s])
            day = p.days[d].day
            if day.weekday() in q.prefer_off_weekdays or day in q.prefer_off_dates:
                penalties.append(3 * x[i, d, s])
            if d + 1 < n_days:  # a change of shift the next day is a small cost
                for s2 in range(n_shifts):
                    if s2 != s and (i, d + 1, s2) in x:
                        change = m.new_bool_var("")
                        m.add_bool_or([x[i, d, s].Not(), x[i, d + 1, s2].Not(), change])
                        penalties.append(change)
    most_holiday = m.new_int_var(0, n_days * n_shifts, "most_holiday")
    for h in holiday_shifts:
        m.add(most_holiday >= h)
    most_deficit = m.new_int_var(-n_days, n_days, "most_deficit")
    for deficit in deficits:
        m.add(most_deficit >= deficit)
    # two stages: coverage first (fast, and never traded for comfort), then, with the
    # shortfall held at its best and the first answer as a hint, fairness and wishes
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.random_seed = seed
    # deterministic time: about seconds on an idle machine, the same answer on a busy one
    solver.parameters.max_deterministic_time = rules.time_limit_s
    m.minimize(sum(short.values()))
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise DomainError("staff", f"no rota found in {rules.time_limit_s:g} s "
                          f"({solver.status_name(status)}): add staff or time")
    m.add(sum(short.values()) <= int(solver.objective_value))
    for v in x.values():
        m.add_hint(v, solver.value(v))
    m.minimize(50 * most_holiday + 20 * most_deficit + sum(penalties))
    first_status = status
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise DomainError("staff", f"no rota kept the coverage found ({first_status})")
    out = []
    for (i, d, s), v in sorted(x.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])):
        if solver.value(v):
            start = p.start(d, s)
            kind = p.days[d].kind
            out.append(Assignment(p.staff[i].name, p.days[d].day, p.shifts[s].name, start,
                                  start + timedelta(minutes=p.shifts[s].length_min), kind,
                                  "holiday" if kind == "holiday" else ""))
    gaps = {(p.days[d].day, p.shifts[s].name): solver.value(v)
            for (d, s), v in short.items() if solver.value(v)}
    return Rota(problem, out, gaps, solver.status_name(status), time.perf_counter() - t0,
                int(solver.objective_value))


def plan(sc: Scenario, year: int, month: int, staff_path: str | Path,
         requirement: str | Path | None = None,
         agents: list[list[int]] | None = None, config: Config | None = None) -> Problem:
    """The month's problem: the scenario's shifts, the site calendar (`config`'s, else the
    scenario's site), the staff file, and head counts from a requirement file, the
    optimizer's `agents`, or the scenario."""
    shifts = shifts_of(sc)
    config = config or sc.site
    days = month_days(config, year, month)
    need = (need_from_csv(requirement, shifts, days) if requirement
            else need_from_roster(sc, days, agents))
    staff, rules = load_staff(staff_path, shifts)
    if not staff:
        raise DomainError("staff", f"{staff_path}: names nobody")
    names = [q.name for q in staff]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise DomainError("staff", f"{staff_path}: {dup!r} is listed twice")
    return Problem(year, month, config.tz, days, shifts, need, staff, rules)
