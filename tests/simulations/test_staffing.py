"""The optimizer's start: lagged offered load, hourly staffing, shift cover (CP-SAT)."""

from __future__ import annotations

import math

import pytest

from simulations.cover import SCALE, cover, coverage
from simulations.optimize import erlang_start, optimize
from simulations.params import parse_scenario
from simulations.staffing import analytic, goals, hourly_scenario, live_queue

from .conftest import small


def one_stream(rates: list[float], aht: float = 30.0):
    raw = small(scenario={"days": 7, "seed": 2, "drain_days": 1})
    raw["arrivals"]["stream"] = [{"channel": "phone", "category": "inquiry", "per_hour": rates}]
    raw["categories"] = {"inquiry": {"handle": {"dist": "exponential", "mean": aht}}}
    raw["channels"] = {"phone": {"patience": {"dist": "exponential", "mean": 5}}}
    raw["technicians"] = {"skill": []}
    raw["duties"] = {"followup_rates": {"default": 0.0}}
    return parse_scenario(raw)


def test_steady_demand_needs_no_lag():
    q_lag, q_flat = live_queue(one_stream([40.0] * 168)), live_queue(one_stream([40.0] * 168),
                                                                     lag=False)
    # after the first hours (the desk starts empty) the offered load is λ·E[S]
    for h in range(6, 168):
        assert q_lag.rates[h] == pytest.approx(q_flat.rates[h], rel=0.03)
    assert q_lag.rates[0] < 0.7 * q_flat.rates[0]  # nobody arrived before the start


def test_a_rise_reaches_the_agents_late():
    rates = ([10.0] * 12 + [60.0] * 12) * 7
    q = live_queue(one_stream(rates, aht=30.0))
    # the first busy hour still carries the quiet hours' calls; an hour later nearly all
    assert q.rates[12] < 0.8 * 60
    assert q.rates[14] == pytest.approx(60, rel=0.05)
    # and the fall: the first quiet hour still serves the busy hours' calls
    assert q.rates[24] > 1.5 * 10


def test_hourly_scenario_puts_exactly_the_need_on_the_queue():
    sc = one_stream([30.0] * 168)
    need = [(h * 7) % 5 + (h // 24) % 2 for h in range(168)]
    hsc = hourly_scenario(sc, need)
    got = [0] * 168
    for shift in hsc.agents.shift:
        for w, n in enumerate(shift.staff_by_day()):
            for m in range(shift.length_min // 60):
                got[(w * 24 + shift.start_min // 60 + m) % 168] += n
    assert got == need  # the sample week starts on a Monday
    assert all(s.length_min <= 1440 for s in hsc.agents.shift)


def test_cover_meets_every_hour_and_cannot_lose_an_agent(sample):
    queue, need = analytic(sample)
    roster = cover(sample, need)
    rows = coverage(sample)

    def short(r):
        return [h for h in range(sample.hours) if rows[h] and need[h] > 0
                and sum(c * r[j][w] for j, w, c in rows[h]) < SCALE * need[h]]

    assert short(roster) == []
    for j, row in enumerate(roster):
        for w, n in enumerate(row):
            if n > sample.agents.min_staff:
                fewer = [list(r) for r in roster]
                fewer[j][w] -= 1
                assert short(fewer), (j, w)  # each agent-shift is needed by some hour
    # never dearer than rounding each shift up to its busiest hour
    hours = sum(s.length_min * sum(r) for s, r in zip(sample.agents.shift, roster, strict=True))
    start = erlang_start(sample)
    assert hours <= sum(s.length_min * sum(r)
                        for s, r in zip(sample.agents.shift, start, strict=True)) * 1.2


def test_cover_by_day_meets_each_day_goal(sample):
    from simulations.staffing import Requirement, predicted

    queue, need = analytic(sample)
    req = Requirement(need=list(need), start=list(need), day_sl_sd=0.03)
    answered, spans, level = goals(sample, queue, req)
    assert len(spans) == 7 and level > sample.targets.service_level
    goal = [(span, math.ceil(1000 * level * float(queue.rates[span].sum()))) for span in spans]
    roster = cover(sample, need, answered=answered, goal=goal)
    for span in spans:
        assert predicted(answered, sample, roster, span, queue) >= level - 1e-6
    # meeting the day, not every hour, is never dearer
    assert sum(map(sum, roster)) <= sum(map(sum, cover(sample, need)))


def test_unknown_method_is_a_domain_error(sample):
    from core.errors import DomainError

    with pytest.raises(DomainError) as exc:
        optimize(sample, 2, workers=1, method="erlang-b")
    assert exc.value.field == "method"


@pytest.mark.slow
def test_the_lagged_start_needs_fewer_corrections():
    """The bench's sinusoid (a week, 60 calls/h ± 80 %, 30-minute calls): the first round
    of hourly corrections is smaller from the lagged offered load than from plain SIPP."""
    from simulations.run import iter_replications
    from simulations.staffing import correct, sinusoid

    sc = sinusoid(aht_min=30, per_hour=60, amplitude=0.8, patience_min=10, days=7)

    def simulate(s, n):
        return list(iter_replications(s, range(n), 1, workers=2))

    first = {}
    for lag in (1.0, 0.0):
        q, need = analytic(sc, lag)
        first[lag] = correct(sc, q, need, simulate, 8, max_rounds=1).corrections
    assert first[1.0] < first[0.0], first
