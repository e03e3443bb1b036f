from __future__ import annotations

import pytest

from simulations.optimize import erlang_start, optimize, staffed_targets
from simulations.params import parse_scenario
from simulations.run import run_replications

from .conftest import small


def scenario():
    raw = small(scenario={"days": 2, "seed": 3, "drain_days": 1})
    raw["arrivals"]["stream"] = [
        {"channel": "phone", "category": "inquiry", "per_week": 168 * 30}]
    raw["agents"] = {"shift": [{"name": "day", "start": "08:00", "end": "20:00", "staff": 1},
                               {"name": "night", "start": "20:00", "end": "08:00", "staff": 1}]}
    raw["duties"] = {"followup_rates": {"default": 0.0}}
    raw["technicians"] = {"skill": []}
    raw["targets"] = {"replication_share": 0.8}
    return parse_scenario(raw)


def good(sc, agents, reps=10):
    summary = run_replications(sc.with_roster(agents), reps, seed=sc.scenario.seed, workers=1)
    return sum(all(staffed_targets(r).values()) for r in summary.replications) / reps >= 0.8


def test_erlang_start_covers_the_busiest_hour():
    sc = scenario()
    start = erlang_start(sc)
    assert len(start) == 2 and all(len(row) == 7 for row in start)
    assert start[0][0] >= 4  # 30 calls/h × 4 min = 2 Erlangs, 80 % in 20 s, less duties


@pytest.mark.slow
@pytest.mark.parametrize("method", ["erlang-a", "erlang-c"])
def test_optimum_is_good_and_minimal(method):
    sc = scenario()
    best = optimize(sc, replications=10, workers=1, method=method)
    assert best.feasible and best.binding == ["service_level"] and best.method == method
    if method == "erlang-a":
        assert best.requirement["rounds"] >= 1 and len(best.start) == 2
    assert good(sc, best.agents)
    # the report's proof, checked independently: any one agent-shift fewer fails
    assert best.minimality
    for removal in best.minimality:
        assert removal.breaks == "service_level"
    for j, row in enumerate(best.agents):
        for w in (0, 1):  # the days simulated (Monday, Tuesday)
            if row[w] > sc.agents.min_staff:
                fewer = [list(r) for r in best.agents]
                fewer[j][w] -= 1
                assert not good(sc, fewer), (j, w)
    assert best.agent_hours > 0 and best.evaluations > 1
