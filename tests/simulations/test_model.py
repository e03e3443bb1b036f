from __future__ import annotations

import math

import numpy as np

from core.sla import Duration, deadline
from simulations.model import P_URGENT, DeskModel
from simulations.params import parse_scenario
from simulations.results import summarise, time_average

from .conftest import small


def test_same_seed_same_result_and_rosters_share_their_callers(small_scenario):
    a = summarise(DeskModel(small_scenario, rep=2).run())
    b = summarise(DeskModel(small_scenario, rep=2).run())
    assert a.metrics == b.metrics
    bigger = small_scenario.with_roster([[5] * 7, [2] * 7])
    m1, m2 = DeskModel(small_scenario, rep=2), DeskModel(bigger, rep=2)
    assert np.array_equal(m1.callers.t, m2.callers.t) and np.array_equal(m1.svc, m2.svc)
    r2 = summarise(m2.run())
    assert r2.metrics["mean_wait_s"] < a.metrics["mean_wait_s"]
    assert r2.metrics["agent_hours"] > a.metrics["agent_hours"]


def test_sample_week_runs_and_reports_every_target(sample):
    r = summarise(DeskModel(sample, rep=0).run(), keep_tickets=True)
    assert 0.5 < r.metrics["service_level"] <= 1
    assert {"service_level", "reply:repair", "reply:repair.urgent", "followup"} <= set(r.meets)
    assert len(r.intervals["start_s"]) == 168
    rec = r.interval_records()[9]
    assert rec["agents"] > 0 and rec["offered"] > 0
    # the agent count follows the roster: Monday 10:00, 6 early agents less study breaks
    assert 5 <= rec["agents"] <= 6
    tickets = r.ticket_records()
    assert tickets and {"policy", "reply_due_s", "resolve_s"} <= set(tickets[0])
    # 21 agent shift instances in the week (plus Sunday night's carried into Monday)
    assert len([s for s in r.shifts if s[1] >= 0]) == 21


def test_ticket_deadlines_are_core_sla_deadlines(sample):
    model = DeskModel(sample, rep=1).run()
    r = summarise(model, keep_tickets=True)
    t = r.tickets
    assert t is not None
    clocks = model.clocks
    cfg = sample.site
    rng = np.random.default_rng(0)
    for i in rng.choice(len(t["ticket"]), 40, replace=False):
        stream = model.streams[model.callers.stream[i]]
        _, policy = cfg.policy_for(stream.category, stream.severity)
        start = clocks.at(float(t["received_s"][i]))
        if policy.resolve:
            due = deadline(start, Duration.parse(policy.resolve), cfg.working_calendar,
                           cfg.business_hours).due_at
            assert clocks.at(float(t["resolve_due_s"][i])) == due
        else:
            assert math.isnan(t["resolve_due_s"][i])


def test_emergency_repairs_wait_less_than_other_calls(sample):
    model = DeskModel(sample, rep=0).run()
    start = np.asarray(model.tasks.start[: model.callers.n])
    wait = start - model.callers.t
    urgent = model.callers.priority == P_URGENT
    live = model.callers.live & ~urgent & ~np.isnan(wait)
    assert np.nanmean(wait[urgent]) < np.nanmean(wait[live])


def test_storm_brings_more_repairs_and_longer_waits(sample):
    raw = sample.model_dump(mode="json")
    raw["surge"] = [{"name": "暴雨 storm", "start": "2026-09-30T06:00", "hours": 12,
                     "factor": 3, "category": "repair"}]
    storm = parse_scenario(raw)
    calm_m, storm_m = DeskModel(sample, rep=0).run(), DeskModel(storm, rep=0).run()

    def repairs_in_window(m: DeskModel) -> int:
        cats = np.array([s.category for s in m.streams])[m.callers.stream]
        t = m.callers.t
        return int(((cats == "repair") & (t >= 54 * 3600) & (t < 66 * 3600)).sum())

    assert repairs_in_window(storm_m) > 2 * repairs_in_window(calm_m)
    calm, stormy = summarise(calm_m), summarise(storm_m)
    assert stormy.metrics["day3_service_level"] < calm.metrics["day3_service_level"]


def test_abandoned_callers_call_back():
    sc = parse_scenario(small(agents={"shift": [
        {"name": "day", "start": "00:00", "end": "00:00", "staff": 1}]}))
    model = DeskModel(sc, rep=0).run()
    retries = [k for k, o in model.origin.items() if o >= 0]
    assert retries
    r = summarise(model)
    assert r.metrics["abandon_rate"] > 0.1


def test_time_average_counts_overlaps():
    got = time_average(np.array([0.0, 5.0]), np.array([10.0, 20.0]), np.array([0.0, 10.0, 20.0]))
    assert got.tolist() == [1.5, 1.0]
