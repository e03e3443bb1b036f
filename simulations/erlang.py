"""Erlang C: the textbook M/M/c answer the simulation is validated against.

It is also the optimizer's starting point — and only that, because it assumes endless
patience, steady demand within the hour, no breaks and no shift boundaries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ErlangC:
    p_wait: float
    service_level: float
    mean_wait_s: float
    occupancy: float

    def as_dict(self) -> dict[str, float]:
        return {"p_wait": self.p_wait, "service_level": self.service_level,
                "mean_wait_s": self.mean_wait_s, "occupancy": self.occupancy}


def p_wait(load: float, agents: int) -> float:
    """Probability an arrival waits, for `load` Erlangs offered to `agents` servers."""
    if agents <= load:
        return 1.0
    b = 1.0  # Erlang B by the stable recursion
    for k in range(1, agents + 1):
        b = load * b / (k + load * b)
    rho = load / agents
    return b / (1 - rho + rho * b)


def erlang_c(arrivals_per_hour: float, aht_s: float, agents: int,
             target_s: float) -> ErlangC:
    lam = arrivals_per_hour / 3600
    load = lam * aht_s
    if agents <= load:
        return ErlangC(1.0, 0.0, math.inf, 1.0)
    pw = p_wait(load, agents)
    drain = agents / aht_s - lam  # rate at which the queue empties
    return ErlangC(pw, 1 - pw * math.exp(-drain * target_s), pw / drain, load / agents)


def agents_needed(arrivals_per_hour: float, aht_s: float, target_s: float,
                  service_level: float, at_least: int = 0) -> int:
    """The fewest agents for which Erlang C meets the service level."""
    if arrivals_per_hour <= 0:
        return at_least
    n = max(at_least, math.floor(arrivals_per_hour / 3600 * aht_s) + 1)
    while erlang_c(arrivals_per_hour, aht_s, n, target_s).service_level < service_level:
        n += 1
    return n
