"""Paid, warranty or public area: decided at intake from the unit's warranty end."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core import tickets
from core.desk import Desk
from core.errors import DomainError
from plugins.paid_services import decisions


def _repair(desk: Desk, unit: str | None = "1-1-502") -> dict:
    return tickets.intake(desk, category="repair", summary="卫生间门锁坏了", unit=unit,
                          location=None if unit else "2号楼大堂", by="王芳", actor="王芳",
                          at="2026-11-20T09:00")


@pytest.mark.parametrize("until, category, decision", [
    ("2026-11-19", "paid_service", "paid"),  # the warranty ended the day before
    ("2026-11-20", "repair", "warranty"),    # its last day: still free
])
def test_hook_classify_ticket_both_sides_of_the_warranty_end(
        site: Desk, until: str, category: str, decision: str) -> None:
    decisions.set_warranty(site, "1-1-502", "2024-11-20", until)
    t = _repair(site)
    assert t["category"] == category
    [row] = decisions.history(site, t["number"])
    assert row["decision"] == decision
    assert until in row["reason"]


def test_day_after_the_end_by_the_clock(site: Desk, clock) -> None:
    decisions.set_warranty(site, "1-1-502", "2024-11-20", "2026-11-20")
    clock.at = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)  # 09:00 site time on the 21st
    t = tickets.intake(site, category="报修", summary="门锁坏了", unit="1-1-502", by="王芳")
    assert t["category"] == "paid_service"


def test_public_area_is_free_and_unknown_units_are_left_alone(site: Desk) -> None:
    public = _repair(site, None)
    assert public["category"] == "repair"
    assert decisions.history(site, public["number"])[0]["decision"] == "public_area"
    unknown = _repair(site, "2-1-301")  # no warranty dates recorded: the desk decides
    assert unknown["category"] == "repair"
    assert decisions.history(site, unknown["number"]) == []


def test_warranty_dates_are_checked(site: Desk) -> None:
    with pytest.raises(DomainError) as err:
        decisions.set_warranty(site, "1-1-502", "2026-01-01", "2025-01-01")
    assert err.value.field == "until"
    with pytest.raises(DomainError):
        decisions.set_warranty(site, "1-1-502", "yesterday", "2025-01-01")


def test_a_back_dated_intake_is_judged_on_its_own_day(site: Desk) -> None:
    """Recorded on the 20th for a call received on the 9th, inside the warranty then."""
    decisions.set_warranty(site, "1-1-502", "2024-11-20", "2026-11-10")
    t = tickets.intake(site, category="repair", summary="门锁坏了", unit="1-1-502", by="王芳",
                       at="2026-11-09T16:00")
    assert t["category"] == "repair"
    assert decisions.history(site, t["number"])[0]["decision"] == "warranty"


def test_each_intake_of_a_batch_gets_its_own_decision(site: Desk) -> None:
    """The HTTP service writes concurrent intakes together: no decision leaks across."""
    from core.intake import intake_many

    decisions.set_warranty(site, "1-1-502", "2020-01-01", "2022-01-01")  # ended: paid
    decisions.set_warranty(site, "1-1-101", "2025-01-01", "2030-01-01")  # running: free
    asks = [{"category": "repair", "summary": "门锁坏了", "unit": u, "by": "王芳"}
            for u in ("1-1-502", "1-1-101", "2-1-301", "1-1-502")]
    made = intake_many(site, asks)
    assert [t["category"] for t in made] == ["paid_service", "repair", "repair",
                                             "paid_service"]
    assert [[r["decision"] for r in decisions.history(site, t["number"])] for t in made] \
        == [["paid"], ["warranty"], [], ["paid"]]
