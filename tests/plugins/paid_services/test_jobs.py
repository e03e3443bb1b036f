"""Quote, consent, the work order and its completion (SPEC §6.4, 入户维修服务规程)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from core import tickets
from core.desk import Desk
from core.errors import DomainError, TransitionRefused
from core.models import FollowupTask, Ticket, TicketEvent
from core.queries import show_ticket
from plugins.paid_services import decisions, jobs, printing
from plugins.paid_services.models import Job, JobLine

from .conftest import completed, on_site, open_job


def counts(desk: Desk) -> tuple[Any, ...]:
    with desk.sessions() as s:
        return tuple(s.scalar(select(func.count()).select_from(m))
                     for m in (Job, JobLine, TicketEvent)) + tuple(
            s.execute(select(Job.status, Job.signed_at, Job.completed_at)).all())


def test_the_whole_work_order(priced: Desk) -> None:
    job = on_site(priced)
    assert job["checklist"] == dict.fromkeys(jobs.CHECKLIST, True)
    assert (job["labour_fen"], job["materials_fen"], job["total_fen"]) == (6000, 5100, 11100)
    events = [e["kind"] for e in show_ticket(priced, job["ticket"])["events"]]
    assert "contacted" in events and "started" in events  # the call before leaving is logged
    done = completed(priced, "2026-11-19")
    assert done["status"] == "completed" and done["signed_name"] == "李女士"
    assert show_ticket(priced, done["ticket"])["state"] == "resolved"


def test_completion_is_refused_without_a_signature(priced: Desk) -> None:
    job = on_site(priced)
    before = counts(priced)
    with pytest.raises(TransitionRefused) as err:
        jobs.complete(priced, job["number"], actor="赵强", at="2026-11-18T15:05")
    assert err.value.field == "signature"
    assert counts(priced) == before
    assert show_ticket(priced, job["ticket"])["state"] == "in_progress"


def test_a_completed_paid_service_enters_the_follow_up_queue(priced: Desk) -> None:
    """The core follows up paid services 100 % within 1 working day: not duplicated here."""
    job = completed(priced)
    with priced.sessions() as s:
        [task] = s.scalars(select(FollowupTask).join(Ticket).where(
            Ticket.number == job["ticket"], FollowupTask.kind != "first_call")).all()
        assert (task.status, task.rate, task.policy) == ("open", 1.0, "1wd")
        assert task.due_at is not None
        assert task.due_at.isoformat().startswith("2026-11-19T10:00")  # 18:00 next working day


def test_the_arrival_needs_the_call_first(priced: Desk) -> None:
    job = open_job(priced)
    jobs.accept(priced, job["number"], "2026-11-18T14:00", actor="王芳", at="2026-11-18T09:06")
    jobs.issue(priced, job["number"], ["赵强"], actor="王芳", at="2026-11-18T09:10")
    with pytest.raises(TransitionRefused) as err:
        jobs.arrive(priced, job["number"], ["mat"], actor="赵强", at="2026-11-18T14:00")
    assert err.value.field == "call"


def test_refusal_closes_the_ticket_as_declined(priced: Desk) -> None:
    job = open_job(priced)
    out = jobs.refuse(priced, job["number"], "嫌贵，自己找人修", actor="王芳",
                      at="2026-11-18T09:30")
    assert (out["status"], out["refusal_reason"], out["total_fen"]) == \
        ("declined", "嫌贵，自己找人修", 0)
    ticket = show_ticket(priced, job["ticket"])
    assert ticket["state"] == "closed" and "嫌贵，自己找人修" in ticket["result"]
    # the history records only what happened: taken in, then withdrawn (no work done)
    assert [e["kind"] for e in ticket["events"]] == ["received", "withdrawn"]
    assert ticket["events"][-1]["actor"] == "王芳"
    with pytest.raises(TransitionRefused):
        jobs.accept(priced, job["number"], "2026-11-18T14:00")


def test_refusal_reclassified_free_continues_as_a_repair(priced: Desk) -> None:
    job = open_job(priced)
    out = jobs.refuse(priced, job["number"], "属精装修遗留问题", free=True, actor="王芳",
                      at="2026-11-18T09:30")
    assert out["status"] == "free"
    ticket = show_ticket(priced, job["ticket"])
    assert (ticket["category"], ticket["state"]) == ("repair", "received")
    assert decisions.history(priced, job["ticket"])[-1]["decision"] == "warranty"


def test_a_refusal_needs_its_reason(priced: Desk) -> None:
    job = open_job(priced)
    before = counts(priced)
    with pytest.raises(DomainError) as err:
        jobs.refuse(priced, job["number"], "  ")
    assert err.value.field == "reason" and counts(priced) == before


@pytest.mark.parametrize("items, field", [
    ((("PS-99", "1"),), "item"),
    ((("PS-01", "-1"),), "quantity"),
    ((("PS-01", "0"),), "quantity"),
    ((("PS-01", "1"), ("PS-02", "x")), "quantity"),
])
def test_bad_quotes_write_nothing(priced: Desk, items: Any, field: str) -> None:
    job = open_job(priced)
    t = tickets.intake(priced, category="paid_service", summary="疏通", unit="1-1-101",
                       by="王芳", at="2026-11-18T10:00")
    before = counts(priced)
    with pytest.raises(DomainError) as err:
        jobs.quote(priced, t["number"], list(items), at="2026-11-18T10:05")
    assert err.value.field == field and counts(priced) == before
    assert job["status"] == "quoted"


def test_the_printed_work_order(priced: Desk) -> None:
    job = completed(priced)
    page = printing.work_order_html(priced, job["number"])
    assert page.count(f"No. {job['number']}") == 3
    for copy in ("desk copy", "technician copy", "customer copy"):
        assert copy in page
    assert "PS-01" in page and "更换水龙头 replace a tap" in page and "水龙头" in page
    assert page.count("<th>111.00</th>") == 3  # the total, on every copy
    assert page.count("业主签字 Customer signature") == 3 and "李女士" in page


def test_the_signed_work_order_is_offered_to_the_household_file(priced: Desk) -> None:
    from core import hookimpl

    offered: list[dict[str, Any]] = []

    class Archive:
        @hookimpl
        def archive_record_offered(self, record: dict[str, Any]) -> None:
            offered.append(record)

    priced.pm.register(Archive(), name="test-archive")
    job = completed(priced)
    [record] = [r for r in offered if r["source"] == "paid_services"]
    assert (record["unit"], record["kind"]) == ("1-1-502", "daily")
    assert record["data"]["number"] == job["number"] and record["data"]["total_fen"] == 11100
