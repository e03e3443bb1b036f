"""A CJK font for matplotlib, so charts can carry Chinese labels.

Why: matplotlib's default font has no Chinese glyphs and draws empty boxes. When no
CJK font is installed (`scripts/install-cjk-font.sh` installs one where it can), charts
use English labels instead of boxes: `configure_matplotlib()` says which.
"""

from __future__ import annotations

from functools import lru_cache

#: families known to cover simplified Chinese, best first
CJK_FAMILIES = (
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC",
    "Source Han Sans SC", "Source Han Sans CN", "Microsoft YaHei", "SimHei", "PingFang SC",
    "Heiti SC", "Hiragino Sans GB", "AR PL UMing CN", "Droid Sans Fallback",
)


@lru_cache(maxsize=1)
def find_cjk_font() -> str | None:
    """The name of an installed font family with Chinese glyphs, or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in names:
            return family
    for name in sorted(names):  # any other font whose name says it is CJK
        if any(tag in name for tag in ("CJK", " SC", " CN", "Hei", "Song", "Kai")):
            return name
    return None


def configure_matplotlib() -> bool:
    """Put a CJK font first in matplotlib's sans-serif list; True when one was found."""
    import matplotlib

    family = find_cjk_font()
    if family is None:
        return False
    current = list(matplotlib.rcParams["font.sans-serif"])
    matplotlib.rcParams["font.sans-serif"] = [family, *[f for f in current if f != family]]
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["axes.unicode_minus"] = False  # the CJK font lacks U+2212
    return True


def label(zh: str, en: str, cjk: bool | None = None) -> str:
    """`中文 English` when Chinese can be drawn, else just the English."""
    if cjk is None:
        cjk = configure_matplotlib()
    return f"{zh} {en}" if cjk else en
