"""Key plugin fixtures: a site with a custodian, a unit key, a public-area key, a work order.

With the plugin left out (`PROPDESK_LOAD_PLUGINS` not naming `keys`) these tests are not
collected: importing the plugin would put its tables in the shared metadata that the core's
migration test compares with a database migrated without them.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from core import directory, hookimpl, tickets
from core.desk import Desk

_allowed = os.environ.get("PROPDESK_LOAD_PLUGINS")
if _allowed is not None and "keys" not in {p.strip() for p in _allowed.split(",")}:
    collect_ignore_glob = ["test_*.py"]

#: the owner's authorisation, as the custodian records it for a private unit's key
AUTH = {"authorised_by": "李女士", "authorised_how": "phone",
        "authorised_at": "2026-11-19 09:50"}


class Recorder:
    """A plugin that records what the key plugin announces and offers."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    @hookimpl
    def sla_breached(self, ticket: dict, clock: dict) -> None:
        self.calls.append(("sla_breached", {"ticket": ticket, "clock": clock}))

    @hookimpl
    def sla_at_risk(self, ticket: dict, clock: dict) -> None:
        self.calls.append(("sla_at_risk", {"ticket": ticket, "clock": clock}))

    @hookimpl
    def archive_record_offered(self, record: dict) -> None:
        self.calls.append(("archive_record_offered", record))

    def named(self, hook: str) -> list[dict[str, Any]]:
        return [data for name, data in self.calls if name == hook]


@pytest.fixture
def keysite(site: Desk) -> Desk:
    """`site` plus the custodian 孙丽, keys K-0502 (unit 1-1-502) and K-PD1 (配电房)."""
    from plugins.keys import service

    directory.add_staff(site, "孙丽", "custodian", "客服部")
    service.register_key(site, "K-0502", "spare", unit="1-1-502", description="入户门",
                         copies=2, entrusted_by="李女士", entrusted_on="2026-10-08",
                         entrustment_ref="WT-2026-031", actor="孙丽", at="2026-11-19 08:00")
    service.register_key(site, "K-PD1", "public_area", area="配电房", actor="孙丽",
                         at="2026-11-19 08:00")
    return site


@pytest.fixture
def recorder(keysite: Desk) -> Recorder:
    rec = Recorder()
    keysite.pm.register(rec)
    return rec


@pytest.fixture
def work_order(keysite: Desk) -> str:
    """A repair for 1-1-502, dispatched to the technician 赵强 and started."""
    number = tickets.intake(keysite, category="repair", unit="1-1-502", summary="厨房水管漏水",
                            by="王芳", at="2026-11-19 09:00")["number"]
    tickets.dispatch(keysite, number, "赵强", at="2026-11-19 09:10")
    tickets.start(keysite, number, at="2026-11-19 09:20")
    return number


def finish(desk: Desk, number: str, at: str = "2026-11-19 11:00") -> None:
    """Resolve and report back, so the next step is closing."""
    tickets.resolve(desk, number, "更换软管", at=at)
    tickets.report(desk, number, True, satisfaction=5, at=at)


def lend(desk: Desk, tag: str = "K-0502", ticket: str | None = None,
         **kw: Any) -> dict[str, Any]:
    """The custodian lends a key to 赵强 at 10:00 (with the owner's authorisation)."""
    from plugins.keys import service

    args = {"borrower": "赵强", "purpose": "入户维修", "ticket": ticket, "actor": "孙丽",
            "at": "2026-11-19 10:00", **AUTH} | kw
    return service.lend(desk, tag, **args)


def counts(desk: Desk) -> dict[str, int]:
    """Rows in every key table: a refusal must leave them all as they were."""
    from sqlalchemy import func, select

    from plugins.keys.models import MODELS

    with desk.sessions() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0
                for m in MODELS}
