"""A calendar change applied twice at once moves each deadline once (threads on a barrier,
each with its own engine, as two processes would: `calendar apply` and the watcher)."""

from __future__ import annotations

from sqlalchemy import func, select

from core import deadlines, repricing, tickets
from core.config import parse_config
from core.desk import Desk
from core.models import CalendarPricing, TicketEvent
from tests.concurrency.conftest import together
from tests.conftest import Clock, make_desk

TYPHOON = {"calendar": {"holidays": [{"date": "2026-10-09", "name": "台风停工"}]}}


def _open_tickets(site: Desk, n: int) -> list[str]:
    return [tickets.intake(site, category="complaint", severity="major", summary="电梯困人",
                           unit="1-1-502", by="王芳", at=f"2026-09-30 15:{i:02d}")["number"]
            for i in range(n)]


def _counts(site: Desk) -> tuple[int, int]:
    with site.read() as s:
        moved = s.scalar(select(func.count()).select_from(TicketEvent).where(
            TicketEvent.kind == repricing.EVENT)) or 0
        rows = s.scalar(select(func.count()).select_from(CalendarPricing)) or 0
    return int(moved), int(rows)


def test_two_applies_at_once_move_each_deadline_once(site: Desk, db_url: str) -> None:
    numbers = _open_tickets(site, 6)
    assert not repricing.apply(site, at="2026-10-08 09:00")["moved"]
    desks = [make_desk(db_url, Clock(site.now()), parse_config(TYPHOON)) for _ in range(2)]
    try:
        results = together(2, lambda i: repricing.apply(desks[i], at="2026-10-08 20:00"))
    finally:
        for d in desks:
            d.engine.dispose()
    assert not [r for r in results if isinstance(r, Exception)], results
    applied = [r for r in results if r["applied"]]
    assert len(applied) == 1
    assert sorted(m["number"] for m in applied[0]["moved"]) == sorted(numbers)
    assert _counts(site) == (6, 2)  # six events, one pricing record besides the first


def test_an_apply_and_a_watcher_pass_at_once_move_each_deadline_once(site: Desk,
                                                                     db_url: str) -> None:
    _open_tickets(site, 4)
    repricing.apply(site, at="2026-10-08 09:00")
    desks = [make_desk(db_url, Clock(site.now()), parse_config(TYPHOON)) for _ in range(2)]
    try:
        together(2, lambda i: repricing.apply(desks[0], at="2026-10-08 20:00") if i == 0
                 else deadlines.check(desks[1]))
        assert _counts(site) == (4, 2)
        deadlines.check(desks[1])  # the next pass finds the calendar applied
        assert _counts(site) == (4, 2)
    finally:
        for d in desks:
            d.engine.dispose()
