"""Charts for managers, with Chinese and English labels (English only without a CJK font).

Each function takes numbers already computed and returns a matplotlib `Figure` (no pyplot
state, so the CLI, tests and notebooks can all use them); `save()` writes PNG files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from core.fonts import configure_matplotlib
from core.labels import SEVERITIES, builtin_categories

CJK = configure_matplotlib()
WEEKDAYS = (("一", "Mon"), ("二", "Tue"), ("三", "Wed"), ("四", "Thu"), ("五", "Fri"),
            ("六", "Sat"), ("日", "Sun"))


def _l(zh: str, en: str) -> str:
    return f"{zh} {en}" if CJK else en


def service_level_vs_agents(agents: Sequence[int], simulated: Sequence[float],
                            low: Sequence[float] | None = None,
                            high: Sequence[float] | None = None,
                            erlang: Sequence[float] | None = None,
                            target: float = 0.8) -> Figure:
    fig = Figure(figsize=(7, 4.2))
    ax = fig.subplots()
    x = np.asarray(agents)
    y = 100 * np.asarray(simulated)
    if low is not None and high is not None:
        err = [y - 100 * np.asarray(low), 100 * np.asarray(high) - y]
        ax.errorbar(x, y, yerr=err, fmt="o-", capsize=3, label=_l("模拟", "simulated (95% CI)"))
    else:
        ax.plot(x, y, "o-", label=_l("模拟", "simulated"))
    if erlang is not None:
        ax.plot(x, 100 * np.asarray(erlang), "s--", alpha=0.7, label="Erlang C")
    ax.axhline(100 * target, color="grey", lw=1, ls=":", label=_l("目标", "target"))
    ax.set_xlabel(_l("坐席人数", "agents"))
    ax.set_ylabel(_l("服务水平 (%)", "service level (%)"))
    ax.set_title(_l("服务水平与坐席人数", "Service level against agents"))
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def required_agents_heatmap(required: np.ndarray, title: str | None = None) -> Figure:
    """`required`: 7 × 24 agents (Monday first) — Erlang C's or a roster's."""
    grid = np.asarray(required, float).reshape(7, 24)
    fig = Figure(figsize=(10, 3.6))
    ax = fig.subplots()
    image = ax.imshow(grid, aspect="auto", cmap="YlOrRd")
    for (d, h), value in np.ndenumerate(grid):
        ax.text(h, d, f"{value:g}", ha="center", va="center", fontsize=7)
    ax.set_yticks(range(7), [_l(f"周{zh}", en) for zh, en in WEEKDAYS])
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    ax.set_xlabel(_l("时段", "hour of day"))
    ax.set_title(title or _l("各时段所需坐席", "Agents required by hour of week"))
    fig.colorbar(image, ax=ax, label=_l("坐席", "agents"))
    fig.tight_layout()
    return fig


def queue_over_week(hours: np.ndarray, queue: np.ndarray, agents: np.ndarray | None = None,
                    band: tuple[np.ndarray, np.ndarray] | None = None) -> Figure:
    """Mean number waiting per interval (and agents on duty) across a week."""
    fig = Figure(figsize=(10, 3.8))
    ax = fig.subplots()
    ax.plot(hours, queue, lw=1.2, label=_l("排队人数", "callers waiting"))
    if band is not None:
        ax.fill_between(hours, band[0], band[1], alpha=0.25, lw=0)
    ax.set_xlabel(_l("自开始的小时数", "hours from start"))
    ax.set_ylabel(_l("平均排队", "mean queue"))
    ax.set_xticks(range(0, int(max(hours, default=0)) + 24, 24))
    ax.grid(alpha=0.3)
    if agents is not None:
        ax2 = ax.twinx()
        ax2.step(hours, agents, where="post", color="tab:green", alpha=0.6,
                 label=_l("在岗坐席", "agents on duty"))
        ax2.set_ylabel(_l("在岗坐席", "agents on duty"))
        ax2.legend(loc="upper right")
    ax.legend(loc="upper left")
    ax.set_title(_l("一周排队长度", "Queue length over the week"))
    fig.tight_layout()
    return fig


def deadline_attainment(shares: dict[str, tuple[float, float, float]],
                        target: float = 0.95) -> Figure:
    """`shares`: `clock:policy` → (mean, low, high) share of tickets on time."""
    cats = builtin_categories()
    clocks = {"reply": ("首次答复", "reply"), "resolve": ("处理完成", "resolve"),
              "followup": ("回访", "follow-up")}
    names, means, errs = [], [], [[], []]
    for key, (mean, low, high) in shares.items():
        clock, _, policy = key.partition(":")
        category, _, severity = policy.partition(".")
        zh = cats.terms[category].zh if category in cats else ("其他" if policy else "")
        en = category if category in cats else (policy or "")
        sev_zh = SEVERITIES.terms[severity].zh if severity in SEVERITIES else severity
        czh, cen = clocks.get(clock, (clock, clock))
        names.append(_l(" ".join(p for p in (zh, sev_zh, czh) if p),
                        " ".join(p for p in (en, severity, cen) if p)))
        means.append(100 * mean)
        errs[0].append(100 * (mean - low) if low == low else 0)
        errs[1].append(100 * (high - mean) if high == high else 0)
    fig = Figure(figsize=(8, 0.45 * max(len(names), 3) + 1.2))
    ax = fig.subplots()
    y = np.arange(len(names))
    ax.barh(y, means, xerr=errs, capsize=3, color="tab:blue", alpha=0.8)
    ax.axvline(100 * target, color="grey", ls=":", lw=1)
    ax.set_yticks(y, names)
    ax.set_xlim(0, 102)
    ax.set_xlabel(_l("按时率 (%)", "on time (%)"))
    ax.set_title(_l("各类工单时限达成率", "Deadline attainment by category"))
    fig.tight_layout()
    return fig


def save(figures: dict[str, Figure], folder: str | Path) -> list[Path]:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, fig in figures.items():
        path = out / f"{name}.png"
        fig.savefig(path, dpi=110)
        paths.append(path)
    return paths
