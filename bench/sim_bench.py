"""Staffing simulation benchmark: M/M/10 for a year in three simulators, accuracy, optimizer.

The optimizer: both methods on the sample week (`--method erlang-a`, the start from
Erlang A + simulation + CP-SAT, and `erlang-c`, the method before), interleaved in the
same run, medians of SIM_BENCH_OPT_ROUNDS rounds; and a sinusoidal-demand desk where the
hourly phase starts from the lagged offered load and from plain SIPP (corrections
counted). SIM_BENCH_ONLY=optimizer runs only these and keeps the file's other sections.

Run: `make bench` (or `.venv/bin/python -m bench sim`). Writes bench/results/sim.json.
All three simulators run the same case in the same process, interleaved, so the ratios
compare like with like; throughput figures are medians.
- propdesk: `simulations.model.DeskModel` (arrival generation and result arrays included)
- SimPy idiomatic: a generator per caller and a `simpy.Resource`
- Ciw: `ciw.Simulation` of the same M/M/10 node
"""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import time
from pathlib import Path

import numpy as np
import simpy

from simulations.erlang import erlang_c
from simulations.mmc import simulate_mmc
from simulations.optimize import optimize
from simulations.params import sample_scenario
from simulations.run import iter_replications
from simulations.staffing import analytic, correct, sinusoid

LAM, AHT_MIN, AGENTS, DAYS, TARGET = 120.0, 4.0, 10, 365, 20.0
ROUNDS = int(os.environ.get("SIM_BENCH_ROUNDS", "3"))
OPT_ROUNDS = int(os.environ.get("SIM_BENCH_OPT_ROUNDS", "3"))
OUT = Path(__file__).parent / "results" / "sim.json"


def idiomatic_simpy(seed: int) -> tuple[int, float]:
    """The textbook SimPy model; returns (callers, service level)."""
    rng = random.Random(seed)
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=AGENTS)
    waits: list[float] = []
    lam, mu = LAM / 3600, 1 / (AHT_MIN * 60)

    def caller(env: simpy.Environment):  # type: ignore[no-untyped-def]
        arrived = env.now
        with desk.request() as req:
            yield req
            waits.append(env.now - arrived)
            yield env.timeout(rng.expovariate(mu))

    def source(env: simpy.Environment):  # type: ignore[no-untyped-def]
        while True:
            yield env.timeout(rng.expovariate(lam))
            env.process(caller(env))

    env.process(source(env))
    env.run(until=DAYS * 86400)
    return len(waits), sum(w <= TARGET for w in waits) / len(waits)


def ciw_model(seed: int) -> tuple[int, float]:
    import ciw

    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=LAM / 3600)],
        service_distributions=[ciw.dists.Exponential(rate=1 / (AHT_MIN * 60))],
        number_of_servers=[AGENTS])
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(DAYS * 86400)
    records = sim.get_all_records()
    return len(records), sum(r.waiting_time <= TARGET for r in records) / len(records)


def propdesk(seed: int) -> tuple[int, float, dict]:
    result = simulate_mmc(LAM, AHT_MIN, AGENTS, DAYS, TARGET, seed=seed)
    return result["simulated"]["callers"], result["simulated"]["service_level"], result


def timed(fn, seed):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn(seed)
    return time.perf_counter() - start, out


def accuracy(case: tuple[float, float, int, int, float], seeds: range) -> dict:
    lam, aht, c, days, target = case
    runs = [simulate_mmc(lam, aht, c, days, target, seed=s) for s in seeds]
    theory = erlang_c(lam, aht * 60, c, target).as_dict()
    out: dict = {"case": {"arrivals_per_hour": lam, "aht_min": aht, "agents": c, "days": days,
                          "target_seconds": target}, "seeds": len(runs), "erlang_c": theory}
    for metric in ("service_level", "p_wait", "mean_wait_s"):
        values = [r["simulated"][metric] for r in runs]
        covered = [r["simulated"][f"{metric}_ci95"][0] <= theory[metric]
                   <= r["simulated"][f"{metric}_ci95"][1] for r in runs]
        out[metric] = {"per_seed": values, "mean": float(np.mean(values)),
                       "bias": float(np.mean(values) - theory[metric]),
                       "seeds_whose_ci95_covers_erlang_c": int(sum(covered))}
    out["service_level"]["bias_pp"] = 100 * out["service_level"]["bias"]
    out["p_wait"]["bias_pp"] = 100 * out["p_wait"]["bias"]
    return out


def optimization() -> dict:
    """Both optimizer methods on the sample week, interleaved; medians per method."""
    print(f"weekly roster optimization (sample scenario, 20 reps, 2 workers), {OPT_ROUNDS} "
          "rounds, methods interleaved", flush=True)
    runs: dict[str, list[dict]] = {"erlang-a": [], "erlang-c": []}
    for r in range(OPT_ROUNDS):
        for method in runs:
            load = os.getloadavg()[0]
            opt = optimize(sample_scenario(), replications=20, workers=2, method=method)
            run = {"seconds": opt.seconds, "agent_shifts_per_week": opt.agent_shifts,
                   "agent_hours_per_week": opt.agent_hours,
                   "technician_hours_per_week": opt.technician_hours,
                   "candidates": opt.evaluations, "replications": opt.replications,
                   "feasible": opt.feasible, "load_average_1min_before": load,
                   "agents": opt.agents, "binding": opt.binding}
            runs[method].append(run)
            print(f"  round {r + 1} {method}: {opt.seconds:6.1f} s, {opt.evaluations} "
                  f"candidates, {opt.replications} replications, {opt.agent_shifts} "
                  f"agent-shifts ({opt.agent_hours:.0f} h), feasible {opt.feasible}; "
                  f"load {load:.1f}", flush=True)
    out: dict = {"rounds": OPT_ROUNDS, "replications_per_candidate": 20, "workers": 2,
                 "target_seconds": 10, "runs": runs}
    for method, rs in runs.items():
        out[method] = {key: statistics.median(x[key] for x in rs) for key in (
            "seconds", "agent_shifts_per_week", "agent_hours_per_week", "candidates",
            "replications")}
    a, c = out["erlang-a"], out["erlang-c"]
    out["speedup"] = c["seconds"] / a["seconds"]
    print(f"  medians: erlang-a {a['seconds']:.1f} s, {a['agent_shifts_per_week']} agent-"
          f"shifts; erlang-c {c['seconds']:.1f} s, {c['agent_shifts_per_week']} agent-shifts;"
          f" {out['speedup']:.2f}x (target: ≤ 10 s, roster no larger)", flush=True)
    return out


def sinusoid_case(replications: int = 8) -> dict:
    """Hour-by-hour corrections from the lagged start and from SIPP, same seeds."""
    from concurrent.futures import ProcessPoolExecutor

    sc = sinusoid(aht_min=30, per_hour=60, amplitude=0.8, patience_min=10, days=7)
    out: dict = {"case": {"per_hour_mean": 60, "amplitude": 0.8, "period_hours": 24,
                          "aht_min": 30, "patience_min": 10, "days": 7,
                          "replications_per_round": replications}}
    with ProcessPoolExecutor(2) as pool:
        def simulate(s, n):  # type: ignore[no-untyped-def]
            return list(iter_replications(s, range(n), 1, executor=pool))

        for name, lag in (("lagged", 1.0), ("unlagged_sipp", 0.0)):
            q, need = analytic(sc, lag)
            req = correct(sc, q, need, simulate, replications)
            out[name] = req.as_dict()
            print(f"  sinusoid {name}: {req.corrections} hour-agents corrected in "
                  f"{req.rounds} rounds {req.history}", flush=True)
    out["lagged_needs_fewer"] = out["lagged"]["corrections"] < out["unlagged_sipp"][
        "corrections"]
    return out


def main() -> None:
    if os.environ.get("SIM_BENCH_ONLY") == "optimizer":
        data = json.loads(OUT.read_text(encoding="utf-8")) if OUT.exists() else {}
        data["optimization"] = optimization()
        data["sinusoid"] = sinusoid_case()
        OUT.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"wrote {OUT} (optimizer sections)")
        return
    print(f"M/M/{AGENTS}, {LAM:g} calls/h, AHT {AHT_MIN:g} min, {DAYS} days; "
          f"{ROUNDS} rounds, interleaved", flush=True)
    rates: dict[str, list[float]] = {"propdesk": [], "simpy_idiomatic": [], "ciw": []}
    sls: dict[str, list[float]] = {k: [] for k in rates}
    for r in range(ROUNDS):
        for name, fn in (("propdesk", propdesk), ("simpy_idiomatic", idiomatic_simpy),
                         ("ciw", ciw_model)):
            seconds, out = timed(fn, r + 1)
            rates[name].append(out[0] / seconds)
            sls[name].append(out[1])
            print(f"  round {r + 1} {name:16s} {out[0]:>9,d} callers in {seconds:6.1f} s = "
                  f"{out[0] / seconds:>9,.0f} callers/s  SL {out[1]:.4f}", flush=True)
    med = {k: statistics.median(v) for k, v in rates.items()}
    ratios = {"vs_simpy_idiomatic": med["propdesk"] / med["simpy_idiomatic"],
              "vs_ciw": med["propdesk"] / med["ciw"]}
    print("median callers/s: " + ", ".join(f"{k} {v:,.0f}" for k, v in med.items()))
    print(f"propdesk is {ratios['vs_simpy_idiomatic']:.2f}× idiomatic SimPy (target ≥ 1.5×) and "
          f"{ratios['vs_ciw']:.2f}× Ciw (target ≥ 3×)", flush=True)

    print("accuracy against Erlang C, 5 seeds each", flush=True)
    cases = {"M/M/10 one year": (LAM, AHT_MIN, AGENTS, DAYS, TARGET),
             "M/M/2 one year": (20.0, 5.0, 2, 365, 30.0),
             "M/M/40 73 days": (500.0, 4.0, 40, 73, 20.0)}
    acc = {}
    for name, case in cases.items():
        acc[name] = accuracy(case, range(1, 6))
        a = acc[name]
        print(f"  {name}: SL bias {a['service_level']['bias_pp']:+.3f} pp, mean wait "
              f"{a['mean_wait_s']['mean']:.2f} s vs {a['erlang_c']['mean_wait_s']:.2f} s; "
              f"CIs covering Erlang C: SL {a['service_level']['seeds_whose_ci95_covers_erlang_c']}"
              f"/5, wait {a['mean_wait_s']['seeds_whose_ci95_covers_erlang_c']}/5", flush=True)

    opt = optimization()
    sin = sinusoid_case()

    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "simpy": simpy.__version__},
        "mmc_year": {"case": {"arrivals_per_hour": LAM, "aht_min": AHT_MIN, "agents": AGENTS,
                              "days": DAYS, "target_seconds": TARGET},
                     "rounds": ROUNDS, "callers_per_second": rates,
                     "median_callers_per_second": med, "service_level": sls,
                     "ratios": ratios, "targets": {"vs_simpy_idiomatic": 1.5, "vs_ciw": 3.0}},
        "accuracy": acc,
        "optimization": opt,
        "sinusoid": sin,
    }, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
