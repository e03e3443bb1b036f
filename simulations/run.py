"""Replications: explicit seeds, common random numbers, 95 % intervals, local or Dask.

Replication r of seed s always draws the same inputs (`SeedSequence([s, r])`), so two
rosters compared at the same seed differ only by the roster. Replications run in parallel
on local processes, or on a Dask cluster when given a scheduler address or a Client.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.kit import Policy
from simulations.model import DeskModel
from simulations.params import Scenario
from simulations.results import ReplicationResult, summarise

Progress = Callable[[ReplicationResult], None]


def replicate(scenario: Scenario, rep: int, seed: int | None = None,
              keep_tickets: bool = False, tickets: bool = True,
              policy: Policy | None = None) -> ReplicationResult:
    """One replication, start to finish (a picklable unit of work for any executor).

    `policy`: the SLA policy function (default: the site's, `kit.policy_function`, built
    in the worker from the same plugins); a function object stays in this process."""
    model = DeskModel(scenario, rep=rep, seed=seed, tickets=tickets, policy=policy).run()
    return summarise(model, keep_tickets=keep_tickets)


@dataclass(frozen=True)
class Estimate:
    mean: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    def covers(self, value: float) -> bool:
        return self.low <= value <= self.high

    def as_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "ci95_low": self.low, "ci95_high": self.high, "n": self.n}


_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
         2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
         2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def t_quantile(df: int, level: float = 0.95) -> float:
    """Student t two-sided quantile (95 % only: a table, and Cornish–Fisher past 30 df).

    Why not scipy: this one number is all the project needs from it.
    """
    if level != 0.95:
        raise ValueError("only 95 % intervals are supported")
    if df <= 30:
        return _T975[df - 1]
    z = 1.959964
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def confidence(values: Iterable[float], level: float = 0.95) -> Estimate:
    """Mean and Student-t interval; NaN values (nothing to measure) are left out."""
    x = np.asarray([v for v in values if v == v], float)
    n = len(x)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n == 1:
        return Estimate(mean, math.nan, math.nan, 1)
    half = float(t_quantile(n - 1, level) * x.std(ddof=1) / math.sqrt(n))
    return Estimate(mean, mean - half, mean + half, n)


@dataclass
class RunSummary:
    scenario: str
    seed: int
    replications: list[ReplicationResult]

    @property
    def n(self) -> int:
        return len(self.replications)

    def estimate(self, metric: str) -> Estimate:
        return confidence(r.metrics.get(metric, math.nan) for r in self.replications)

    def metrics(self) -> list[str]:
        names: dict[str, None] = {}
        for r in self.replications:
            names.update(dict.fromkeys(k for k in r.metrics if not k.startswith("unstaffed:")))
        return list(names)

    def target_share(self) -> dict[str, float]:
        """For each target, the share of replications meeting it."""
        keys: dict[str, None] = {}
        for r in self.replications:
            keys.update(dict.fromkeys(r.meets))
        return {k: float(np.mean([r.meets.get(k, True) for r in self.replications]))
                for k in keys}

    def all_met_share(self) -> float:
        return float(np.mean([r.ok for r in self.replications])) if self.replications else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario, "seed": self.seed, "replications": self.n,
            "metrics": {m: self.estimate(m).as_dict() for m in self.metrics()},
            "targets_met_share": self.target_share(),
            "all_targets_met_share": self.all_met_share(),
        }


def _local_executor(workers: int | None) -> Executor | None:
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    return ProcessPoolExecutor(workers) if workers > 1 else None


def iter_replications(scenario: Scenario, reps: Iterable[int], seed: int,
                      workers: int | None = None, scheduler: Any = None,
                      keep_tickets: bool = False,
                      executor: Executor | None = None) -> Iterator[ReplicationResult]:
    """Results as they finish (order not guaranteed); stop early by leaving the loop.

    `executor` reuses a caller's process pool (the optimizer runs hundreds of batches).
    """
    reps = list(reps)
    if scheduler is not None:
        yield from _dask(scenario, reps, seed, scheduler, keep_tickets)
        return
    own = executor is None
    pool = _local_executor(workers) if own and len(reps) > 1 else executor
    if pool is None:
        for rep in reps:
            yield replicate(scenario, rep, seed, keep_tickets)
        return
    futures = [pool.submit(replicate, scenario, rep, seed, keep_tickets) for rep in reps]
    try:
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        for fut in futures:
            fut.cancel()
        if own:
            pool.shutdown(wait=True, cancel_futures=True)


def _dask(scenario: Scenario, reps: list[int], seed: int, scheduler: Any,
          keep_tickets: bool) -> Iterator[ReplicationResult]:
    from distributed import Client, as_completed

    own = isinstance(scheduler, str)
    client = Client(scheduler) if own else scheduler
    try:
        futures = client.map(replicate, [scenario] * len(reps), reps, [seed] * len(reps),
                             [keep_tickets] * len(reps), pure=False)
        try:
            for fut in as_completed(futures):
                yield fut.result()
        finally:
            client.cancel(futures)
    finally:
        if own:
            client.close()


def run_replications(scenario: Scenario, n: int, seed: int | None = None,
                     workers: int | None = None, scheduler: Any = None,
                     progress: Progress | None = None,
                     keep_tickets: bool = False) -> RunSummary:
    """`n` replications of `scenario`, in replication order."""
    seed = scenario.scenario.seed if seed is None else seed
    results = []
    for result in iter_replications(scenario, range(n), seed, workers, scheduler, keep_tickets):
        results.append(result)
        if progress is not None:
            progress(result)
    results.sort(key=lambda r: r.rep)
    return RunSummary(scenario.scenario.name, seed, results)
