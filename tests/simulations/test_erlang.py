from __future__ import annotations

import math

import pytest

from simulations.erlang import agents_needed, erlang_c, p_wait


def test_textbook_values():
    # 8 Erlangs on 10 agents: P(wait) = 0.4092 (Erlang C tables)
    assert p_wait(8, 10) == pytest.approx(0.40918, abs=1e-4)
    r = erlang_c(120, 240, 10, 20)
    assert r.mean_wait_s == pytest.approx(0.40918 / (10 / 240 - 120 / 3600), rel=1e-3)
    assert r.service_level == pytest.approx(1 - 0.40918 * math.exp(-20 / 120), abs=1e-4)
    assert p_wait(1, 1) == 1.0 and erlang_c(60, 60, 1, 20).mean_wait_s == math.inf


def test_agents_needed_is_the_smallest_that_meets_the_level():
    n = agents_needed(120, 240, 20, 0.8)
    assert erlang_c(120, 240, n, 20).service_level >= 0.8
    assert erlang_c(120, 240, n - 1, 20).service_level < 0.8
    assert agents_needed(0, 240, 20, 0.8, at_least=1) == 1
