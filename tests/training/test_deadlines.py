"""Deadline items are computed by core.sla with the real calendar, across 2026 holidays."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.config import Config
from core.sla import Duration, deadline
from training.items import Item, items_for_case
from training.schema import Case, parse_case

EVES = ["2025-12-31", "2026-01-04", "2026-02-13", "2026-02-14", "2026-02-27", "2026-04-03",
        "2026-04-30", "2026-05-08", "2026-06-18", "2026-09-19", "2026-09-24", "2026-09-30",
        "2026-10-09", "2026-12-31"]
CLASSES = [("complaint", "major"), ("complaint", "important"), ("complaint", "minor"),
           ("repair", None), ("repair", "urgent")]


def _case(day: str, category: str, severity: str | None) -> Case:
    return parse_case({
        "id": "synthetic-case", "title": "合成案例",
        "narrative": "用于检验时限计算的合成案例：某日下午三点受理，内容从略。",
        "facts": {"channel": "phone", "unit_kind": "high_rise", "received_at": f"{day}T15:00"},
        "topics": ["deadlines"], "difficulty": 1, "source": {"kind": "written", "author": "t"},
        "expected": {"classification": {"category": category, "severity": severity},
                     "followup": {"owner": "frontdesk", "timing": "within_10wd"},
                     "procedure": ["一", "二", "三"]},
        "discussion": ["无"]})


def _deadlines(items: list[Item]) -> dict[str, datetime]:
    return {i.slot: i.key.due_at for i in items if i.kind == "deadline" and i.key.due_at}


@pytest.mark.parametrize("day", EVES)
@pytest.mark.parametrize(("category", "severity"), CLASSES)
def test_items_agree_with_core_sla(config: Config, day: str, category: str,
                                   severity: str | None) -> None:
    case = _case(day, category, severity)
    got = _deadlines(items_for_case(case, config))
    _, policy = config.policy_for(category, severity)
    start = case.facts.received(config.tz)
    for clock in ("reply", "resolve"):
        text = getattr(policy, clock)
        expected = (deadline(start, Duration.parse(text), config.working_calendar,
                             config.business_hours).due_at if text else None)
        assert got.get(f"deadline-{clock}") == expected


@pytest.mark.parametrize(("day", "category", "severity", "clock", "due"), [
    # SPEC §3's example: Oct 1–7 off, Sat Oct 10 an adjusted workday
    ("2026-09-30", "complaint", "major", "reply", "2026-09-30T17:00"),
    ("2026-09-30", "complaint", "major", "resolve", "2026-10-10T18:00"),
    # Spring Festival: Sat Feb 14 works, Feb 15–23 off → 2nd working day is Tue Feb 24
    ("2026-02-13", "complaint", "important", "resolve", "2026-02-24T18:00"),
    ("2026-02-13", "complaint", "minor", "reply", "2026-02-14T18:00"),
    # Labour Day: May 1–5 off → 1 working day after Apr 30 is Wed May 6
    ("2026-04-30", "complaint", "minor", "resolve", "2026-05-06T18:00"),
    # Dragon Boat: Fri Jun 19 off, then a weekend → Mon Jun 22
    ("2026-06-18", "complaint", "minor", "resolve", "2026-06-22T18:00"),
    # received on Sun Jan 4 (an adjusted workday): the day of receipt is not counted
    ("2026-01-04", "complaint", "important", "reply", "2026-01-05T18:00"),
    # Fri Oct 9 → Sat Oct 10 is a working day
    ("2026-10-09", "complaint", "minor", "resolve", "2026-10-10T18:00"),
    # wall-clock clocks ignore holidays
    ("2026-09-30", "repair", None, "reply", "2026-10-01T15:00"),
    ("2026-09-30", "repair", "urgent", "reply", "2026-09-30T15:30"),
])
def test_hand_checked_holiday_boundaries(config: Config, day: str, category: str,
                                         severity: str | None, clock: str, due: str) -> None:
    got = _deadlines(items_for_case(_case(day, category, severity), config))
    assert got[f"deadline-{clock}"] == datetime.fromisoformat(due).replace(tzinfo=config.tz)


def test_no_deadline_item_without_a_clock(config: Config) -> None:
    assert "deadline-resolve" not in _deadlines(items_for_case(_case("2026-03-02", "repair",
                                                                      None), config))
    paid = _case("2026-03-02", "paid_service", None)
    assert _deadlines(items_for_case(paid, config)) == {}


def test_library_deadline_example(pool: list[Item]) -> None:
    lift = {i.slot: i for i in pool if i.case_id == "cp-major-lift-eve"}
    assert lift["deadline-resolve"].key.due_at.isoformat() == "2026-10-10T18:00:00+08:00"
    assert any("2026-10-10 (Sat)" in step for step in lift["deadline-resolve"].key.explanation)
