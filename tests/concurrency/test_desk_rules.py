"""A ledger imported twice at once, and an agreement scheduled twice at once: once each."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from core import kit, tickets
from core.desk import Desk
from core.ledger import import_csv
from core.models import FollowupTask, LedgerRow, Ticket
from tests.concurrency.conftest import together

pytestmark = pytest.mark.slow


def test_the_same_ledger_imported_at_once_goes_in_once(site: Desk, tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("received_at,category,summary,owner\n" + "".join(
        f"2026-10-{1 + i % 28:02d} 09:00,报修,门锁坏{i},王芳\n" for i in range(200)),
        encoding="utf-8")
    outcomes = together(4, lambda i: import_csv(site, ledger))
    assert all(isinstance(o, dict) for o in outcomes), outcomes
    assert sorted(o["imported"] for o in outcomes) == [0, 0, 0, 200]
    assert sorted(o["skipped"] for o in outcomes) == [0, 200, 200, 200]
    with site.read() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 200
        assert s.scalar(select(func.count()).select_from(LedgerRow)) == 200


def test_an_agreement_scheduled_at_once_plans_two_follow_ups(site: Desk) -> None:
    n = tickets.intake(site, category="paid_service", summary="特约保洁", unit="1-1-502",
                       by="王芳", at="2026-10-30 09:00")["number"]
    outcomes = together(4, lambda i: kit.schedule_agreement(
        site, n, start="2026-11-01", end="2026-11-30", actor="王芳"))
    assert all(isinstance(o, list) for o in outcomes), outcomes
    assert all(o == outcomes[0] for o in outcomes)
    with site.read() as s:
        kinds = sorted(s.scalars(select(FollowupTask.kind).join(Ticket).where(
            Ticket.number == n, FollowupTask.kind.like("agreement%"))))
    assert kinds == ["agreement_end", "agreement_mid"]
