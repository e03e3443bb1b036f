"""Charts for trainers (matplotlib): Chinese labels when a CJK font exists, else English."""

from __future__ import annotations

from functools import cache
from typing import Any

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure

from training.analysis import ExamStats

_CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
                 "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei", "PingFang SC",
                 "Heiti SC", "AR PL UMing CN", "Droid Sans Fallback")


@cache
def cjk_font() -> str | None:
    """A font family able to draw Chinese: the core's search (the one the simulation
    charts use), else our own short list."""
    from core.kit import find_cjk_font

    found = find_cjk_font()
    if found:
        return str(found)
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in _CJK_FAMILIES if name in installed), None)


def t(zh: str, en: str) -> str:
    """The Chinese label when it can be drawn, else the English one."""
    return zh if cjk_font() else en


def figure(**kw: Any) -> Figure:
    """A figure without pyplot (no backend needed), CJK font first when there is one."""
    family = cjk_font()
    if family and matplotlib.rcParams["font.sans-serif"][:1] != [family]:
        matplotlib.rcParams["font.sans-serif"] = [family, *matplotlib.rcParams["font.sans-serif"]]
        matplotlib.rcParams["font.family"] = "sans-serif"
    return Figure(**kw)


def item_map(stats: ExamStats, labels: dict[str, str] | None = None) -> Figure:
    """Difficulty against discrimination; items to revise in red."""
    fig = figure(figsize=(6, 4))
    ax = fig.add_subplot()
    for s in stats.items:
        colour = "tab:red" if s.revise else "tab:blue"
        ax.scatter(s.p, s.discrimination, color=colour)
        ax.annotate((labels or {}).get(s.item_id, s.item_id), (s.p, s.discrimination),
                    fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.axhline(0.2, color="grey", linestyle=":")
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlabel(t("难度 p（得分率）", "difficulty p (share correct)"))
    ax.set_ylabel(t("区分度 D（高分组−低分组）", "discrimination D (upper − lower)"))
    ax.set_title(t("题目分析：红色为需修订", "Item analysis: red = revise"))
    fig.tight_layout()
    return fig


def score_histogram(totals: list[float], max_total: float) -> Figure:
    fig = figure(figsize=(6, 3))
    ax = fig.add_subplot()
    ax.hist(totals, bins=min(10, max(1, int(max_total) + 1)), range=(0, max_total),
            color="tab:green", edgecolor="white")
    ax.set_xlabel(t("总分", "total score"))
    ax.set_ylabel(t("人数", "trainees"))
    ax.set_title(t("成绩分布", "Score distribution"))
    fig.tight_layout()
    return fig


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes, for `IPython.display.Image` (no pyplot backend involved)."""
    from io import BytesIO

    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()
