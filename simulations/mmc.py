"""Validation: the desk model on a plain M/M/c queue, side by side with Erlang C.

The run is the same `DeskModel` the staffing studies use, given one phone stream at a
constant rate, exponential handling, endless patience, a fixed team and no duties.
Intervals are 95 % batch means (20 batches after the warm-up hour): one long run's days
are close enough to independent for an M/M/c queue whose waits last a minute.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.errors import DomainError
from simulations.erlang import erlang_c
from simulations.model import DeskModel
from simulations.params import Scenario, parse_scenario
from simulations.run import confidence

BATCHES = 20


def mmc_scenario(arrivals_per_hour: float, aht_min: float, agents: int, days: int,
                 target_seconds: float, seed: int = 1, warmup_hours: float = 1.0) -> Scenario:
    for field, value in (("arrivals-per-hour", arrivals_per_hour), ("aht-min", aht_min),
                         ("agents", agents), ("days", days), ("target-seconds", target_seconds)):
        if not value > 0:
            raise DomainError(field, f"must be positive, got {value}")
    if arrivals_per_hour * aht_min / 60 >= agents:
        raise DomainError("agents", f"{agents} agents cannot keep up with "
                          f"{arrivals_per_hour * aht_min / 60:g} Erlangs: the queue grows "
                          "without end and Erlang C has no answer")
    return parse_scenario({
        "scenario": {"name": f"M/M/{agents}", "days": days, "seed": seed,
                     "warmup_hours": warmup_hours, "drain_days": 0},
        "arrivals": {"stream": [{"channel": "phone", "category": "inquiry",
                                 "per_week": arrivals_per_hour * 168}]},
        "categories": {"inquiry": {"handle": {"dist": "exponential", "mean": aht_min}}},
        "agents": {"fixed": agents},
        "duties": {"study_minutes": 0, "handover_minutes": 0,
                   "followup_rates": {"default": 0.0}},
        "targets": {"answer_within_s": target_seconds, "sl_scope": "horizon"},
    }, source="mmc")


def simulate_mmc(arrivals_per_hour: float, aht_min: float, agents: int, days: int,
                 target_seconds: float, seed: int = 1) -> dict[str, Any]:
    """Simulated and Erlang C figures; keys `simulated` and `erlang_c` as the CLI prints."""
    sc = mmc_scenario(arrivals_per_hour, aht_min, agents, days, target_seconds, seed)
    model = DeskModel(sc, seed=seed, tickets=False).run()
    enter = np.asarray(model.tasks.enter)
    wait = np.asarray(model.tasks.start) - enter
    warm = sc.scenario.warmup_hours * 3600
    keep = enter >= warm
    enter, wait = enter[keep], wait[keep]
    batch = np.minimum(((enter - warm) / (model.horizon - warm) * BATCHES).astype(int),
                       BATCHES - 1)
    figures = {
        "p_wait": wait > 0,
        "service_level": wait <= target_seconds,
        "mean_wait_s": wait,
    }
    simulated: dict[str, Any] = {"callers": int(len(wait))}
    for name, values in figures.items():
        values = values.astype(float)
        per_batch = np.bincount(batch, weights=values, minlength=BATCHES) / np.bincount(
            batch, minlength=BATCHES)
        est = confidence(per_batch)
        simulated[name] = float(values.mean())
        simulated[f"{name}_ci95"] = [est.low, est.high]
    theory = erlang_c(arrivals_per_hour, aht_min * 60, agents, target_seconds)
    return {
        "case": {"arrivals_per_hour": arrivals_per_hour, "aht_min": aht_min, "agents": agents,
                 "days": days, "target_seconds": target_seconds, "seed": seed},
        "simulated": simulated,
        "erlang_c": {k: v for k, v in theory.as_dict().items() if k != "occupancy"},
    }
