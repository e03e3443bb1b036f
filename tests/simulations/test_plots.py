from __future__ import annotations

import numpy as np
import pytest

from core.fonts import configure_matplotlib, find_cjk_font, label
from simulations import plots, studies
from simulations.run import run_replications


def test_font_is_found_or_labels_fall_back():
    found = configure_matplotlib()
    assert found == (find_cjk_font() is not None)
    assert label("服务水平", "service level", cjk=False) == "service level"
    assert label("服务水平", "service level", cjk=True) == "服务水平 service level"


@pytest.mark.slow
def test_the_four_charts_draw_from_real_runs(tmp_path, sample):
    curve = studies.sl_curve(120, 4, [9, 10, 11], days=3, target_s=20, seeds=2)
    assert curve["agents"] == [9, 10, 11] and curve["mean"] == sorted(curve["mean"])
    summary = run_replications(sample, 2, workers=1)
    required = studies.required_by_hour(sample)
    assert required.shape == (7, 24) and required[0, 10] > required[0, 3]
    prof = studies.queue_profile(summary)
    shares = studies.attainment(summary)
    assert "reply:repair.urgent" in shares
    figures = {
        "sl": plots.service_level_vs_agents(curve["agents"], curve["mean"], curve["low"],
                                            curve["high"], curve["erlang_c"]),
        "heat": plots.required_agents_heatmap(required),
        "queue": plots.queue_over_week(prof["hours"], prof["queue"], prof["agents"]),
        "deadlines": plots.deadline_attainment(shares),
    }
    paths = plots.save(figures, tmp_path)
    assert all(p.stat().st_size > 10_000 for p in paths)
    ax = figures["sl"].axes[0]
    assert ax.get_ylabel().endswith("service level (%)")
    assert np.isfinite(prof["queue"]).all()
