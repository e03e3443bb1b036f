"""Agents needed on the queue, hour by hour: Erlang A with a lag, corrected by simulation.

Why a lag: demand that changes within the day reaches the agents late — a caller who
arrived at 09:55 is still being served at 10:02 — so staffing each hour for that hour's
arrivals alone (the stationary-independent-period-by-period approach, SIPP) is short
after every peak and generous before it. The offered load of an infinite-server queue,
m(t) = E[Λ(t) − Λ(t − S)] (arrivals still in service at t), carries that lag; the
stationary formula is applied to the arrival rate m(t)/E[S] averaged over the hour
(Green, Kolesar & Soares 2001, lagged SIPP; Feldman, Mandelbaum, Massey & Whitt 2008,
the offered-load start of iterative staffing). `lag=0` gives plain SIPP.

Then the simulation corrects hour by hour (in the spirit of iterative staffing): the
desk is run with exactly that many agents on the queue each hour (`hourly_scenario`: no
study or handover, those are the shift planner's allowance), each hour's simulated
service level is placed on Erlang A's curve for that hour (at x agents, interpolated:
the simulation's desk loses agents to written work and call-backs that Erlang A does not
see), and the hour is restaffed by the curve's distance from x to the target; an hour
changes only when its simulated level is off the target by more than two standard
errors (the larger of the binomial one and the spread between replications), and after
the first round only upwards (so the rounds end: at most four).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np

from simulations.erlang_a import erlang_a
from simulations.params import Scenario

SAMPLES = 400  # handling times drawn per stream for the offered load (a fixed seed)
#: the lag as a share of the handling time: 1, the offered load (0 would be SIPP)
LAG = 1.0


@dataclass
class Requirement:
    need: list[int]  # agents on the queue per hour of the horizon
    start: list[int]  # Erlang A's answer before the simulation corrected it
    rounds: int = 0  # simulation rounds run
    corrections: int = 0  # hour-agents changed by the simulation, over all rounds
    replications: int = 0
    history: list[int] = field(default_factory=list)  # corrections per round
    day_sl_sd: float = 0.0  # spread of a day's service level between replications

    def as_dict(self) -> dict[str, Any]:
        return {"rounds": self.rounds, "corrections": self.corrections,
                "corrections_per_round": self.history, "replications": self.replications,
                "agent_hours_start": sum(self.start), "agent_hours_needed": sum(self.need),
                "day_service_level_sd": self.day_sl_sd}


@dataclass(frozen=True)
class Queue:
    """The live queue as Erlang A sees it: rates per hour and one caller profile."""

    rates: np.ndarray  # effective arrivals per hour, per hour of the horizon
    aht_s: float
    patience_s: float | None
    callback: float  # share of those who hang up who call again
    cache: dict[tuple[int, int, float], tuple[float, float]] = field(
        default_factory=dict, compare=False)

    def level(self, h: int, agents: int, target_s: float) -> tuple[float, float]:
        """(service level, abandonment) of hour h with `agents` on the queue."""
        key = (h, agents, target_s)
        if key not in self.cache:
            self.cache[key] = self._level(h, agents, target_s)
        return self.cache[key]

    def _level(self, h: int, agents: int, target_s: float) -> tuple[float, float]:
        lam = float(self.rates[h])
        if lam <= 0:
            return 1.0, 0.0
        if agents <= 0:
            return 0.0, 1.0
        first = erlang_a(lam, self.aht_s, agents, target_s, self.patience_s)
        if not self.callback or not first.abandon:
            return first.service_level, first.abandon
        again = erlang_a(lam * (1 + self.callback * first.abandon), self.aht_s, agents,
                         target_s, self.patience_s)  # a share of hang-ups call back once
        return again.service_level, again.abandon

    def needed(self, h: int, target_s: float, level: float, at_least: int = 0) -> int:
        """Fewest agents whose Erlang A level reaches `level`."""
        if self.rates[h] <= 0:
            return at_least
        n = max(at_least, 1)
        while n < 1000 and self.level(h, n, target_s)[0] < level:
            n += 1
        return n

    def position(self, h: int, level: float, target_s: float, top: int = 1000) -> float:
        """Where on Erlang A's curve (agents, interpolated) the service level is `level`."""
        below = 0.0  # no agent, nobody answered
        for n in range(1, top):
            at = self.level(h, n, target_s)[0]
            if at >= level:
                return n - 1 + (level - below) / max(at - below, 1e-12)
            below = at
        return float(top)


def live_queue(sc: Scenario, lag: float = LAG) -> Queue:
    """The phone and counter queue of `sc`, per hour, lagged by `lag` of the handling
    time (0: the hour's own arrivals, SIPP; 1: the offered load)."""
    rates = sc.rates()
    streams = sc.arrivals.stream
    live = [j for j, s in enumerate(streams) if sc.is_live(s.channel)]
    weights = rates[:, live].sum(axis=0)
    total = max(float(weights.sum()), 1e-9)
    handle = np.array([sc.category(streams[j].category).handle.expected * 60 for j in live])
    aht = float((handle * weights).sum() / total)
    theta = 0.0
    callback = 0.0
    for j, w in zip(live, weights, strict=True):
        ch = sc.channel(streams[j].channel)
        if ch.patience is not None:
            theta += w / total / (ch.patience.expected * 60)
            callback += w / total * ch.callback_share
    eff = _offered(sc, rates, live, lag) * 3600 / aht if lag else rates[:, live].sum(axis=1)
    return Queue(eff, aht, 1 / theta if theta > 0 else None, callback)


def _offered(sc: Scenario, rates: np.ndarray, live: list[int], lag: float) -> np.ndarray:
    """Mean offered load (Erlangs) in each hour, E[Λ(t) − Λ(t − S)] over 12 points an
    hour; with `lag` < 1, E[Λ(t) − Λ(t − lag·S)] / lag (the same mean, a shorter lag)."""
    hours = rates.shape[0]
    edges = np.arange(hours + 1, dtype=float)  # in hours
    points = (np.arange(hours)[:, None] + (np.arange(12) + 0.5)[None, :] / 12).ravel()
    rng = np.random.default_rng(20010601)
    load = np.zeros(points.shape)
    for j in live:
        cum = np.concatenate(([0.0], np.cumsum(rates[:, j])))
        s = sc.category(sc.arrivals.stream[j].category).handle.draw(rng, SAMPLES) / 60
        before = np.clip(points[:, None] - lag * s[None, :], 0, None)  # none before 0
        load += np.interp(points, edges, cum) - np.interp(before, edges, cum).mean(axis=1)
    return load.reshape(hours, 12).mean(axis=1) / lag


def analytic(sc: Scenario, lag: float = LAG) -> tuple[Queue, list[int]]:
    tg = sc.targets
    q = live_queue(sc, lag)
    return q, [q.needed(h, tg.answer_within_s, tg.service_level)
               for h in range(len(q.rates))]


def hourly_scenario(sc: Scenario, need: list[int]) -> Scenario:
    """`sc` with `need` agents on the queue each hour, exactly: no study, no handover.

    The requirement is laid in layers — agent k works the runs of hours where at least
    k are needed (at most a day each) — so an agent stays for as long as they are needed:
    one-hour shifts would put the outgoing agents' calls in hand on top of the incoming
    agents every hour, a large error when calls last half an hour. Weeks repeat (the
    most any week needs)."""
    first = sc.scenario.start.weekday() * 24
    grid = [0] * 168  # hour of the week, Monday 00:00 first
    for h, n in enumerate(need):
        grid[(first + h) % 168] = max(grid[(first + h) % 168], n)
    staff: dict[tuple[int, int], list[int]] = {}
    for k in range(1, max(grid, default=0) + 1):
        h = 0
        while h < 168:
            if grid[h] < k:
                h += 1
                continue
            begin = h
            while h < 168 and grid[h] >= k and h - begin < 24:
                h += 1
            staff.setdefault((begin % 24, h - begin), [0] * 7)[begin // 24] += 1
    data = sc.model_dump()
    data["agents"]["shift"] = [
        {"name": f"h{start:02d}+{length}", "start": f"{start:02d}:00",
         "end": f"{(start + length) % 24:02d}:00", "staff": by_day}
        for (start, length), by_day in sorted(staff.items())] or [
        {"name": "none", "start": "00:00", "end": "01:00", "staff": 0}]
    data["agents"]["min_staff"] = 0
    data["duties"]["study_minutes"] = 0
    data["duties"]["handover_minutes"] = 0
    return Scenario.model_validate(data)


Simulate = Callable[[Scenario, int], list[Any]]


def correct(sc: Scenario, q: Queue, need: list[int], simulate: Simulate,
            replications: int, max_rounds: int = 4,
            progress: Callable[[str], None] | None = None) -> Requirement:
    """Iterate: simulate the hourly staffing, restaff the hours that miss or overshoot.

    `simulate(scenario, n)` returns n `ReplicationResult`s (the caller's pool and seeds)."""
    tg = sc.targets
    req = Requirement(need=list(need), start=list(need))
    for _ in range(max_rounds):
        results = simulate(hourly_scenario(sc, req.need), replications)
        req.rounds += 1
        req.replications += len(results)
        per_rep, per_rep_within = _per_hour(results, len(req.need))
        offered, within = per_rep.sum(axis=0), per_rep_within.sum(axis=0)
        noise = _noise(per_rep, per_rep_within, tg.service_level)
        days = [v for r in results for k, v in r.metrics.items()
                if k.startswith("day") and k.endswith("_service_level") and v == v]
        req.day_sl_sd = float(np.std(days, ddof=1)) if len(days) > 1 else 0.0
        changed = 0
        for h, n in enumerate(req.need):
            if offered[h] <= 0:
                continue
            p = within[h] / offered[h]
            if abs(p - tg.service_level) <= 2 * noise[h] or (
                    req.rounds > 1 and p > tg.service_level):
                continue  # within the noise; after the first round, only shortfalls move
            # the simulated level sits at x agents on Erlang A's curve (agents lost to
            # written work, call-backs, …); move by the curve's distance to the target
            x = q.position(h, min(p, 0.999999), tg.answer_within_s, n + 30)
            goal = q.position(h, tg.service_level, tg.answer_within_s, n + 30)
            new = max(math.ceil(n + goal - x - 1e-9), 0)
            if p < tg.service_level:
                new = max(new, n + 1)  # the simulation says short: never fewer
            elif new > n:
                new = n  # above the target: never more
            changed += abs(new - n)
            req.need[h] = new
        req.history.append(changed)
        req.corrections += changed
        if progress is not None:
            progress(f"interval correction round {req.rounds}: {changed} hour-agents changed")
        if not changed:
            break
    return req


def _per_hour(results: list[Any], hours: int) -> tuple[np.ndarray, np.ndarray]:
    """Calls offered and answered in time, per replication (rows) and hour (columns)."""
    offered = np.zeros((len(results), hours))
    within = np.zeros((len(results), hours))
    for i, r in enumerate(results):
        h = (np.asarray(r.intervals["start_s"]) // 3600).astype(int)
        keep = h < hours
        offered[i] = np.bincount(h[keep], np.asarray(r.intervals["offered"])[keep], hours)
        within[i] = np.bincount(h[keep], np.asarray(r.intervals["within_target"])[keep],
                                hours)
    return offered, within


def _noise(offered: np.ndarray, within: np.ndarray, level: float) -> np.ndarray:
    """Standard error of each hour's level: the larger of the binomial one and the spread
    between replications (long calls make a bad hour's callers fail together)."""
    total = offered.sum(axis=0)
    binomial = np.sqrt(level * (1 - level) / np.maximum(total, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        each = np.where(offered > 0, within / offered, np.nan)
        n = (offered > 0).sum(axis=0)
        spread = np.nanstd(each, axis=0, ddof=1) / np.sqrt(np.maximum(n, 1))
    return np.where(n > 1, np.fmax(binomial, np.nan_to_num(spread)), binomial)


def goals(sc: Scenario, q: Queue, req: Requirement
          ) -> tuple[list[list[int]], list[list[int]], float]:
    """What the shift planner must meet, as the scenario measures it (`sl_scope`).

    Per hour, calls answered in time (×1000) by 0, 1, … whole agents on the queue:
    Erlang A less the agents the simulation found lost to other work in that hour (the
    correction, need − start). The spans (days, or the whole run) whose calls must be
    answered in time, and the level to plan for: the target plus z·sd, sd the spread of
    a day's level between the simulated replications and z the normal quantile that
    leaves `1 − replication_share` of replications failing on any of the spans."""
    tg = sc.targets
    top = min(max(req.need, default=0) + 4, sc.agents.max_staff)
    answered = []
    for h, lam in enumerate(q.rates):
        lost = max(req.need[h] - req.start[h], 0)
        answered.append([round(1000 * lam * q.level(h, k - lost, tg.answer_within_s)[0])
                         if k > lost else 0 for k in range(top + 1)])
    hours = range(len(q.rates))
    spans = ([list(hours)] if tg.sl_scope == "horizon" else
             [[h for h in hours if h // 24 == d] for d in range(sc.scenario.days)])
    return answered, spans, min(tg.service_level + quantile(sc) * req.day_sl_sd, 0.999)


def quantile(sc: Scenario) -> float:
    """z leaving `1 − replication_share` of replications failing on any span (Bonferroni)."""
    spans = 1 if sc.targets.sl_scope == "horizon" else sc.scenario.days
    return NormalDist().inv_cdf(1 - (1 - sc.targets.replication_share) / spans)


def predicted(answered: list[list[int]], sc: Scenario, agents: list[list[int]],
              span: list[int], q: Queue) -> float:
    """The level the tables promise `agents` on the hours of `span`."""
    from simulations.cover import SCALE, coverage

    rows = coverage(sc)
    calls = 0
    for h in span:
        on = sum(c * agents[j][w] for j, w, c in rows[h]) // SCALE
        calls += answered[h][min(on, len(answered[h]) - 1)]
    total = 1000 * float(q.rates[span].sum())
    return calls / total if total else 1.0


def sinusoid(aht_min: float = 30.0, per_hour: float = 60.0, amplitude: float = 0.8,
             patience_min: float = 10.0, days: int = 7, seed: int = 5) -> Scenario:
    """A desk whose calls rise and fall over the day like a sine (the bench's and the
    tests' case of time-varying demand, after Green, Kolesar & Soares: long calls, where
    the lag matters); one always-on shift, no written work, no call-backs."""
    from simulations.params import parse_scenario

    rates = [per_hour * (1 + amplitude * math.sin(2 * math.pi * (h + 0.5) / 24))
             for h in range(168)]
    return parse_scenario({
        "scenario": {"name": "sinusoidal demand", "days": days, "seed": seed,
                     "drain_days": 1},
        "arrivals": {"stream": [{"channel": "phone", "category": "inquiry",
                                 "per_hour": rates}]},
        "channels": {"phone": {"patience": {"dist": "exponential", "mean": patience_min}}},
        "categories": {"inquiry": {"handle": {"dist": "exponential", "mean": aht_min}}},
        "agents": {"shift": [{"name": "all day", "start": "00:00", "end": "00:00",
                              "staff": 1}]},
        "duties": {"followup_rates": {"default": 0.0}, "study_minutes": 0,
                   "handover_minutes": 0},
    }, source="sinusoid")
