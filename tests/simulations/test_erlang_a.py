"""Erlang A against figures computed independently, and the model against Erlang A.

Sources, none of them the code under test:
- a dense CTMC solve (numpy, πQ = 0 on a generator cut far beyond any mass) for the
  queue figures, and the tagged caller's generator integrated by Runge–Kutta (RK4) for
  the service level — another state space, another method than the product form and
  uniformization in `simulations.erlang_a`;
- identities of the M/M/n+M queue (Mandelbaum & Zeltyn, "The M/M/n+G queue: summary of
  performance measures"): P(abandon) = θ·E[W]; with θ = μ the number in system is
  Poisson(λ/μ) exactly (every customer leaves at rate μ, served or not);
- Erlang C (θ → 0), whose values are checked against tables in test_erlang.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulations.erlang import erlang_c
from simulations.erlang_a import agents_needed_a, erlang_a
from simulations.mmc import simulate_mmc

CASES = [  # arrivals/h, AHT s, agents, target s, patience s
    (120, 240, 10, 20, 180),
    (120, 240, 7, 20, 180),  # overloaded: Erlang C has no answer, Erlang A has
    (20, 300, 2, 30, 600),
    (500, 240, 36, 20, 120),
    (30, 240, 3, 60, 60),
]


def dense(lam: float, mu: float, theta: float, c: int, states: int = 400) -> np.ndarray:
    q = np.zeros((states, states))
    for n in range(states):
        if n + 1 < states:
            q[n, n + 1] = lam
        if n:
            q[n, n - 1] = min(n, c) * mu + max(n - c, 0) * theta
        q[n, n] = -q[n].sum()
    a = np.vstack([q.T, np.ones(states)])
    b = np.zeros(states + 1)
    b[-1] = 1
    return np.linalg.lstsq(a, b, rcond=None)[0]


def tagged_rk4(pi: np.ndarray, c: int, mu: float, theta: float, t: float) -> float:
    """P(answered within t): states 0..J callers ahead, then 'answered', then 'gone'."""
    ahead = len(pi) - c
    size = ahead + 2
    g = np.zeros((size, size))
    for k in range(ahead):
        up = c * mu + k * theta
        g[k, k - 1 if k else ahead] += up  # k = 0: to an agent
        g[k, ahead + 1] += theta
        g[k, k] -= up + theta
    p = np.zeros(size)
    p[:ahead] = pi[c:]
    steps = 4000
    h = t / steps
    for _ in range(steps):
        k1 = p @ g
        k2 = (p + h / 2 * k1) @ g
        k3 = (p + h / 2 * k2) @ g
        k4 = (p + h * k3) @ g
        p = p + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return float(pi[:c].sum() + p[ahead])


@pytest.mark.parametrize("case", CASES)
def test_against_a_dense_ctmc_and_the_tagged_generator(case):
    per_h, aht, c, target, patience = case
    lam, mu, theta = per_h / 3600, 1 / aht, 1 / patience
    pi = dense(lam, mu, theta, c)
    n = np.arange(len(pi))
    queue = (pi * np.maximum(n - c, 0)).sum()
    got = erlang_a(per_h, aht, c, target, patience)
    assert got.p_wait == pytest.approx(pi[c:].sum(), abs=1e-9)
    assert got.mean_wait_s == pytest.approx(queue / lam, rel=1e-8)
    assert got.abandon == pytest.approx(theta * queue / lam, rel=1e-8)
    assert got.service_level == pytest.approx(tagged_rk4(pi, c, mu, theta, target), abs=1e-8)
    assert got.abandon == pytest.approx(theta * got.mean_wait_s, rel=1e-12)  # the identity


def test_patience_equal_to_handling_is_poisson():
    lam, mu, c = 8 / 240, 1 / 240, 6  # 8 Erlangs offered
    got = erlang_a(lam * 3600, 240, c, 20, 240)
    a = lam / mu
    pois = [math.exp(-a) * a**k / math.factorial(k) for k in range(120)]
    assert got.p_wait == pytest.approx(sum(pois[c:]), abs=1e-12)
    queue = sum(p * max(k - c, 0) for k, p in enumerate(pois))
    assert got.abandon == pytest.approx(queue * mu / lam, rel=1e-10)


def test_endless_patience_is_erlang_c():
    for per_h, aht, c, target, _ in CASES:
        if per_h * aht / 3600 >= c:
            continue
        ec = erlang_c(per_h, aht, c, target)
        ea = erlang_a(per_h, aht, c, target, 1e12)  # the chain itself, θ ≈ 0
        assert ea.p_wait == pytest.approx(ec.p_wait, abs=1e-7)
        assert ea.service_level == pytest.approx(ec.service_level, abs=1e-7)
        assert ea.mean_wait_s == pytest.approx(ec.mean_wait_s, rel=1e-6)
        assert erlang_a(per_h, aht, c, target, None).service_level == ec.service_level


def test_agents_needed_a_is_the_smallest_and_below_erlang_c():
    for per_h in (30, 120, 500):
        n = agents_needed_a(per_h, 240, 20, 0.8, 180)
        assert erlang_a(per_h, 240, n, 20, 180).service_level >= 0.8
        assert n == 1 or erlang_a(per_h, 240, n - 1, 20, 180).service_level < 0.8
    assert agents_needed_a(0, 240, 20, 0.8, 180, at_least=1) == 1


@pytest.mark.slow
def test_the_model_agrees_with_erlang_a():
    """A stationary M/M/10+M desk, 60 days: simulated SL and abandonment cover the exact."""
    r = simulate_mmc(120, 4, 10, 60, 20, seed=4, patience_min=3)
    exact = r["erlang_a"]
    for key in ("service_level", "abandon", "p_wait", "mean_wait_s"):
        low, high = r["simulated"][f"{key}_ci95"]
        assert low <= exact[key] <= high, (key, low, exact[key], high)
    assert r["erlang_c"]["service_level"] < r["simulated"]["service_level_ci95"][0]
