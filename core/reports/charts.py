"""Report charts as PNG: volume by category over 13 months, on-time and follow-up rates,
satisfaction. Chinese labels when a CJK font is installed (`core.fonts`), else English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.fonts import configure_matplotlib


def write_charts(r: dict[str, Any], folder: str | Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cjk = configure_matplotlib()

    def lab(zh: str, en: str) -> str:
        return f"{zh} {en}" if cjk else en

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    label = r["period"]["label"]
    names = {c["code"]: (c["label"] if cjk else c["code"]) for c in r["by_category"]}
    paths = []

    tr = r["trend"]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    bottom = [0] * len(tr["months"])
    for code, values in tr["by_category"].items():
        ax.bar(tr["months"], values, bottom=bottom, label=names.get(code, code))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_title(lab("近13个月各类信息数量", "Tickets by category, 13 months"))
    ax.set_ylabel(lab("件数", "tickets"))
    ax.tick_params(axis="x", rotation=45)
    if tr["by_category"]:
        ax.legend(fontsize=8, ncol=2)
    paths.append(_save(fig, out / f"{label}-volume.png"))

    fig, ax = plt.subplots(figsize=(8, 4.5))
    bars = [(lab("首次答复", "reply"), r["on_time"]["reply"]["rate"], None),
            (lab("处理完成", "resolve"), r["on_time"]["resolve"]["rate"], None)]
    bars += [(lab(f"回访 {f['label'].split()[0]}", f"follow-up {f['category']}"), f["rate"],
              f["target"]) for f in r["followup"]]
    xs = [b[0] for b in bars]
    ax.bar(xs, [(b[1] or 0) * 100 for b in bars], color="#4C72B0")
    for i, (_, _, target) in enumerate(bars):
        if target is not None:
            ax.plot([i - 0.4, i + 0.4], [target * 100] * 2, color="#C44E52")
    ax.set_ylim(0, 105)
    ax.set_ylabel("%")
    ax.set_title(lab(f"及时率与回访率 {label}（红线为目标）",
                     f"On-time and follow-up rates {label} (red: target)"))
    ax.tick_params(axis="x", rotation=30)
    paths.append(_save(fig, out / f"{label}-on-time.png"))

    sat = r["satisfaction"]
    fig, ax = plt.subplots(figsize=(6, 4))
    levels = ["1", "2", "3", "4", "5"]
    ax.bar(levels, [sat["distribution"][k] for k in levels], color="#55A868")
    mean = "-" if sat["mean"] is None else f"{sat['mean']:.2f}"
    ax.set_title(lab(f"回访满意度（平均 {mean}）", f"Follow-up satisfaction (mean {mean})"))
    ax.set_xlabel(lab("1 很不满意 … 5 很满意", "1 very dissatisfied … 5 very satisfied"))
    ax.set_ylabel(lab("次数", "follow-ups"))
    paths.append(_save(fig, out / f"{label}-satisfaction.png"))
    return paths


def _save(fig: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
