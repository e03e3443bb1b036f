"""The ticket service: lifecycle, state machine, clocks, handover, append-only history."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from core import followups, tickets
from core.desk import Desk
from core.errors import DomainError, NotFound, TransitionRefused
from core.models import SLAClock, Ticket, TicketEvent
from tests.conftest import Clock


def new(site: Desk, **kw: object) -> dict:
    args = {"category": "repair", "summary": "厨房水龙头漏水", "unit": "1-1-502", "by": "王芳",
            "at": "2026-11-19 09:00"} | kw
    return tickets.intake(site, **args)  # type: ignore[arg-type]


def test_full_lifecycle_records_every_step(site: Desk) -> None:
    t = new(site)
    n = t["number"]
    assert n == "GD-20261119-0001"
    assert t["state"] == "received" and t["owner"] == "王芳"
    assert t["deadlines"] == {"reply": "2026-11-20T09:00:00+08:00", "resolve": None,
                              "communication": "2026-11-22T09:00:00+08:00"}  # 3 days
    tickets.dispatch(site, n, "赵强", actor="王芳", at="2026-11-19 09:10")
    tickets.start(site, n, actor="赵强", at="2026-11-19 10:00")
    tickets.resolve(site, n, "更换阀芯", actor="赵强", at="2026-11-19 11:00")
    tickets.report(site, n, True, satisfaction=5, signed=True, actor="王芳",
                   at="2026-11-19 11:30")
    done = tickets.close(site, n, actor="王芳", at="2026-11-19 11:40")
    assert done["state"] == "closed"
    assert [e["kind"] for e in done["events"]] == [
        "received", "dispatched", "started", "resolved", "reported", "closed"]
    assert done["assignee"] == "赵强" and done["department"] == "工程部"
    reply = next(c for c in done["clocks"] if c["name"] == "reply")
    assert reply["met_at"] == "2026-11-19T11:00:00+08:00"


def test_numbers_count_per_receipt_day(site: Desk) -> None:
    assert new(site)["number"] == "GD-20261119-0001"
    assert new(site)["number"] == "GD-20261119-0002"
    assert new(site, at="2026-11-18 23:59")["number"] == "GD-20261118-0001"


def test_inquiry_answered_on_the_spot(site: Desk) -> None:
    t = new(site, category="咨询", answer="物业费可在App缴纳")
    assert t["state"] == "resolved"
    assert all(c["met_at"] for c in t["clocks"])
    with pytest.raises(DomainError, match="answer"):
        new(site, category="repair", answer="x")


def test_complaint_needs_severity_and_important_ones_notify(site: Desk) -> None:
    with pytest.raises(DomainError) as err:
        new(site, category="投诉")
    assert err.value.field == "severity"
    t = new(site, category="投诉", severity="重大")
    assert t["nature"] == "important"
    notified = [e for e in t["events"] if e["kind"] == "notified"]
    assert notified[0]["data"]["to"] == "manager"


@pytest.mark.parametrize(("action", "state"), [
    (lambda d, n: tickets.close(d, n), "received"),
    (lambda d, n: tickets.start(d, n), "received"),
    (lambda d, n: tickets.report(d, n, True), "received"),
    (lambda d, n: tickets.resolve(d, n, "done"), "received"),
])
def test_illegal_transitions_are_refused_and_write_nothing(site: Desk, action, state) -> None:
    n = new(site)["number"]
    with site.sessions() as s:
        before = s.scalar(select(func.count()).select_from(TicketEvent))
    with pytest.raises(TransitionRefused):
        action(site, n)
    with site.sessions() as s:
        assert s.scalar(select(func.count()).select_from(TicketEvent)) == before
        assert s.scalar(select(Ticket.state).where(Ticket.number == n)) == state


def test_dissatisfied_report_reopens_with_a_24h_redo_clock(site: Desk) -> None:
    n = new(site)["number"]
    tickets.dispatch(site, n, "工程部", at="2026-11-19 09:05")
    tickets.start(site, n, at="2026-11-19 09:30")
    tickets.resolve(site, n, "已修", at="2026-11-19 10:00")
    t = tickets.report(site, n, False, satisfaction=2, at="2026-11-19 12:00")
    assert t["state"] == "dispatched" and t["reopen_count"] == 1
    assert t["deadlines"]["resolve"] == "2026-11-20T12:00:00+08:00"  # redo within 24 h
    assert [e["kind"] for e in t["events"]][-2:] == ["reported", "reopened"]


def test_reopen_after_close_counts_and_restarts_the_clock(site: Desk) -> None:
    n = new(site, category="complaint", severity="minor")["number"]
    for fn, args in [(tickets.dispatch, ("李娜",)), (tickets.start, ()),
                     (tickets.resolve, ("已处理",)), (tickets.report, (True,)),
                     (tickets.close, ())]:
        fn(site, n, *args, at="2026-11-19 10:00")
    t = tickets.reopen(site, n, "业主再次来电", at="2026-11-19 15:00")
    assert t["state"] == "dispatched" and t["reopen_count"] == 1 and t["closed_at"] is None
    rounds = [c for c in t["clocks"] if c["name"] == "resolve"]
    assert [c["round"] for c in rounds] == [1, 2]
    assert rounds[1]["due_at"] == "2026-11-20T18:00:00+08:00"  # 1 working day again


def test_pause_extends_and_resume_recomputes(site: Desk) -> None:
    n = new(site, category="complaint", severity="important", at="2026-11-16 09:00")["number"]
    t = tickets.pause(site, n, "等待业主提供照片", at="2026-11-16 10:00")
    assert all(c["paused"] for c in t["clocks"])
    t = tickets.resume(site, n, at="2026-11-16 14:00")
    # 2 working days → Wed 18 Nov 18:00, plus 4 working hours paused → Thu 19 Nov 12:30
    assert t["deadlines"]["resolve"] == "2026-11-19T12:30:00+08:00"
    with pytest.raises(TransitionRefused):
        tickets.resume(site, n, at="2026-11-16 15:00")


def test_contact_meets_the_reply_clock(site: Desk) -> None:
    n = new(site, category="complaint", severity="major", at="2026-11-19 09:00")["number"]
    t = tickets.contact(site, n, "已致电业主致歉并说明安排", at="2026-11-19 10:30")
    reply = next(c for c in t["clocks"] if c["name"] == "reply")
    assert reply["met_at"] == "2026-11-19T10:30:00+08:00"


def test_reclassify_recomputes_and_records_why(site: Desk) -> None:
    n = new(site, category="complaint", severity="minor", at="2026-11-16 09:00")["number"]
    assert tickets.reclassify(site, n, "业主媒体曝光", severity="major",
                              at="2026-11-16 10:00")["deadlines"] == {
        "reply": "2026-11-16T11:00:00+08:00", "resolve": "2026-11-19T18:00:00+08:00"}
    t = tickets.reclassify(site, n, "实为报修", category="repair", at="2026-11-16 10:05")
    assert t["severity"] is None
    assert t["deadlines"] == {"reply": "2026-11-17T09:00:00+08:00", "resolve": None,
                              "communication": "2026-11-19T09:00:00+08:00"}
    ev = [e for e in t["events"] if e["kind"] == "reclassified"][-1]["data"]
    assert ev["before"]["category"] == "complaint" and ev["after"]["category"] == "repair"
    assert ev["reason"] == "实为报修" and ev["clocks"]["resolve"] == {"from": "3wd", "to": None}


def test_escalation_goes_to_the_manager_for_major_complaints(site: Desk) -> None:
    n = new(site, category="complaint", severity="major")["number"]
    m = new(site, category="complaint", severity="minor")["number"]
    assert tickets.escalate(site, n, "业主要求经理处理")["events"][-1]["data"]["to"] == "manager"
    assert tickets.escalate(site, m, "超时")["events"][-1]["data"]["to"] == "supervisor"


def test_handover_moves_only_open_tickets_one_event_each(site: Desk) -> None:
    a, b = new(site)["number"], new(site)["number"]
    c = new(site, category="inquiry", answer="已答复")["number"]
    for fn, args in [(tickets.report, (True,)), (tickets.close, ())]:
        fn(site, c, *args, at="2026-11-19 10:00")
    moved = tickets.handover(site, "王芳", "李娜", note="夜班交接", at="2026-11-19 17:30")
    assert sorted(moved) == sorted([a, b])
    with site.sessions() as s:
        owners = dict(s.execute(text("SELECT t.number, s.name FROM tickets t JOIN staff s "
                                     "ON s.id = t.owner_id")).all())
    assert owners[a] == owners[b] == "李娜" and owners[c] == "王芳"
    with pytest.raises(NotFound):
        tickets.handover(site, "王芳", "nobody")


def test_time_rules(site: Desk, clock: Clock) -> None:
    with pytest.raises(DomainError, match="future"):
        new(site, at=(clock.at + timedelta(hours=1)).isoformat())
    n = new(site, at="2026-11-19 09:00")["number"]
    with pytest.raises(DomainError) as err:
        tickets.dispatch(site, n, "赵强", at="2026-11-19 08:00")
    assert err.value.field == "at" and "before the ticket's last event" in err.value.message
    with pytest.raises(DomainError, match="ISO 8601"):
        tickets.dispatch(site, n, "赵强", at="yesterday")
    t = tickets.dispatch(site, n, "赵强", at="2026-11-19T01:30:00Z")  # UTC input
    assert t["events"][-1]["at"] == "2026-11-19T09:30:00+08:00"


def test_unknown_references_name_their_field(site: Desk) -> None:
    for kw, field in [({"unit": "9-9-999"}, "unit"), ({"by": "nobody"}, "by"),
                      ({"category": "xyz"}, "category"), ({"channel": "fax"}, "channel"),
                      ({"severity": "huge", "category": "complaint"}, "severity")]:
        with pytest.raises(DomainError) as err:
            new(site, **kw)
        assert err.value.field == field
    with site.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 0


def test_history_is_append_only_in_the_database(site: Desk) -> None:
    new(site)
    for sql in ("UPDATE ticket_events SET kind = 'x'", "DELETE FROM ticket_events"):
        with pytest.raises(DBAPIError, match="append-only"), site.engine.begin() as conn:
            conn.execute(text(sql))
    with site.sessions() as s:
        assert s.scalar(select(TicketEvent.kind)) == "received"


def test_followup_dissatisfied_reopens(site: Desk) -> None:
    n = new(site, category="inquiry", answer="已答复")["number"]
    with pytest.raises(DomainError) as err:
        followups.record(site, n, method="phone", satisfaction=6)
    assert err.value.field == "satisfaction"
    t = followups.record(site, n, method="电话", satisfaction=2, comment="没有解决")
    assert t["followup"]["reopened"] and t["state"] == "dispatched"


def test_clocks_are_stored_in_utc(site: Desk) -> None:
    new(site, category="complaint", severity="major", at="2026-11-19 09:00")
    with site.sessions() as s:
        due = s.scalar(select(SLAClock.due_at).where(SLAClock.clock == "reply"))
    assert due == datetime.fromisoformat("2026-11-19T03:00:00+00:00")
