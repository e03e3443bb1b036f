"""Shifts that meet the service level at least cost: a small integer program (CP-SAT).

Why an exact solver: rounding each shift up to the busiest hour it covers (what the
Erlang C start does) pays for the peak all shift long; where shifts overlap, or a need
could be met by either of two, only a solver finds the cheapest mix. Why OR-Tools
CP-SAT rather than scipy's MILP: scipy is not otherwise a dependency, OR-Tools is one
wheel, and CP-SAT proves optimality of these few dozen integer variables in milliseconds.

The model: x[shift][weekday] agents, between the scenario's min and max staff; every hour
of the horizon, the agents of the shift instances on the queue for most of that hour
(after the incoming handover) reach the requirement, each counted at 1 − study/span in
the hours where the shift's study blocks fall (the staggered study takes that share away
on average); cost: agent-minutes paid.

Two targets (`cover`): every hour at its own requirement, or — what the scenario
measures, `targets.sl_scope` — each day's (or the whole run's) calls answered within the
target: each hour's agents (whole agents covered) pick from that hour's table of calls
answered in time (Erlang A, less the agents the simulation saw lost to other work), and
each day's sum must reach the level plus a margin for the spread between replications.
The cheapest roster may then run some quiet hours below the level, as the day allows.
"""

from __future__ import annotations

import math
from typing import Any

from simulations.params import Scenario

SCALE = 100  # CP-SAT works on integers: coefficients in hundredths of an agent


def coverage(sc: Scenario) -> list[list[tuple[int, int, int]]]:
    """Per horizon hour: (shift, weekday, coefficient×SCALE) of the instances covering it."""
    d = sc.duties
    first = sc.scenario.start.weekday()
    hours = sc.hours
    rows: list[list[tuple[int, int, int]]] = [[] for _ in range(hours)]
    for j, shift in enumerate(sc.agents.shift):
        length = shift.length_min
        span = max(length - d.study_after_minutes - d.study_minutes, 0.0)
        share = min(d.study_minutes / span, 1.0) if span and d.study_minutes else 0.0
        for day in range(-1, sc.scenario.days):
            begin = day * 1440 + shift.start_min + d.handover_minutes  # on the queue from
            study_from = begin + d.study_after_minutes
            w = (first + day) % 7
            for h in range(max(0, math.floor(begin / 60)),
                           min(hours, math.ceil((begin + length) / 60))):
                overlap = min((h + 1) * 60, begin + length) - max(h * 60, begin)
                if overlap < 30:
                    continue
                mid = h * 60 + 30
                coef = 1 - share if mid >= study_from else 1.0
                rows[h].append((j, w, round(SCALE * coef)))
    return rows


def _hull(table: list[int]) -> list[tuple[int, int]]:
    """The upper concave hull of (agents, calls answered in time): the lines a solver can
    bound the calls with. Exact where the table is concave (past the first agents); below
    that it promises a little more than the table, which the simulation then checks."""
    hull: list[tuple[int, int]] = []
    for point in enumerate(table):
        while len(hull) >= 2 and ((hull[-1][1] - hull[-2][1]) * (point[0] - hull[-2][0])
                                  <= (point[1] - hull[-2][1]) * (hull[-1][0] - hull[-2][0])):
            hull.pop()
        hull.append(point)
    return hull if len(hull) > 1 else hull + [(len(table), table[-1])]


def cover(sc: Scenario, need: list[int], time_limit_s: float = 1.5,
          answered: list[list[int]] | None = None, goal: list[tuple[list[int], int]] | None
          = None) -> list[list[int]]:
    """The cheapest agents[shift][weekday]: every hour at `need` (agents on the queue),
    or, given `answered` (per hour: calls answered in time ×1000 by whole agents on the
    queue, 0, 1, …) and `goal` (hours, calls×1000 they must answer in time), each goal.

    The best roster found within `time_limit_s`: CP-SAT finds the optimum of the sample
    week at once but takes longer to prove it, and the search that follows proves the
    roster minimal in the simulation anyway."""
    from ortools.sat.python import cp_model

    shifts, ag = sc.agents.shift, sc.agents
    model = cp_model.CpModel()
    x = [[model.new_int_var(ag.min_staff, ag.max_staff, f"x{j}_{w}") for w in range(7)]
         for j in range(len(shifts))]
    got: dict[int, Any] = {}
    for h, row in enumerate(coverage(sc)):
        if not row:
            continue  # no shift covers this hour: nothing to choose
        on_queue = sum(c * x[j][w] for j, w, c in row)
        if answered is None:
            if h < len(need) and need[h] > 0:
                model.add(on_queue >= SCALE * need[h])
            continue
        table = answered[h]
        n = model.new_int_var(0, len(table) - 1, f"n{h}")
        model.add(SCALE * n <= on_queue)  # whole agents on the queue
        got[h] = model.new_int_var(0, max(table), f"a{h}")
        hull = _hull(table)
        for (k0, t0), (k1, t1) in zip(hull, hull[1:], strict=False):  # under each chord
            model.add((k1 - k0) * got[h] <= (k1 - k0) * t0 + (t1 - t0) * (n - k0))
    for hours, calls in goal or []:
        model.add(sum(got[h] for h in hours if h in got) >= calls)
    model.minimize(sum(shifts[j].length_min * x[j][w]
                       for j in range(len(shifts)) for w in range(7)))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # a few hundred variables; the machine is shared
    solver.parameters.max_time_in_seconds = time_limit_s
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # the requirement exceeds max_staff somewhere: staff every shift at the maximum
        return [[ag.max_staff] * 7 for _ in shifts]
    return [[int(solver.value(x[j][w])) for w in range(7)] for j in range(len(shifts))]
