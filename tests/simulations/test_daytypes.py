"""Demand by day kind: workdays, weekends, statutory holidays and 调休 learned apart.

The history is generated: Poisson arrivals from August to November 2026 with a known
rate for each day kind of the service's own calendar (Mid-Autumn, National Day and their
调休 Saturdays/Sundays included), so what calibration learns is checked against the truth.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from click.testing import CliRunner

from core.config import Config
from simulations.calibrate import Record, calibrate, forecast, to_toml
from simulations.cli import sim
from simulations.params import parse_scenario

TZ = ZoneInfo("Asia/Shanghai")
CAL = Config().working_calendar
#: tickets per daytime hour (08:00–21:59) by day kind; nights are a fifth of it
RATE = {"workday": 6.0, "weekend": 3.0, "holiday": 1.5, "adjusted_workday": 8.0}
STREAMS = {("phone", "inquiry", None): 1.0, ("online", "repair", None): 0.5}


def _shape(hour: int) -> float:
    return 1.0 if 8 <= hour < 22 else 0.2


def per_day(kind: str) -> float:
    """The true mean tickets a day of `kind`, all streams."""
    return RATE[kind] * sum(_shape(h) for h in range(24)) * sum(STREAMS.values())


def history(first: date, last: date, seed: int = 5) -> list[Record]:
    rng = np.random.default_rng(seed)
    out = []
    day = first
    while day <= last:
        rate = RATE[CAL.info(day).kind]
        for hour in range(24):
            for (channel, category, severity), share in STREAMS.items():
                for _ in range(rng.poisson(rate * _shape(hour) * share)):
                    at = datetime(day.year, day.month, day.day, hour, tzinfo=TZ)
                    out.append(Record(at + timedelta(seconds=float(rng.uniform(0, 3600))),
                                      channel, category, severity))
        day += timedelta(days=1)
    return out


@pytest.fixture(scope="module")
def profile():
    since = datetime(2026, 8, 3, tzinfo=TZ)  # a Monday
    until = datetime(2026, 11, 30, tzinfo=TZ)
    return calibrate(history(since.date(), until.date() - timedelta(days=1)), since, until,
                     TZ, CAL)


def test_each_day_kind_is_learned_apart(profile):
    # Aug–Nov 2026: Mid-Autumn 25–27 Sep and National Day 1–7 Oct; 调休 20 Sep and 10 Oct
    assert profile.days["holiday"] == 10 and profile.days["adjusted_workday"] == 2
    assert profile.warnings == []
    for kind in ("workday", "weekend", "holiday"):
        assert profile.per_day(kind) == pytest.approx(per_day(kind), rel=0.12), kind
    # two adjusted workdays only: wide, but clearly above an ordinary workday's level
    assert profile.per_day("adjusted_workday") > profile.per_day("workday")
    hol = profile.special["holiday"][("phone", "inquiry", None)]
    assert sum(hol[8:22]) / 14 == pytest.approx(RATE["holiday"], rel=0.2)
    # the all-days 168-hour shape mixes them: a Thursday is diluted by 1 October
    assert profile.rates[("phone", "inquiry", None)][3 * 24 + 10] < \
        profile.ordinary[("phone", "inquiry", None)][3 * 24 + 10]


def test_national_day_week_is_forecast_unlike_an_ordinary_week(profile):
    rates, warnings = forecast(profile, date(2026, 9, 28), 21, CAL)
    assert warnings == []
    total = np.sum([np.asarray(v) for v in rates.values()], axis=0)
    week = [float(total[k * 168:(k + 1) * 168].sum()) for k in range(3)]
    w, e, h, a = (profile.per_day(k) for k in ("workday", "weekend", "holiday",
                                               "adjusted_workday"))
    # 28 Sep–4 Oct: 3 workdays + 4 holidays; 5–11 Oct: 3 holidays, 2 workdays, 调休 Sat 10th,
    # Sunday; 12–18 Oct an ordinary week
    assert week[0] == pytest.approx(3 * w + 4 * h, rel=0.05)  # Mon–Wed, not a mean weekday
    assert week[1] == pytest.approx(3 * h + 2 * w + a + e, rel=0.05)
    assert week[2] == pytest.approx(5 * w + 2 * e, rel=0.05)
    assert week[0] < 0.75 * week[2]
    key = ("phone", "inquiry", None)
    day = lambda d: rates[key][(d - date(2026, 9, 28)).days * 24:][:24]  # noqa: E731
    assert day(date(2026, 10, 1)) == profile.special["holiday"][key]
    assert day(date(2026, 10, 10)) == profile.special["adjusted_workday"][key]
    assert day(date(2026, 10, 12)) == profile.ordinary[key][:24]  # a Monday


def test_a_holiday_never_seen_is_forecast_as_a_sunday_with_a_warning():
    since, until = datetime(2026, 10, 12, tzinfo=TZ), datetime(2026, 11, 9, tzinfo=TZ)
    prof = calibrate(history(since.date(), until.date() - timedelta(days=1)), since, until,
                     TZ, CAL)
    assert "holiday" not in prof.special
    rates, warnings = forecast(prof, date(2026, 9, 28), 7, CAL)
    assert warnings == ["no 法定节假日 holiday in the history: 4 such day(s) forecast as "
                        "Sundays"]
    key = ("phone", "inquiry", None)
    assert rates[key][3 * 24:4 * 24] == prof.ordinary[key][6 * 24:7 * 24]


def _csv(path, records):
    path.write_text("received_at,channel,category\n" + "".join(
        f"{r.received_at.replace(tzinfo=None).isoformat()},{r.channel},{r.category}\n"
        for r in records), encoding="utf-8")
    return path


def test_short_history_warns_in_one_line(tmp_path):
    """Four weeks of tickets, six months asked: averaged over the four, and said so."""
    path = _csv(tmp_path / "h.csv", history(date(2026, 10, 19), date(2026, 11, 15)))
    res = CliRunner().invoke(sim, ["calibrate", "--csv", str(path), "--months", "6",
                                   "--until", "2026-11-16T00:00"])
    assert res.exit_code == 0, res.output
    assert res.stderr == ("warning: only 4.0 weeks of tickets (from 2026-10-19) in the 26.1 "
                          "weeks asked: rates are averaged over the 4.0 weeks with data\n")
    sc = parse_scenario(tomllib.loads(res.stdout))
    # weekday daytime near the truth (6 + 3 an hour), not diluted to 9 × 4/26
    daytime = sc.rates().sum(axis=1).reshape(7, 24)[:5, 8:22]
    assert daytime.mean() == pytest.approx(9.0, rel=0.1)


def test_calibrate_forecasts_the_coming_weeks_as_a_scenario(tmp_path):
    path = _csv(tmp_path / "h.csv", history(date(2026, 8, 3), date(2026, 11, 29)))
    res = CliRunner().invoke(sim, ["calibrate", "--csv", str(path), "--months", "4",
                                   "--until", "2026-11-30T00:00", "--weeks", "2",
                                   "--start", "2026-09-28"])
    assert res.exit_code == 0, res.output
    assert res.stderr == ""
    sc = parse_scenario(tomllib.loads(res.stdout))
    assert sc.scenario.start == date(2026, 9, 28) and sc.scenario.days == 14
    rates = sc.rates()
    assert rates.shape == (14 * 24, 2)
    daily = rates.sum(axis=1).reshape(14, 24).sum(axis=1)
    assert daily[3] < 0.5 * daily[0]  # 1 October against Monday 28 September
    assert "法定节假日 holiday" in res.stdout.splitlines()[1]


def test_forecast_that_does_not_cover_the_run_names_the_field():
    from core.errors import DomainError
    from simulations.calibrate import Profile

    prof = Profile(datetime(2026, 1, 1, tzinfo=TZ), datetime(2026, 2, 1, tzinfo=TZ), 4.4, 1,
                   {("phone", "inquiry", None): [1.0] * 168})
    text = to_toml(prof, forecast={("phone", "inquiry", None): [1.0] * 24},
                   start=date(2026, 3, 2)).replace("days = 1", "days = 2")
    with pytest.raises(DomainError) as err:
        parse_scenario(tomllib.loads(text))
    assert err.value.field == "arrivals.stream[0].forecast"
