"""Helpers for the events tests: an approved event with one session, row counts, and a
desk clock that stands after the season the tests record (every `at` is in the past)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from core.desk import Desk
from core.times import parse_time
from plugins.events import service
from plugins.events.models import MODELS
from tests.conftest import Clock

PROPOSAL = {"organisation": "客服部 + 工程部", "content": "设备房开放日",
            "promotion": "公告栏、业主群", "budget": 800, "risk_plan": "专人引导，限流"}


def t(text: str) -> datetime:
    from zoneinfo import ZoneInfo

    return parse_time(text, ZoneInfo("Asia/Shanghai"))


def counts(desk: Desk) -> dict[str, int]:
    with desk.sessions() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0
                for m in MODELS}


def approved_event(desk: Desk, *, capacity: int = 30, starts: str = "2026-12-20 09:00",
                   large: bool = False, waitlist: bool = True, per_household: int = 1,
                   at: str = "2026-11-20 09:00") -> dict[str, Any]:
    """An approved event with one session; returns its view (sessions included)."""
    event = service.propose(desk, title="设备房开放日", starts_at=t(starts), at=t(at),
                            large=large, waitlist=waitlist, per_household=per_household,
                            **PROPOSAL)
    service.add_session(desk, event["id"], starts_at=t(starts), capacity=capacity,
                        place="B1 设备房", at=t(at))
    return service.approve(desk, event["id"], actor="刘洋", at=t(at))


#: the desk's "now" for tests that record a season's actions after the fact
LATER = "2027-06-01 10:00"


@pytest.fixture
def after_the_fact(clock: Clock) -> Clock:
    """The clock moved past every time the test records: `--at` may never be in the future,
    so a test that walks through December's event stands in the following June."""
    clock.at = t(LATER)
    return clock


@pytest.fixture
def units(site: Desk) -> list[str]:
    """Forty households on top of the fixture's three."""
    from core import directory

    codes = [f"5-{1 + i // 20}-{100 * (1 + i % 20 // 4) + 1 + i % 4:03d}" for i in range(40)]
    for code in codes:
        directory.add_unit(site, code, "业主", "13900000000")
    return codes
