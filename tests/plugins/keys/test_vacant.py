"""Vacant units whose keys are held: monthly tasks, generated once; an anomaly opens a ticket."""

from __future__ import annotations

import pytest

from core import directory
from core.desk import Desk
from core.errors import DomainError, TransitionRefused
from core.queries import show_ticket
from plugins.keys import service, vacant


@pytest.fixture
def held(keysite: Desk) -> Desk:
    directory.add_unit(keysite, "3-2-1801")
    service.register_key(keysite, "K-1801", "entrusted", unit="3-2-1801",
                         entrusted_by="周先生", entrusted_on="2026-09-01",
                         entrustment_ref="WT-2026-020", actor="孙丽", at="2026-11-01 08:00")
    return keysite


def test_tasks_are_generated_once_a_month(held: Desk) -> None:
    assert vacant.generate(held, "2026-11", actor="孙丽") == {
        "month": "2026-11", "units": 1, "generated": 3}
    assert vacant.generate(held, "2026-11", actor="孙丽")["generated"] == 0
    tasks = vacant.list_tasks(held, "2026-11")
    assert [(t["unit"], t["kind"]) for t in tasks] == [
        ("3-2-1801", "inspection"), ("3-2-1801", "airing"), ("3-2-1801", "cleaning")]
    assert vacant.generate(held, actor="孙丽")["month"] == "2026-11"  # this month
    with pytest.raises(DomainError):
        vacant.generate(held, "2026-13", actor="孙丽")


def test_a_task_done_and_an_anomaly_that_opens_a_ticket(held: Desk) -> None:
    vacant.generate(held, "2026-11", actor="孙丽")
    inspection, airing, _ = vacant.list_tasks(held, "2026-11")
    done = vacant.record(held, airing["id"], note="开窗两小时", actor="孙丽")
    assert done["done_by"] == "孙丽" and done["ticket"] is None
    found = vacant.record(held, inspection["id"], anomaly="卫生间天花板渗水", actor="孙丽")
    ticket = show_ticket(held, found["ticket"])
    assert ticket["category"] == "issue_report" and ticket["unit"] == "3-2-1801"
    assert "渗水" in ticket["summary"] and ticket["reporter"] == "孙丽"
    assert ticket["owner"] == "刘洋"  # passed to the desk: a custodian owns no ticket
    with pytest.raises(TransitionRefused):
        vacant.record(held, inspection["id"], actor="孙丽")
    assert [t["kind"] for t in vacant.list_tasks(held, "2026-11", open_only=True)] == [
        "cleaning"]
    history = [h["action"] for h in service.unit_history(held, "3-2-1801")]
    assert history[-3:] == ["task_done", "task_done", "anomaly_ticket"]
