from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from core import kit, tickets
from core.errors import DomainError
from simulations.calibrate import Record, calibrate, to_toml, window
from simulations.cli import sim
from simulations.params import parse_scenario

TZ = ZoneInfo("Asia/Shanghai")


def test_rates_are_counts_over_occurrences_of_each_hour():
    since = datetime(2026, 11, 2, tzinfo=TZ)  # a Monday; two whole weeks
    until = since + timedelta(weeks=2)
    recs = [Record(datetime(2026, 11, 2, 9, 10, tzinfo=TZ), "phone", "repair"),
            Record(datetime(2026, 11, 2, 9, 50, tzinfo=TZ), "phone", "repair"),
            Record(datetime(2026, 11, 9, 9, 5, tzinfo=TZ), "phone", "repair"),
            Record(datetime(2026, 11, 4, 14, 0, tzinfo=TZ), "walk_in", "complaint", "major"),
            Record(datetime(2026, 10, 30, 9, 0, tzinfo=TZ), "phone", "repair")]  # outside
    prof = calibrate(recs, since, until, TZ)
    assert prof.records == 4 and prof.weeks == 2
    assert prof.rates[("phone", "repair", None)][9] == 1.5
    assert prof.rates[("walk_in", "complaint", "major")][2 * 24 + 14] == 0.5
    sc = parse_scenario(__import__("tomllib").loads(to_toml(prof)))
    assert sc.rates()[9, 0] == 1.5  # the scenario starts on a Monday too


def test_window_checks_months():
    with pytest.raises(DomainError):
        window(0)


def test_calibrate_reads_the_ticket_store(site, db_url):
    base = datetime(2026, 11, 16, 9, 30, tzinfo=TZ)  # Monday 09:30
    for days, category, channel in ((0, "repair", "phone"), (1, "repair", "phone"),
                                    (7, "inquiry", "walk_in")):
        tickets.intake(site, category=category, summary="漏水 leak", channel=channel,
                       by="王芳", at=base - timedelta(days=days))
    since, until = datetime(2026, 10, 20, tzinfo=TZ), datetime(2026, 11, 20, tzinfo=TZ)
    history = kit.arrival_history(site, since, until)
    assert [(a.channel, a.category) for a in history] == [
        ("walk_in", "inquiry"), ("phone", "repair"), ("phone", "repair")]  # oldest first
    assert all(a.received_at.tzinfo is not None for a in history)
    prof = calibrate(history, since, until, TZ)
    assert prof.records == 3
    assert set(prof.rates) == {("phone", "repair", None), ("walk_in", "inquiry", None)}
    res = CliRunner().invoke(sim, ["calibrate", "--db", db_url, "--months", "1",
                                   "--until", "2026-11-20T00:00"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("# calibrated from 3 tickets")
    # 11 days of tickets in a month asked: one line says the rates cover the 11 days
    assert res.stderr.count("\n") == 1 and res.stderr.startswith(
        "warning: only 1.6 weeks of tickets (from 2026-11-09) in the 4.3 weeks asked")


def test_the_window_is_half_open(site):
    """A ticket received exactly at `until` belongs to the next window, not this one."""
    at = datetime(2026, 11, 19, 9, 0, tzinfo=TZ)
    tickets.intake(site, category="repair", summary="漏水", by="王芳", at=at)
    assert len(kit.arrival_history(site, at - timedelta(days=1), at)) == 0
    assert len(kit.arrival_history(site, at, at + timedelta(minutes=1))) == 1


def test_simulations_import_no_database_module():
    """The adapter hands plain figures to the pure code: no sqlalchemy, core.db, models."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "simulations"
    banned = re.compile(r"^\s*(from|import)\s+(sqlalchemy|core\.(db|models|desk)\b)", re.M)
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if banned.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
