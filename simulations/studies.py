"""The numbers behind the charts: what a manager asks, computed from runs.

Kept apart from `plots` so the figures can be checked as numbers (and used in JSON)
without drawing anything.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from simulations.erlang import agents_needed, erlang_c
from simulations.mmc import simulate_mmc
from simulations.params import Scenario
from simulations.run import RunSummary


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
