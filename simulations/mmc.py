"""Validation: the desk model on a plain M/M/c(+M) queue, beside Erlang C and Erlang A.

The run is the same `DeskModel` the staffing studies use, given one phone stream at a
constant rate, exponential handling, a fixed team and no duties; with `patience_min`
callers hang up after an exponential patience and never call back (M/M/c+M, Erlang A),
without it they wait for ever (M/M/c, where Erlang A is Erlang C).
Intervals are 95 % batch means (20 batches after the warm-up hour): one long run's days
are close enough to independent for an M/M/c queue whose waits last a minute.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.errors import DomainError
from simulations.erlang import erlang_c
from simulations.erlang_a import erlang_a
from simulations.model import DeskModel
from simulations.params import Scenario, parse_scenario
from simulations.run import confidence

BATCHES = 20


def mmc_scenario(arrivals_per_hour: float, aht_min: float, agents: int, days: int,
                 target_seconds: float, seed: int = 1, warmup_hours: float = 1.0,
                 patience_min: float | None = None) -> Scenario:
    for field, value in (("arrivals-per-hour", arrivals_per_hour), ("aht-min", aht_min),
                         ("agents", agents), ("days", days), ("target-seconds", target_seconds),
                         ("patience-min", 1.0 if patience_min is None else patience_min)):
        if not value > 0:
            raise DomainError(field, f"must be positive, got {value}")
    if patience_min is None and arrivals_per_hour * aht_min / 60 >= agents:
        raise DomainError("agents", f"{agents} agents cannot keep up with "
                          f"{arrivals_per_hour * aht_min / 60:g} Erlangs: the queue grows "
                          "without end and Erlang C has no answer")
    channels = {} if patience_min is None else {"phone": {
        "patience": {"dist": "exponential", "mean": patience_min}, "callback_share": 0.0}}
    return parse_scenario({
        "scenario": {"name": f"M/M/{agents}" + ("+M" if patience_min else ""), "days": days,
                     "seed": seed, "warmup_hours": warmup_hours, "drain_days": 0},
        "arrivals": {"stream": [{"channel": "phone", "category": "inquiry",
                                 "per_week": arrivals_per_hour * 168}]},
        "channels": channels,
        "categories": {"inquiry": {"handle": {"dist": "exponential", "mean": aht_min}}},
        "agents": {"fixed": agents},
        "duties": {"study_minutes": 0, "handover_minutes": 0,
                   "followup_rates": {"default": 0.0}},
        "targets": {"answer_within_s": target_seconds, "sl_scope": "horizon"},
    }, source="mmc")


def simulate_mmc(arrivals_per_hour: float, aht_min: float, agents: int, days: int,
                 target_seconds: float, seed: int = 1,
                 patience_min: float | None = None) -> dict[str, Any]:
    """Simulated, Erlang C and Erlang A figures; keys `simulated`, `erlang_c`, `erlang_a`.

    Every arrival counts: `p_wait` who found no free agent, `service_level` who was
    answered within the target, `abandon` who hung up, `mean_wait_s` the time in queue
    (to the answer or to the hang-up). Erlang C has no answer for an overloaded desk
    (null figures); Erlang A always has one."""
    sc = mmc_scenario(arrivals_per_hour, aht_min, agents, days, target_seconds, seed,
                      patience_min=patience_min)
    model = DeskModel(sc, seed=seed, tickets=False).run()
    enter = np.asarray(model.tasks.enter)
    start = np.asarray(model.tasks.start)
    gone = np.where(np.isnan(np.asarray(model.tasks.end)), np.asarray(model.tasks.renege),
                    np.asarray(model.tasks.end))
    answered = ~np.isnan(start)
    queued = np.where(answered, start, gone) - enter
    warm = sc.scenario.warmup_hours * 3600
    keep = enter >= warm
    enter, queued, answered = enter[keep], queued[keep], answered[keep]
    batch = np.minimum(((enter - warm) / (model.horizon - warm) * BATCHES).astype(int),
                       BATCHES - 1)
    figures = {
        "p_wait": queued > 0,
        "service_level": answered & (queued <= target_seconds),
        "abandon": ~answered,
        "mean_wait_s": queued,
    }
    simulated: dict[str, Any] = {"callers": int(len(queued))}
    for name, values in figures.items():
        values = values.astype(float)
        per_batch = np.bincount(batch, weights=values, minlength=BATCHES) / np.bincount(
            batch, minlength=BATCHES)
        est = confidence(per_batch)
        simulated[name] = float(values.mean())
        simulated[f"{name}_ci95"] = [est.low, est.high]
    patience_s = None if patience_min is None else patience_min * 60
    exact = erlang_a(arrivals_per_hour, aht_min * 60, agents, target_seconds, patience_s)
    stable = arrivals_per_hour * aht_min / 60 < agents
    theory = erlang_c(arrivals_per_hour, aht_min * 60, agents, target_seconds).as_dict()
    return {
        "case": {"arrivals_per_hour": arrivals_per_hour, "aht_min": aht_min, "agents": agents,
                 "days": days, "target_seconds": target_seconds, "seed": seed,
                 "patience_min": patience_min},
        "simulated": simulated,
        "erlang_c": {k: (v if stable else None) for k, v in theory.items()
                     if k != "occupancy"},
        "erlang_a": {k: v for k, v in exact.as_dict().items() if k != "occupancy"},
    }
