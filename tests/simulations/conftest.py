"""Small scenarios for the simulation tests (no database needed)."""

from __future__ import annotations

from typing import Any

import pytest

from simulations.params import Scenario, parse_scenario, sample_scenario


def small(**over: Any) -> dict[str, Any]:
    """A one-day desk with two shifts and one technician skill, as a raw mapping."""
    raw: dict[str, Any] = {
        "scenario": {"days": 1, "seed": 7, "drain_days": 2},
        "arrivals": {"stream": [
            {"channel": "phone", "category": "inquiry", "per_week": 168 * 20},
            {"channel": "phone", "category": "repair", "severity": "urgent",
             "per_week": 168 * 1},
            {"channel": "online", "category": "repair", "per_week": 168 * 2},
        ]},
        "channels": {"phone": {"patience": {"dist": "exponential", "mean": 2},
                               "callback_share": 0.5}},
        "agents": {"shift": [{"name": "day", "start": "08:00", "end": "20:00", "staff": 3},
                             {"name": "night", "start": "20:00", "end": "08:00", "staff": 1}]},
        "technicians": {"skill": [{"name": "general", "shift": [
            {"name": "all", "start": "00:00", "end": "00:00", "staff": 2}]}]},
    }
    for key, value in over.items():
        raw[key] = value
    return raw


@pytest.fixture
def small_scenario() -> Scenario:
    return parse_scenario(small())


@pytest.fixture(scope="session")
def sample() -> Scenario:
    return sample_scenario()
