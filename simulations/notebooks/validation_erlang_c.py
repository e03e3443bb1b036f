# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 模型验证 Validation against Erlang C
#
# On a plain M/M/c queue (steady Poisson calls, exponential handling, endless patience,
# a fixed team) Erlang C is exact, so the desk model must agree with it. The full
# one-year runs are in `bench/sim_bench.py`; these are shorter.

# %%
DAYS = 30
SEEDS = 3
CASES = [(120, 4, 10, 20), (20, 5, 2, 30), (500, 4, 40, 20)]  # calls/h, AHT min, agents, s

# %%
# %matplotlib inline
from IPython.display import display

from simulations import plots, studies
from simulations.mmc import simulate_mmc
from simulations.run import confidence

for lam, aht, agents, target in CASES:
    runs = [simulate_mmc(lam, aht, agents, DAYS, target, seed=s) for s in range(1, SEEDS + 1)]
    theory = runs[0]["erlang_c"]
    print(f"M/M/{agents}, {lam}/h, AHT {aht} min, target {target} s")
    for metric in ("p_wait", "service_level", "mean_wait_s"):
        est = confidence(r["simulated"][metric] for r in runs)
        print(f"  {metric:14s} simulated {est.mean:9.4f} [{est.low:.4f}, {est.high:.4f}]"
              f"   Erlang C {theory[metric]:9.4f}   {'✓' if est.covers(theory[metric]) else '✗'}")

# %% [markdown]
# ## 服务水平与坐席 Service level against agents (M/M/c, 120 calls/h, 4 min)

# %%
curve = studies.sl_curve(120, 4, list(range(9, 14)), days=10, target_s=20, seeds=SEEDS)
display(plots.service_level_vs_agents(curve["agents"], curve["mean"], curve["low"],
                                      curve["high"], curve["erlang_c"]))
