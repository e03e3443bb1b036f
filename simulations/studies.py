"""The numbers behind the charts: what a manager asks, computed from runs.

Kept apart from `plots` so the figures can be checked as numbers (and used in JSON)
without drawing anything.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import datetime, time
from typing import Any

import numpy as np

from core.errors import DomainError
from simulations.erlang import agents_needed, erlang_c
from simulations.mmc import simulate_mmc
from simulations.params import Scenario
from simulations.results import ReplicationResult
from simulations.run import RunSummary, _local_executor, replicate


def sl_curve(arrivals_per_hour: float, aht_min: float, agents: list[int], days: int,
             target_s: float, seeds: int = 3) -> dict[str, list[float]]:
    """Simulated (mean and 95 % interval over seeds) and Erlang C service level by agents."""
    from simulations.run import confidence

    out: dict[str, list[float]] = {"agents": [], "mean": [], "low": [], "high": [],
                                   "erlang_c": []}
    for c in agents:
        if c <= arrivals_per_hour * aht_min / 60:
            continue  # unstable: the queue grows without end
        runs = [simulate_mmc(arrivals_per_hour, aht_min, c, days, target_s, seed=s)
                for s in range(1, seeds + 1)]
        est = confidence(r["simulated"]["service_level"] for r in runs)
        out["agents"].append(c)
        out["mean"].append(est.mean)
        out["low"].append(est.low)
        out["high"].append(est.high)
        out["erlang_c"].append(erlang_c(arrivals_per_hour, aht_min * 60, c,
                                        target_s).service_level)
    return out


def required_by_hour(sc: Scenario) -> np.ndarray:
    """Erlang C agents for each hour of the week (7 × 24, Monday first), live calls only."""
    rates = sc.rates()
    live = np.array([sc.is_live(s.channel) for s in sc.arrivals.stream])
    lam = rates[:, live].sum(axis=1)
    handle = np.array([sc.category(s.category).handle.expected * 60 for s in sc.arrivals.stream])
    w = rates[:, live].sum(axis=0)
    aht = float((handle[live] * w).sum() / max(w.sum(), 1e-9))
    first = sc.scenario.start.weekday() * 24
    grid = np.zeros(168)
    seen = np.zeros(168)
    tg = sc.targets
    for h, x in enumerate(lam):
        how = (first + h) % 168
        grid[how] += agents_needed(float(x), aht, tg.answer_within_s, tg.service_level)
        seen[how] += 1
    return np.ceil(grid / np.maximum(seen, 1)).reshape(7, 24)


def queue_profile(summary: RunSummary) -> dict[str, np.ndarray]:
    """Mean queue and agents on duty per interval across replications (with a 10–90 % band)."""
    q = np.vstack([r.intervals["queue"] for r in summary.replications])
    a = np.vstack([r.intervals["agents"] for r in summary.replications])
    start = summary.replications[0].intervals["start_s"] / 3600
    return {"hours": start, "queue": q.mean(axis=0), "agents": a.mean(axis=0),
            "low": np.percentile(q, 10, axis=0), "high": np.percentile(q, 90, axis=0)}


def attainment(summary: RunSummary) -> dict[str, tuple[float, float, float]]:
    """Deadline and follow-up attainment (mean, 95 % interval) per clock and policy."""
    out: dict[str, tuple[float, float, float]] = {}
    for metric in summary.metrics():
        if metric.startswith(("reply:", "resolve:")) or metric == "followup":
            est = summary.estimate(metric)
            out[metric] = (est.mean, est.low, est.high)
    return out


def headline(summary: RunSummary) -> list[tuple[str, str, Any]]:
    """(label, metric, estimate) rows a manager reads first."""
    rows = [("服务水平 service level", "service_level"),
            ("最差一天 worst day's service level", "min_day_service_level"),
            ("平均等待 mean wait (s)", "mean_wait_s"),
            ("放弃率 abandoned", "abandon_rate"),
            ("坐席占用率 occupancy", "occupancy"),
            ("坐席工时 agent-hours", "agent_hours"),
            ("加班工时 overtime hours", "overtime_hours"),
            ("回访按时 follow-ups on time", "followup")]
    return [(label, key, summary.estimate(key)) for label, key in rows
            if not math.isnan(summary.estimate(key).mean)]


# ---- sweeps: many scenarios × replications, on this machine or a Dask cluster ----------


def with_demand(sc: Scenario, factor: float, name: str | None = None) -> Scenario:
    """`sc` with every stream's arrivals × `factor` over the whole run (a what-if)."""
    data = sc.model_dump()
    start = datetime.combine(sc.scenario.start, time(0))
    data["surge"] = [*data["surge"], {"name": f"demand ×{factor:g}", "start": start,
                                      "hours": float(sc.hours), "factor": factor}]
    data["scenario"]["name"] = name or f"{sc.scenario.name} ×{factor:g}"
    return Scenario.model_validate(data)


def _cells(scenarios: dict[str, Scenario], n: int,
           seed: int | None) -> list[tuple[str, Scenario, int, int]]:
    return [(key, sc, rep, sc.scenario.seed if seed is None else seed)
            for key, sc in scenarios.items() for rep in range(n)]


def connect(address: str) -> Any:
    """A `distributed.Client` on `address`, or one line saying why not."""
    from distributed import Client

    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DomainError("scheduler", f"cannot reach the Dask scheduler {address}: "
                          f"{why}") from None


def _results(cells: list[tuple[str, Scenario, int, int]], workers: int | None,
             scheduler: Any) -> Iterator[tuple[str, ReplicationResult]]:
    """(scenario key, result) as replications finish, wherever they run."""
    if scheduler is not None:
        from distributed import as_completed

        own = isinstance(scheduler, str)
        client = connect(scheduler) if own else scheduler
        try:
            # one task per scenario × replication: the scheduler spreads them on every worker
            futures = {client.submit(replicate, sc, rep, s, pure=False): key
                       for key, sc, rep, s in cells}
            try:
                for fut in as_completed(futures):
                    yield futures[fut], fut.result()
            finally:
                client.cancel(list(futures))
        finally:
            if own:
                client.close()
        return
    pool = _local_executor(workers) if len(cells) > 1 else None
    if pool is None:
        for key, sc, rep, s in cells:
            yield key, replicate(sc, rep, s)
        return
    with pool:
        local = {pool.submit(replicate, sc, rep, s): key for key, sc, rep, s in cells}
        from concurrent.futures import as_completed as done

        for fut in done(local):
            yield local[fut], fut.result()


def sweep(scenarios: dict[str, Scenario], n: int, seed: int | None = None,
          workers: int | None = None, scheduler: Any = None,
          progress: Callable[[str, ReplicationResult], None] | None = None,
          ) -> dict[str, RunSummary]:
    """`n` replications of every scenario, all submitted at once.

    Replication r of a scenario uses seed (its own, or `seed`) and r wherever it runs, so
    a cluster's answer is the same as this machine's. `scheduler`: a Dask address
    (`tcp://host:8786`) or a `distributed.Client`; its workers must import `simulations`
    (propdesk installed, or the same source on their PYTHONPATH)."""
    if n < 1:
        raise ValueError("n must be positive")
    cells = _cells(scenarios, n, seed)
    out: dict[str, list[ReplicationResult]] = {key: [] for key in scenarios}
    for key, result in _results(cells, workers, scheduler):
        out[key].append(result)
        if progress is not None:
            progress(key, result)
    summaries = {}
    for key, results in out.items():
        results.sort(key=lambda r: r.rep)
        sc = scenarios[key]
        summaries[key] = RunSummary(sc.scenario.name,
                                    sc.scenario.seed if seed is None else seed, results)
    return summaries
