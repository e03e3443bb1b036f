"""Contractor bonus and penalty from the follow-up satisfaction, against a hand-computed
fixture."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core import followups
from core.desk import Desk
from core.errors import DomainError
from plugins.paid_services import scoring

from .conftest import completed


def _follow_up(desk: Desk, ticket: str, satisfaction: int, at: str) -> None:
    followups.record(desk, ticket, method="phone", satisfaction=satisfaction, actor="王芳",
                     at=at)


def test_hook_followup_recorded_scores_the_contractor(priced: Desk) -> None:
    # job totals: a = 2 × 30.00 + 2 × 25.50 = 111.00; b = 50.50 + 2 × 25.50 = 101.50
    a = completed(priced, "2026-11-18")
    b = completed(priced, "2026-11-18", items=(("PS-02", "1"),), unit="1-1-101")
    c = completed(priced, "2026-11-18", unit="2-1-301")
    _follow_up(priced, a["ticket"], 5, "2026-11-19T09:00")   # +2 % of 111.00 = +2.22
    _follow_up(priced, b["ticket"], 3, "2026-11-19T09:10")   # −1 % of 101.50 = −1.015 → −1.02
    _follow_up(priced, c["ticket"], 1, "2026-11-19T09:20")   # −5 % of 111.00 = −5.55
    assert scoring.score(priced, c["ticket"], 5) is None     # scored once per job
    [row] = scoring.statement(priced, "2026-11")
    assert row["contractor"] == "工程部"
    assert [j["amount_fen"] for j in row["jobs"]] == [222, -102, -555]
    assert (row["bonus_fen"], row["penalty_fen"], row["net_fen"]) == (222, -657, -435)
    assert scoring.statement(priced, "2026-10") == []


def test_rates_are_configurable(priced: Desk) -> None:
    a = completed(priced)
    _follow_up(priced, a["ticket"], 4, "2026-11-19T09:00")
    assert scoring.statement(priced, "2026-11")[0]["net_fen"] == 111  # +1 % of 111.00
    rates = scoring.parse_rates("4=3")
    assert rates[4] == Decimal("3") and rates[5] == Decimal("2")
    assert scoring.statement(priced, "2026-11", rates)[0]["net_fen"] == 333
    with pytest.raises(DomainError):
        scoring.parse_rates("6=1")
