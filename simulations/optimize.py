"""The smallest roster that meets every target in enough replications.

Two ways to the starting roster (`method`):
- "erlang-a" (default): start where the answer is. Agents needed on the queue hour by
  hour from Erlang A on the lagged offered load, corrected hour by hour by the simulation
  (`staffing`), then the cheapest shifts covering that requirement (`cover`, CP-SAT).
- "erlang-c" (before): Erlang C per hour, each shift rounded up to its busiest hour.
Then the simulation decides: add an agent where the service level is worst until the
roster is good, then take agent-shifts away one at a time while it stays good. The last
pass tries every single removal and records which target each one breaks — the proof,
in the report, that the roster is minimal.

"Good": at least `targets.replication_share` of R replications meet every target that
staffing can change (deadlines owned by departments are reported, not optimized).
Replications use seeds 0..R-1 for every candidate (common random numbers); a candidate is
dropped as soon as it has failed more replications than the share allows.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulations.erlang import agents_needed
from simulations.params import Scenario
from simulations.results import ReplicationResult
from simulations.run import _local_executor, confidence, iter_replications

AgentRoster = list[list[int]]  # [shift][weekday]
TechRoster = list[list[list[int]]]  # [skill][shift][weekday]


@dataclass
class Verdict:
    good: bool
    ran: int
    failures: int
    broken: Counter[str]
    results: list[ReplicationResult]


@dataclass
class Removal:
    what: str
    breaks: str
    share_met: float


@dataclass
class Optimum:
    agents: AgentRoster
    technicians: TechRoster
    feasible: bool
    agent_hours: float
    technician_hours: float
    binding: list[str]
    minimality: list[Removal]
    erlang_start: AgentRoster
    evaluations: int
    seconds: float
    target_shares: dict[str, float] = field(default_factory=dict)
    shift_names: list[str] = field(default_factory=list)
    skill_names: list[str] = field(default_factory=list)
    method: str = "erlang-c"
    start: AgentRoster = field(default_factory=list)  # where the search began
    requirement: dict[str, Any] | None = None  # the interval phase (erlang-a)
    replications: int = 0  # simulated, over every candidate

    @property
    def agent_shifts(self) -> int:
        return sum(map(sum, self.agents))

    def as_dict(self) -> dict[str, Any]:
        return {
            "feasible": self.feasible,
            "agents": {n: r for n, r in zip(self.shift_names, self.agents, strict=True)},
            "technicians": {k: {f"shift{j}": s[0] for j, s in enumerate(shifts)}
                            for k, shifts in zip(self.skill_names, self.technicians,
                                                 strict=True)},
            "agent_hours_per_week": self.agent_hours,
            "technician_hours_per_week": self.technician_hours,
            "binding_targets": self.binding,
            "minimality": [r.__dict__ for r in self.minimality],
            "erlang_c_start": {n: r for n, r in zip(self.shift_names, self.erlang_start,
                                                    strict=True)},
            "target_shares": self.target_shares,
            "evaluations": self.evaluations,
            "seconds": self.seconds,
            "method": self.method,
            "start": {n: r for n, r in zip(self.shift_names, self.start, strict=True)},
            "agent_shifts_per_week": self.agent_shifts,
            "requirement": self.requirement,
            "replications": self.replications,
        }


def erlang_start(sc: Scenario) -> AgentRoster:
    """Agents per shift and weekday from Erlang C on each hour of the first week.

    Live calls only, inflated for the time study and handover take away from a shift.
    """
    tg, shifts = sc.targets, sc.agents.shift
    rates = sc.rates()[:168]
    live = np.array([sc.is_live(s.channel) for s in sc.arrivals.stream])
    lam = rates[:, live].sum(axis=1)
    handle = np.array([sc.category(s.category).handle.expected * 60 for s in sc.arrivals.stream])
    weights = rates[:, live].sum(axis=0)
    aht = float((handle[live] * weights).sum() / max(weights.sum(), 1e-9))
    need = [agents_needed(float(x), aht, tg.answer_within_s, tg.service_level) for x in lam]
    first = sc.scenario.start.weekday()
    out: AgentRoster = []
    for shift in shifts:
        duty = (sc.duties.study_minutes + sc.duties.handover_minutes) / shift.length_min
        row = []
        for weekday in range(7):
            day = (weekday - first) % 7
            begin = day * 24 + shift.start_min // 60
            hours = [need[(begin + h) % len(need)] for h in range(math.ceil(shift.length_min / 60))]
            n = math.ceil(max(hours, default=0) / max(1 - duty, 0.1))
            row.append(min(max(n, sc.agents.min_staff), sc.agents.max_staff))
        out.append(row)
    return out


def staffed_targets(result: ReplicationResult) -> dict[str, bool]:
    return {k: v for k, v in result.meets.items()
            if f"unstaffed:{k}" not in result.metrics}


class Search:
    def __init__(self, sc: Scenario, replications: int, seed: int,
                 executor: Executor | None, scheduler: Any,
                 progress: Callable[[str], None] | None) -> None:
        self.sc = sc
        self.R = replications
        self.seed = seed
        self.executor = executor
        self.scheduler = scheduler
        self.allowed = math.floor(replications * (1 - sc.targets.replication_share) + 1e-9)
        self.evaluations = 0
        self.replications = 0
        self.began = time.perf_counter()
        self.sim_seconds = 0.0  # spent in candidate evaluations (for the estimate)
        self.progress_to = progress or (lambda _msg: None)
        self.cache: dict[str, Verdict] = {}
        # every candidate runs these replications, hardest first for what it changes
        self.orders = {"agent": list(range(replications)),
                       "technician": list(range(replications))}
        self.left = 0  # candidates still to try in this pass, when known

    def progress(self, msg: str) -> None:
        """`msg` with the counts, the time so far and a rough estimate of what is left:
        the candidates still to try at the mean cost of one so far."""
        elapsed = time.perf_counter() - self.began
        per = self.sim_seconds / self.evaluations if self.evaluations else 0.0
        eta = f", ~{self.left * per:.0f} s left" if self.left and per else ""
        self.progress_to(f"{msg} · {self.evaluations} candidates, {self.replications} "
                         f"replications, {elapsed:.1f} s{eta}")

    def run(self, sc: Scenario, n: int) -> list[ReplicationResult]:
        """n replications of any scenario on this search's pool and seeds (counted)."""
        out = list(iter_replications(sc, range(n), self.seed, executor=self.executor,
                                     scheduler=self.scheduler))
        self.replications += len(out)
        return out

    def evaluate(self, agents: AgentRoster, techs: TechRoster, full: bool = False,
                 focus: str = "agent") -> Verdict:
        key = repr((agents, techs, full))
        whole = repr((agents, techs, True))  # a full verdict answers any question
        if whole in self.cache:
            return self.cache[whole]
        if key in self.cache:
            return self.cache[key]
        self.evaluations += 1
        began = time.perf_counter()
        sc = self.sc.with_roster(agents, techs)
        failures, results, broken = 0, [], Counter()
        for result in iter_replications(sc, self.orders[focus], self.seed,
                                         executor=self.executor,
                                         scheduler=self.scheduler):
            results.append(result)
            bad = [k for k, ok in staffed_targets(result).items() if not ok]
            broken.update(bad)
            failures += bool(bad)
            if failures > self.allowed and not full:
                break
        verdict = Verdict(failures <= self.allowed and len(results) == self.R, len(results),
                          failures, broken, results)
        if len(results) == self.R:  # the hardest replications first next time: a
            # neighbour that fails, fails there, and is dropped after few replications
            for kind in self.orders:
                self.orders[kind] = [r.rep for r in sorted(
                    results, key=lambda r, kind=kind: _hardness(self.sc, r, kind))]
        self.cache[key] = verdict
        self.replications += len(results)
        self.sim_seconds += time.perf_counter() - began
        return verdict


def _hardness(sc: Scenario, result: ReplicationResult, kind: str) -> float:
    """How close a replication came to failing what an agent (or a technician) changes:
    the least margin over the targets of that kind (negative: failed)."""
    tg = sc.targets
    margins = []
    for key, _ok in staffed_targets(result).items():
        if _is_tech_target(key) != (kind == "technician"):
            continue
        if key == "service_level":
            value = result.metrics.get("min_day_service_level" if tg.sl_scope == "day"
                                       else "service_level", math.nan)
            margins.append(value - tg.service_level)
        elif key == "abandon_rate" and tg.max_abandon is not None:
            margins.append(tg.max_abandon - result.metrics.get(key, math.nan))
        else:
            need = tg.followup_attainment if key == "followup" else tg.deadline_attainment
            margins.append(result.metrics.get(key, math.nan) - need)
    margins = [m for m in margins if m == m]
    return min(margins, default=math.inf)


def _weekday_of(sc: Scenario, day: int) -> int:
    return (sc.scenario.start.weekday() + day) % 7


def _techs_of(sc: Scenario) -> TechRoster:
    return [[s.staff_by_day() for s in skill.shift] for skill in sc.technicians.skill]


@contextmanager
def _pool(workers: int | None, scheduler: Any) -> Iterator[Executor | None]:
    pool = None if scheduler is not None else _local_executor(workers)
    try:
        yield pool
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


METHODS = ("erlang-a", "erlang-c")


def optimize(sc: Scenario, replications: int = 20, seed: int | None = None,
             workers: int | None = None, scheduler: Any = None,
             progress: Callable[[str], None] | None = None,
             method: str = "erlang-a") -> Optimum:
    """Search agents per shift and weekday, and technicians per skill and shift."""
    started = time.perf_counter()
    seed = sc.scenario.seed if seed is None else seed
    if sc.agents.fixed is not None:
        from core.errors import DomainError

        raise DomainError("agents.fixed", "the optimizer needs [[agents.shift]] to search")
    if method not in METHODS:
        from core.errors import DomainError

        raise DomainError("method", f"unknown method {method!r}; one of {', '.join(METHODS)}")
    requirement = None
    with _pool(workers, scheduler) as pool:
        search = Search(sc, replications, seed, pool, scheduler, progress)
        techs = _techs_of(sc)
        if method == "erlang-a":
            start, req = requirement_start(search)
            requirement = req.as_dict()
        else:
            start = erlang_start(sc)
        agents = [list(r) for r in start]
        feasible = _climb(search, agents, techs)
        if feasible:
            _descend(search, agents, techs)
        proof = _prove(search, agents, techs) if feasible else []
        final = search.evaluate(agents, techs, full=True)
    results = final.results
    shares = {k: float(np.mean([staffed_targets(r).get(k, True) for r in results]))
              for r in results for k in staffed_targets(r)}
    broken_by_removal = Counter(p.breaks for p in proof)
    binding = [k for k, _ in broken_by_removal.most_common()] or [
        min(shares, key=lambda k: shares[k])] if shares else []
    week = 7 / sc.scenario.days
    return Optimum(
        agents=agents, technicians=techs, feasible=feasible and final.good,
        agent_hours=confidence(r.metrics["agent_hours"] for r in results).mean * week,
        technician_hours=_tech_hours(sc, techs),
        binding=binding, minimality=proof, erlang_start=erlang_start(sc),
        evaluations=search.evaluations, seconds=time.perf_counter() - started,
        target_shares=shares, shift_names=[s.name for s in sc.agents.shift],
        skill_names=[k.name for k in sc.technicians.skill], method=method, start=start,
        requirement=requirement, replications=search.replications)


def requirement_start(search: Search, lag: float = 1.0) -> tuple[AgentRoster, Any]:
    """Erlang A per hour (lagged), corrected by simulation, then the cheapest shifts that
    meet the level by day (the climb then adds where the simulation still finds it short:
    one agent where it is worst is a surer step than re-planning the week)."""
    from simulations.cover import cover
    from simulations.staffing import analytic, correct, goals

    sc = search.sc
    queue, need = analytic(sc, lag)
    search.progress(f"Erlang A{' (lagged)' if lag else ''}: {sum(need)} agent-hours on the "
                    "queue; simulating the hours")
    req = correct(sc, queue, need, search.run, max(search.R // 2, 5),
                  progress=search.progress)
    answered, spans, level = goals(sc, queue, req)
    goal = [(span, math.ceil(1000 * level * float(queue.rates[span].sum()))) for span in spans]
    agents = cover(sc, req.need, answered=answered, goal=goal)
    search.progress(f"shifts: {sum(map(sum, agents))} agent-shifts meet the level "
                    f"{level:.3f} by {sc.targets.sl_scope}")
    return agents, req


def _tech_hours(sc: Scenario, techs: TechRoster) -> float:
    return float(sum(sum(staff) * shift.length_min / 60
                     for skill, rows in zip(sc.technicians.skill, techs, strict=True)
                     for shift, staff in zip(skill.shift, rows, strict=True)))


def _is_tech_target(key: str) -> bool:
    return key.split(":")[-1].startswith("repair")


def _climb(search: Search, agents: AgentRoster, techs: TechRoster) -> bool:
    """Add staff where targets fail until the roster is good (or nothing can be added)."""
    sc = search.sc
    tech_misses: list[int] = []
    while True:
        v = search.evaluate(agents, techs)
        search.left = sum(len(r) for r in agents) + sum(len(r) for r in techs)  # a pass
        search.progress(f"climb: {sum(map(sum, agents))} agent-shifts, "
                        f"{'good' if v.good else 'short: ' + ', '.join(v.broken)}")
        if v.good:
            return True
        added = False
        misses = sum(n for k, n in v.broken.items() if _is_tech_target(k))
        tech_misses.append(misses)
        # three technicians more and no fewer misses: travel, not staff, is what fails
        stalled = len(tech_misses) > 3 and misses >= tech_misses[-4] > 0
        if misses and not stalled:
            added = _add_technician(sc, v, techs)
        if any(not _is_tech_target(k) for k in v.broken):
            added = _add_agent(sc, v, agents) or added
        if not added:
            return False


def _add_agent(sc: Scenario, v: Verdict, agents: AgentRoster) -> bool:
    sl: dict[tuple[int, int], list[float]] = {}
    for r in v.results:
        for j, day, _begin, _staff, value in r.shifts:
            if day >= 0 and value == value:
                sl.setdefault((j, _weekday_of(sc, day)), []).append(value)
    order = sorted(sl, key=lambda k: float(np.mean(sl[k])))
    for j, w in order:
        if agents[j][w] < sc.agents.max_staff:
            agents[j][w] += 1
            return True
    return False


def _add_technician(sc: Scenario, v: Verdict, techs: TechRoster) -> bool:
    scores: dict[tuple[int, int], list[float]] = {}
    for r in v.results:
        for key, value in r.metrics.items():
            if key.startswith("tech:"):
                _, k, j = key.split(":")
                scores.setdefault((int(k), int(j)), []).append(value)
    if not scores:
        return False
    k, j = min(scores, key=lambda kj: float(np.mean(scores[kj])))
    if max(techs[k][j]) >= sc.agents.max_staff:
        return False
    techs[k][j] = [n + 1 for n in techs[k][j]]
    return True


def _moves(search: Search, agents: AgentRoster, techs: TechRoster
           ) -> list[tuple[str, Callable[[], None], Callable[[], None]]]:
    """Every single removal, the most comfortable first (highest service level)."""
    sc = search.sc
    v = search.evaluate(agents, techs)
    sl: dict[tuple[int, int], list[float]] = {}
    for r in v.results:
        for j, day, _b, _s, value in r.shifts:
            if day >= 0 and value == value:
                sl.setdefault((j, _weekday_of(sc, day)), []).append(value)
    moves = []
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    for (j, w) in sorted(sl, key=lambda k: -float(np.mean(sl[k]))):
        if agents[j][w] > sc.agents.min_staff:
            def down(j: int = j, w: int = w) -> None:
                agents[j][w] -= 1

            def up(j: int = j, w: int = w) -> None:
                agents[j][w] += 1
            moves.append((f"agent {sc.agents.shift[j].name} {days[w]}", down, up))
    for k, skill in enumerate(sc.technicians.skill):
        for j, shift in enumerate(skill.shift):
            if min(techs[k][j]) > 0:
                def tdown(k: int = k, j: int = j) -> None:
                    techs[k][j] = [n - 1 for n in techs[k][j]]

                def tup(k: int = k, j: int = j) -> None:
                    techs[k][j] = [n + 1 for n in techs[k][j]]
                moves.append((f"technician {skill.name} {shift.name} (every day)", tdown, tup))
    return moves


def _can_remove(sc: Scenario, what: str, agents: AgentRoster, techs: TechRoster) -> bool:
    """Whether the move named `what` may still take one away (min staff, no technician)."""
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    kind, _, rest = what.partition(" ")
    if kind == "agent":
        for j, shift in enumerate(sc.agents.shift):
            for w, day in enumerate(days):
                if rest == f"{shift.name} {day}":
                    return agents[j][w] > sc.agents.min_staff
    for k, skill in enumerate(sc.technicians.skill):
        for j, shift in enumerate(skill.shift):
            if rest == f"{skill.name} {shift.name} (every day)":
                return min(techs[k][j]) > 0
    return False


def _descend(search: Search, agents: AgentRoster, techs: TechRoster) -> None:
    changed = True
    while changed:
        changed = False
        moves = _moves(search, agents, techs)
        for i, (what, down, up) in enumerate(moves):
            search.left = len(moves) - i
            focus = what.partition(" ")[0]
            while _can_remove(search.sc, what, agents, techs):  # the same cell again
                down()          # while it holds: one pass instead of one per removal
                if search.evaluate(agents, techs, focus=focus).good:
                    changed = True
                    search.progress(f"descend: removed {what}")
                    continue
                up()
                search.progress(f"descend: {what} is needed")
                break
    search.left = 0


def _prove(search: Search, agents: AgentRoster, techs: TechRoster) -> list[Removal]:
    """Each single removal from the final roster, and the target it breaks."""
    out = []
    for what, down, up in _moves(search, agents, techs):
        down()
        v = search.evaluate(agents, techs, focus=what.partition(" ")[0])
        up()
        if v.good:  # cannot happen after _descend; kept honest if it ever does
            out.append(Removal(what, "none (not minimal)", 1.0))
            continue
        target, count = v.broken.most_common(1)[0]
        out.append(Removal(what, target, 1 - count / max(v.ran, 1)))
    return out
