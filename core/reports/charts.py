"""Report charts: volume by category over 13 months, on-time and follow-up rates,
satisfaction; as PNG files (`write_charts`) or SVG `data:` URIs for the HTML/PDF
(`embedded`). Chinese labels when a CJK font is installed (`core.fonts`), else English.

Every bar says its value above it; a zero bar (or a rate with nothing to count) keeps its
label and a short marker on the baseline, so it does not vanish; a category label sits
under its bar (rotated labels end at the tick, they do not drift right); count axes have
whole-number ticks.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.fonts import configure_matplotlib

BAR = 0.6  # bar width, in category units
ZERO_GID = "zero-bar"  # the baseline marker of a zero bar (tests find it by this id)


@dataclass
class Chart:
    name: str  # file name part: volume, on-time, satisfaction
    title: str  # bilingual, for captions and alt text
    after: str  # the report table it illustrates (core.reports.tables)
    figure: Any  # a matplotlib Figure (not pyplot's: nothing to close)


def _figure(width: float, height: float) -> tuple[Any, Any]:
    """A figure outside pyplot (no global state: API requests may draw at once)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def figures(r: dict[str, Any]) -> list[Chart]:
    """The report's charts as matplotlib figures."""
    cjk = configure_matplotlib()

    def lab(zh: str, en: str) -> str:
        return f"{zh} {en}" if cjk else en

    label = r["period"]["label"]
    names = {c["code"]: (c["label"] if cjk else c["code"]) for c in r["by_category"]}
    charts = []

    tr = r["trend"]
    fig, ax = _figure(10, 4.5)
    n = len(tr["months"])
    bottom = [0] * n
    for code, values in tr["by_category"].items():
        ax.bar(range(n), values, BAR, bottom=bottom, label=names.get(code, code))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    _finish(ax, tr["months"], tr["totals"], str, counts=True, rotation=45)
    ax.set_title(lab("近13个月各类信息数量", "Tickets by category, 13 months"))
    ax.set_ylabel(lab("件数", "tickets"))
    if tr["by_category"]:
        ax.legend(fontsize=8, ncol=2)
    charts.append(Chart("volume", f"近13个月各类信息数量 Tickets by category, 13 months "
                                  f"({label})", "trend", fig))

    fig, ax = _figure(8, 4.5)
    bars = [(lab("首次答复", "reply"), r["on_time"]["reply"]["rate"], None),
            (lab("处理完成", "resolve"), r["on_time"]["resolve"]["rate"], None)]
    bars += [(lab(f"回访 {f['label'].split()[0]}", f"follow-up {f['category']}"), f["rate"],
              f["target"]) for f in r["followup"]]
    rates = [None if b[1] is None else b[1] * 100 for b in bars]
    ax.bar(range(len(bars)), [v or 0 for v in rates], BAR, color="#4C72B0")
    for i, (_, _, target) in enumerate(bars):
        if target is not None:
            ax.plot([i - BAR / 2 - 0.05, i + BAR / 2 + 0.05], [target * 100] * 2,
                    color="#C44E52", lw=2, gid="target")
    _finish(ax, [b[0] for b in bars], rates,
            lambda v: "-" if v is None else f"{v:.1f}%", counts=False, rotation=30,
            top=100)
    ax.set_ylabel("%")
    ax.set_title(lab(f"及时率与回访率 {label}（红线为目标）",
                     f"On-time and follow-up rates {label} (red: target)"))
    charts.append(Chart("on-time", f"及时率与回访率 On-time and follow-up rates ({label})",
                        "followup", fig))

    sat = r["satisfaction"]
    fig, ax = _figure(6, 4)
    levels = ["1", "2", "3", "4", "5"]
    counts = [sat["distribution"][k] for k in levels]
    ax.bar(range(5), counts, BAR, color="#55A868")
    _finish(ax, levels, counts, str, counts=True, rotation=0)
    mean = "-" if sat["mean"] is None else f"{sat['mean']:.2f}"
    ax.set_title(lab(f"回访满意度（平均 {mean}）", f"Follow-up satisfaction (mean {mean})"))
    ax.set_xlabel(lab("1 很不满意 … 5 很满意", "1 very dissatisfied … 5 very satisfied"))
    ax.set_ylabel(lab("次数", "follow-ups"))
    charts.append(Chart("satisfaction", f"回访满意度 Follow-up satisfaction ({label})",
                        "satisfaction", fig))
    for chart in charts:
        chart.figure.tight_layout()
    return charts


def _finish(ax: Any, labels: Sequence[str], values: Sequence[float | None],
            text: Callable[[Any], str], *, counts: bool, rotation: int,
            top: float | None = None) -> None:
    """Tick labels under their bars, a value label above each bar (the stack's total),
    a baseline marker for each zero, whole-number ticks for counts, room for the labels."""
    from matplotlib.ticker import MaxNLocator

    xs = list(range(len(labels)))
    if rotation:  # the label's end sits at its tick: no drift to the right
        ax.set_xticks(xs, labels, rotation=rotation, ha="right", rotation_mode="anchor")
    else:
        ax.set_xticks(xs, labels)
    heights = [v or 0 for v in values]
    if not ax.containers:  # no series at all (an empty trend): zero-height bars
        ax.bar(xs, heights, BAR, color="#999999")
    ax.bar_label(ax.containers[-1], labels=[text(v) for v in values], padding=2,
                 fontsize=8)
    for x, v in zip(xs, values, strict=True):
        if not v:
            ax.plot([x - BAR / 2, x + BAR / 2], [0, 0], color="#555555", lw=3,
                    solid_capstyle="butt", clip_on=False, zorder=3, gid=ZERO_GID)
    if counts:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    highest = max(heights, default=0)
    ax.set_ylim(0, max(top or 0, highest, 1) * 1.12)
    ax.set_xlim(-0.6, len(xs) - 0.4)


def write_charts(r: dict[str, Any], folder: str | Path) -> list[Path]:
    """The charts as PNG files in `folder`: `<period>-volume.png` etc."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for chart in figures(r):
        path = out / f"{r['period']['label']}-{chart.name}.png"
        chart.figure.savefig(path, dpi=100)
        paths.append(path)
    return paths


def embedded(r: dict[str, Any]) -> list[dict[str, str]]:
    """The charts as SVG `data:` URIs (text drawn as outlines: no font needed to view
    them, nothing outside the file): `name, title, after, uri`."""
    import matplotlib

    from core.printing import data_uri

    # set, not scoped: a context manager restoring them would race with another thread;
    # a fixed salt only makes the SVG's ids the same from one run to the next
    matplotlib.rcParams["svg.hashsalt"] = "propdesk"
    matplotlib.rcParams["svg.fonttype"] = "path"
    out = []
    for chart in figures(r):
        buf = io.BytesIO()
        chart.figure.savefig(buf, format="svg", metadata={"Date": None})
        out.append({"name": chart.name, "title": chart.title, "after": chart.after,
                    "uri": data_uri(buf.getvalue(), "image/svg+xml")})
    return out
