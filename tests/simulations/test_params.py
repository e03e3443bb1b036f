from __future__ import annotations

import pytest

from core.errors import DomainError
from simulations.params import load_scenario, parse_scenario

from .conftest import small


def test_sample_scenario_loads_with_chinese_names(sample):
    first = sample.arrivals.stream[0]
    assert (first.channel, first.category) == ("phone", "inquiry")  # written 电话 / 咨询
    assert sample.route("repair") == "technician"
    night = sample.agents.shift[2]
    assert (night.start_min, night.length_min) == (22 * 60, 8 * 60)  # crosses midnight


@pytest.mark.parametrize(("change", "field"), [
    ({"arrivals": {"stream": [{"channel": "传真", "category": "inquiry", "per_week": 1}]}},
     "arrivals.stream[0].channel"),
    ({"arrivals": {"stream": [{"channel": "phone", "category": "inquiry",
                               "per_hour": [1.0] * 24}]}},
     "arrivals.stream[0].per_hour"),
    ({"arrivals": {"stream": [{"channel": "phone", "category": "inquiry"}]}},
     "arrivals.stream[0]"),
    ({"arrivals": {"stream": []}}, "arrivals"),
    ({"agents": {"shift": [{"name": "x", "start": "25:00", "end": "08:00"}]}},
     "agents.shift[0].start"),
    ({"agents": {"shift": [{"name": "x", "start": "08:00", "end": "16:00", "staff": [1, 2]}]}},
     "agents.shift[0].staff"),
    ({"agents": {}}, "agents"),
    ({"targets": {"service_level": 1.5}}, "targets.service_level"),
    ({"categories": {"inquiry": {"handle": {"dist": "lognormal", "mean": 3}}}},
     "categories.inquiry.handle"),
    ({"scenario": {"days": 7, "colour": "red"}}, "scenario.colour"),
    ({"technicians": {"skill": []}}, "arrivals.stream[1].category"),
])
def test_errors_name_the_field(change, field):
    with pytest.raises(DomainError) as err:
        parse_scenario(small(**change))
    assert err.value.field == field


def test_unknown_skill_on_a_stream_is_refused():
    raw = small()
    raw["arrivals"]["stream"][2]["skill"] = "plumbing"
    with pytest.raises(DomainError, match="unknown skill") as err:
        parse_scenario(raw)
    assert err.value.field == "arrivals.stream[2].skill"


def test_bad_toml_and_missing_file(tmp_path):
    bad = tmp_path / "s.toml"
    bad.write_text("[scenario\n", encoding="utf-8")
    with pytest.raises(DomainError, match="not valid TOML"):
        load_scenario(bad)
    with pytest.raises(DomainError, match="no such file"):
        load_scenario(tmp_path / "none.toml")


def test_rates_follow_the_shape_and_the_storm():
    raw = small(scenario={"days": 2, "start": "2026-09-28"})
    raw["arrivals"]["daily"] = [0.0] * 12 + [2.0] * 12
    raw["surge"] = [{"name": "暴雨 storm", "start": "2026-09-28T18:00", "hours": 12,
                     "factor": 3, "category": "报修"}]
    rates = parse_scenario(raw).rates()
    assert rates.shape == (48, 3)
    assert rates[:12, 0].sum() == 0 and rates[12:24, 0] == pytest.approx([40.0] * 12)
    # repairs ×3 from 18:00 for 12 hours (to 06:00, when the shape is zero anyway)
    assert rates[17, 1] == pytest.approx(2.0) and rates[18, 1] == pytest.approx(6.0)
    assert rates[23, 2] == pytest.approx(12.0) and rates[24, 2] == 0
    assert rates[18, 0] == pytest.approx(40.0)  # inquiries untouched


def test_with_roster_replaces_staff_only(sample):
    other = sample.with_roster([[1] * 7, [2] * 7, [3] * 7])
    assert [s.staff for s in other.agents.shift] == [[1] * 7, [2] * 7, [3] * 7]
    assert other.arrivals == sample.arrivals
