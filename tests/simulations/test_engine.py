"""The event-driven pool against a brute-force reference and small hand-made cases."""

from __future__ import annotations

import heapq
import math

import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from simulations.engine import Pool, PreemptivePool, Tasks


def run_pool(arrivals, services, patience, servers, **pool_kw):
    env = simpy.Environment()
    tasks = Tasks()
    tasks.extend(list(arrivals), list(services), [a + p for a, p in zip(arrivals, patience,
                                                                         strict=True)])
    pool = Pool(env, tasks, 1, **pool_kw)
    for _ in range(servers):
        pool.add_server(0.0)
    for k, a in enumerate(arrivals):
        simpy.events.Timeout(env, a, k).callbacks.append(lambda ev: pool.arrive(ev._value, 0))
    env.run()
    return tasks, pool


def reference(arrivals, services, patience, servers):
    """FCFS with reneging, by the Kiefer–Wolfowitz recursion (no events at all)."""
    free = [0.0] * servers
    starts = []
    for a, s, p in zip(arrivals, services, patience, strict=True):
        earliest = free[0]
        begin = max(a, earliest)
        if begin - a > p:
            starts.append(math.nan)
            continue
        heapq.heapreplace(free, begin + s)
        starts.append(begin)
    return starts


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0.01, 5), st.floats(0.01, 9), st.floats(0, 6)),
                min_size=1, max_size=40),
       st.integers(1, 4))
def test_fifo_with_reneging_matches_the_recursion(calls, servers):
    arrivals, t = [], 0.0
    for gap, _, _ in calls:
        t += gap
        arrivals.append(t)
    services = [c[1] for c in calls]
    patience = [c[2] for c in calls]
    tasks, _ = run_pool(arrivals, services, patience, servers)
    want = reference(arrivals, services, patience, servers)
    for got, exp in zip(tasks.start, want, strict=True):
        assert (math.isnan(got) and math.isnan(exp)) or abs(got - exp) < 1e-9


def test_watched_caller_gives_up_on_time_and_is_told():
    gave_up = []
    tasks, _ = run_pool([0.0, 1.0], [10.0, 1.0], [math.inf, 3.0], 1,
                        on_abandon=lambda k, now: gave_up.append((k, now)),
                        watch=[False, True])
    assert gave_up == [(1, 4.0)]
    assert math.isnan(tasks.start[1]) and tasks.end[1] == 4.0


def test_priority_zero_goes_first():
    env = simpy.Environment()
    tasks = Tasks()
    tasks.extend([0.0, 1.0, 2.0], [5.0, 1.0, 1.0], [math.inf] * 3)
    pool = Pool(env, tasks, 2)
    pool.add_server(0.0)
    pool.arrive(0, 1)
    env.run(until=1.0)
    pool.arrive(1, 1)
    env.run(until=2.0)
    pool.arrive(2, 0)  # later, but urgent
    env.run()
    assert tasks.start == [0.0, 6.0, 5.0]


def test_shift_end_finishes_the_call_in_hand_and_counts_overtime():
    env = simpy.Environment()
    tasks = Tasks()
    tasks.extend([0.0, 1.0], [15.0, 1.0], [math.inf] * 2)
    pool = Pool(env, tasks, 1)
    pool.add_server(0.0, leave_at=10.0)
    pool.add_server(12.0, leave_at=100.0)
    pool.arrive(0, 0)
    env.run(until=1.0)
    pool.arrive(1, 0)
    env.run()
    assert tasks.end[0] == 15.0 and pool.overtime == 5.0
    assert tasks.start[1] == 12.0  # the leaving agent took no new call; the next one did
    assert pool.off_at[0] == 15.0


def test_break_waits_for_the_call_in_hand():
    env = simpy.Environment()
    tasks = Tasks()
    tasks.extend([0.0, 2.0], [5.0, 1.0], [math.inf] * 2)
    pool = Pool(env, tasks, 1)
    s = pool.add_server(0.0)
    pool.add_break(s, 1.0, 30.0)
    pool.arrive(0, 0)
    env.run(until=2.0)
    pool.arrive(1, 0)
    env.run()
    assert pool.breaks == [(5.0, 35.0)]
    assert tasks.start[1] == 35.0


def test_emergency_interrupts_routine_work_which_resumes():
    env = simpy.Environment()
    tasks = Tasks()
    tasks.extend([0.0, 1.0], [10.0, 2.0], [math.inf] * 2)
    started = []
    pool = PreemptivePool(env, tasks, 2, on_start=lambda k, now: started.append((k, now)))
    pool.add_server(0.0)
    pool.arrive(0, 1)
    env.run(until=4.0)
    pool.arrive(1, 0)
    env.run()
    assert tasks.start == [0.0, 4.0] and tasks.end == [12.0, 6.0]  # 6 s left, resumed at 6
    assert started == [(0, 0.0), (1, 4.0)] and pool.interrupted == 1
