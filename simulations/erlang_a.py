"""Erlang A (M/M/c+M): Erlang C with callers who hang up after an exponential patience.

Why beside Erlang C: the desk's callers hang up (the sample's mean patience is 3 min), and
Erlang C, which assumes they never do, asks for agents the model does not need.

Exact, not an approximation: the number in system is a birth–death chain (arrivals λ;
departures min(n, c)·μ + max(n − c, 0)·θ) solved in closed product form. The chain is
infinite; it is cut at the first state past c where the ratio of successive terms has
fallen below 1 and the geometric bound on everything beyond, p_n·r/(1 − r), is below
1e-15 of the mass so far (the ratios only fall from there, so the bound holds).

The service level — P(answered within t), a hang-up counting against it, as the model
counts — comes from the tagged-customer chain: a caller who finds j others waiting moves
up at rate cμ + kθ while k are ahead, reaches an agent from k = 0 at rate cμ, and hangs
up at rate θ throughout. Its transient probabilities are computed by uniformization
(Poisson-weighted steps of the discrete chain), exact to 1e-12 in the Poisson tail.
With θ = 0 every figure equals Erlang C's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulations.erlang import erlang_c

LOG_TAIL = math.log(1e-15)
POISSON_TAIL = 1e-12


@dataclass(frozen=True)
class ErlangA:
    p_wait: float  # P(an arrival finds every agent busy)
    service_level: float  # P(answered within the target), hang-ups count against
    abandon: float  # P(hangs up before an agent answers)
    mean_wait_s: float  # mean time in queue of every arrival (to answer or to hang-up)
    occupancy: float
    states: int  # where the chain was cut

    def as_dict(self) -> dict[str, float]:
        return {"p_wait": self.p_wait, "service_level": self.service_level,
                "abandon": self.abandon, "mean_wait_s": self.mean_wait_s,
                "occupancy": self.occupancy}


def stationary(lam: float, mu: float, theta: float, agents: int) -> np.ndarray:
    """π_n of the number in system, n = 0..N (cut as the module docstring says)."""
    logs = [0.0]
    log_p, top, acc = 0.0, 0.0, 1.0  # acc: Σ exp(log p_k − top) so far
    n = 0
    while True:
        n += 1
        log_p += math.log(lam / (min(n, agents) * mu + max(n - agents, 0) * theta))
        logs.append(log_p)
        if log_p > top:
            acc, top = acc * math.exp(top - log_p) + 1.0, log_p
        else:
            acc += math.exp(log_p - top)
        if n < agents:
            continue
        ratio = lam / (agents * mu + (n + 1 - agents) * theta)
        if ratio < 1 and log_p + math.log(ratio / (1 - ratio)) - top - math.log(acc) < LOG_TAIL:
            break
    x = np.exp(np.asarray(logs) - top)
    return x / x.sum()


def _served_within(q: np.ndarray, agents: int, mu: float, theta: float, t: float) -> float:
    """Σ_j q_j · P(answered within t | j callers ahead), by uniformization."""
    if t <= 0 or not q.any():
        return 0.0
    j = np.arange(len(q))
    up = agents * mu + j * theta  # rate of moving one place up (or to an agent from 0)
    rate = float(up[-1] + theta)
    x = rate * t
    stay = 1 - (up + theta) / rate
    move = up / rate
    v = q.astype(float).copy()
    served, total, k = 0.0, 0.0, 0
    log_w = -x  # log Poisson(k; x)
    kmax = int(x + 12 * math.sqrt(x) + 50)
    absorbed = 0.0  # mass that reached an agent within k steps
    while k <= kmax:
        weight = math.exp(log_w)
        total += weight
        served += weight * absorbed
        if 1 - total < POISSON_TAIL and k > x:
            break
        absorbed += float(v[0] * move[0])
        nxt = v * stay
        nxt[:-1] += v[1:] * move[1:]
        v = nxt
        k += 1
        log_w += math.log(x) - math.log(k)
    return served


def erlang_a(arrivals_per_hour: float, aht_s: float, agents: int, target_s: float,
             patience_s: float | None) -> ErlangA:
    """Erlang A figures; `patience_s` None (or inf) is Erlang C's endless patience."""
    if patience_s is None or math.isinf(patience_s):
        c = erlang_c(arrivals_per_hour, aht_s, agents, target_s)
        return ErlangA(c.p_wait, c.service_level, 0.0, c.mean_wait_s, c.occupancy, 0)
    lam, mu, theta = arrivals_per_hour / 3600, 1 / aht_s, 1 / patience_s
    if lam <= 0:
        return ErlangA(0.0, 1.0, 0.0, 0.0, 0.0, 1)
    pi = stationary(lam, mu, theta, agents)
    n = np.arange(len(pi))
    queue = np.maximum(n - agents, 0)
    mean_queue = float((pi * queue).sum())
    waiting = pi[agents:]
    p_wait = float(waiting.sum())
    sl = float(pi[:agents].sum()) + _served_within(waiting, agents, mu, theta, target_s)
    busy = float((pi * np.minimum(n, agents)).sum())
    return ErlangA(p_wait, min(sl, 1.0), theta * mean_queue / lam, mean_queue / lam,
                   busy / agents, len(pi))


def agents_needed_a(arrivals_per_hour: float, aht_s: float, target_s: float,
                    service_level: float, patience_s: float | None,
                    at_least: int = 0) -> int:
    """The fewest agents for which Erlang A meets the service level (at least 1 if any
    call comes; the level rises with every agent, so a bisection finds it)."""
    if arrivals_per_hour <= 0:
        return at_least

    def ok(c: int) -> bool:
        if patience_s is None and arrivals_per_hour / 3600 * aht_s >= c:
            return False
        return erlang_a(arrivals_per_hour, aht_s, c, target_s, patience_s
                        ).service_level >= service_level

    lo, hi = max(at_least, 1), max(at_least, 1)
    while not ok(hi):
        lo, hi = hi + 1, hi * 2
    while lo < hi:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid + 1
    return hi
