"""The report charts read back from their matplotlib artists: each label under its bar,
a value on every bar, zero bars still visible, whole-number count axes, Chinese drawn in
the CJK font; and the SVG embedded in the HTML."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from core import reports
from core.desk import Desk
from core.fonts import find_cjk_font
from core.reports.charts import ZERO_GID, Chart, embedded, figures
from tests.core import test_reports

october = test_reports.october  # four tickets in 2026-10, figures worked by hand


@pytest.fixture
def charts(site: Desk, october: dict[str, str]) -> dict[str, Chart]:
    made = figures(reports.report(site, "monthly", "2026-10"))
    for chart in made:
        chart.figure.canvas.draw()  # lay out the text, as when saved
    return {c.name: c for c in made}


def bars(ax: Any) -> list[Any]:
    """The top bar of each position (the last series of a stack)."""
    return list(ax.containers[-1])


def centre(bar: Any) -> float:
    return bar.get_x() + bar.get_width() / 2


def value_labels(ax: Any) -> dict[float, str]:
    """The labels `bar_label` put above the bars, by the x of the bar they belong to."""
    return {round(t.xy[0], 6): t.get_text() for t in ax.texts if hasattr(t, "xy")}


def zero_markers(ax: Any) -> list[float]:
    return sorted(round(sum(line.get_xdata()) / 2, 6) for line in ax.get_lines()
                  if line.get_gid() == ZERO_GID)


def test_each_label_sits_under_its_bar(charts: dict[str, Chart]) -> None:
    for name, chart in charts.items():
        ax = chart.figure.axes[0]
        renderer = chart.figure.canvas.get_renderer()
        labels = [t for t in ax.get_xticklabels() if t.get_text()]
        assert len(labels) == len(bars(ax)), name
        for label, bar in zip(labels, bars(ax), strict=True):
            x = ax.transData.transform((centre(bar), 0))[0]
            box = label.get_window_extent(renderer)
            if label.get_rotation():  # a rotated label ends at its bar's centre
                assert x - 1 <= box.x1 <= x + label.get_fontsize() * 1.5, (name, label)
            else:
                assert abs((box.x0 + box.x1) / 2 - x) <= 1, (name, label)


def test_every_bar_shows_its_value(charts: dict[str, Chart]) -> None:
    volume = charts["volume"].figure.axes[0]
    totals = [2] + [0] * 10 + [1, 4]  # the fixture's 13 months
    assert list(value_labels(volume).values()) == [str(n) for n in totals]
    for bar, n in zip(bars(volume), totals, strict=True):  # on top of each stack
        assert bar.get_y() + bar.get_height() == n
    rates = charts["on-time"].figure.axes[0]
    shown = value_labels(rates)
    assert list(shown.values())[:3] == ["50.0%", "50.0%", "100.0%"]  # reply, resolve, 投诉
    assert [centre(b) for b in bars(rates)] == pytest.approx(list(shown))
    satisfaction = charts["satisfaction"].figure.axes[0]
    assert list(value_labels(satisfaction).values()) == ["0", "1", "0", "0", "1"]


def test_zero_bars_keep_a_label_and_a_baseline_marker(charts: dict[str, Chart]) -> None:
    satisfaction = charts["satisfaction"].figure.axes[0]
    assert zero_markers(satisfaction) == [0, 2, 3]  # levels 1, 3, 4 had no follow-up
    volume = charts["volume"].figure.axes[0]
    assert zero_markers(volume) == list(range(1, 11))  # the ten empty months
    for line in satisfaction.get_lines():
        if line.get_gid() == ZERO_GID:
            assert line.get_linewidth() >= 2 and not line.get_clip_on()
            assert line.get_ydata().tolist() == [0, 0]
    rates = charts["on-time"].figure.axes[0]
    assert zero_markers(rates) == [3]  # the inquiry follow-up rate, 0.0%


def test_count_axes_have_whole_number_ticks(charts: dict[str, Chart]) -> None:
    for name in ("volume", "satisfaction"):
        ax = charts[name].figure.axes[0]
        low, high = ax.get_ylim()
        ticks = [t for t in ax.get_yticks() if low <= t <= high]
        assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks), name


def test_an_empty_month_draws_a_marker_and_a_zero_on_every_bar(site: Desk) -> None:
    by = {c.name: c.figure.axes[0] for c in figures(reports.report(site, "monthly",
                                                                    "2030-01"))}
    assert zero_markers(by["volume"]) == list(range(13))
    assert set(value_labels(by["volume"]).values()) == {"0"}
    assert list(value_labels(by["on-time"]).values()) == ["-", "-"]  # nothing to rate
    assert zero_markers(by["satisfaction"]) == [0, 1, 2, 3, 4]


def test_chinese_labels_are_drawn_with_the_cjk_font(charts: dict[str, Chart]) -> None:
    from matplotlib import font_manager

    family = find_cjk_font()
    if family is None:
        pytest.skip("no CJK font installed (scripts/install-cjk-font.sh)")
    cjk = font_manager.findfont(font_manager.FontProperties(family=family))
    labels = [t for c in charts.values() for t in c.figure.axes[0].get_xticklabels()
              if any("\u4e00" <= ch <= "\u9fff" for ch in t.get_text())]
    assert len(labels) >= 4  # 首次答复 reply, 处理完成 resolve, 回访 …
    for label in labels:
        assert font_manager.findfont(label.get_fontproperties()) == cjk


def test_the_embedded_charts_are_svg_with_nothing_outside(site: Desk,
                                                          october: dict[str, str]) -> None:
    made = embedded(reports.report(site, "monthly", "2026-10"))
    assert [c["name"] for c in made] == ["volume", "on-time", "satisfaction"]
    assert [c["after"] for c in made] == ["trend", "followup", "satisfaction"]
    for chart in made:
        head, _, body = chart["uri"].partition(",")
        assert head == "data:image/svg+xml;base64"
        svg = base64.b64decode(body).decode()
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg
        # text drawn as outlines: no font to fetch, no link out of the file
        assert "<text" not in svg and "@font-face" not in svg
        assert 'href="http' not in svg and "url(http" not in svg


@pytest.mark.slow
def test_charts_drawn_at_once_in_threads_are_the_charts_drawn_alone(
        site: Desk, october: dict[str, str]) -> None:
    """API requests render reports in a thread pool: no pyplot state is shared."""
    import threading

    r = reports.report(site, "monthly", "2026-10")
    alone = embedded(r)
    barrier = threading.Barrier(3)
    results: list[list[dict[str, str]]] = []

    def draw() -> None:
        barrier.wait()
        results.append(embedded(r))

    threads = [threading.Thread(target=draw) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 3 and all(result == alone for result in results)
