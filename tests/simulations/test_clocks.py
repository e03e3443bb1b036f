from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from core.config import Config
from core.sla import Duration, deadline
from simulations.clocks import Clocks


def test_national_day_example_matches_the_spec():
    cfg = Config()
    start = datetime(2026, 9, 28, tzinfo=cfg.tz)
    clocks = Clocks(cfg, start)
    t = (datetime(2026, 9, 30, 15, tzinfo=cfg.tz) - start).total_seconds()
    assert clocks.at(clocks.due(t, Duration.parse("2h"))) == datetime(2026, 9, 30, 17,
                                                                        tzinfo=cfg.tz)
    assert clocks.at(clocks.due(t, Duration.parse("3wd"))) == datetime(2026, 10, 10, 18,
                                                                         tzinfo=cfg.tz)


def test_cached_deadlines_equal_core_sla_everywhere():
    cfg = Config()
    start = datetime(2026, 9, 20, tzinfo=cfg.tz)
    clocks = Clocks(cfg, start)
    rng = np.random.default_rng(3)
    for t in rng.uniform(0, 40 * 86400, 300):
        for text in ("1wd", "3wd", "10wd", "2h", "30m"):
            dur = Duration.parse(text)
            at = start + timedelta(seconds=float(t))
            want = deadline(at, dur, cfg.working_calendar, cfg.business_hours).due_at
            assert clocks.at(clocks.due(float(t), dur)) == want
