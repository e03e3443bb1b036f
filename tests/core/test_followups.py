"""The follow-up queue (SPEC §4): sampling, every timing, owners, retries, the redo loop."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select

from core import deadlines, directory, followups, hookimpl, sampling, tickets
from core.config import parse_config
from core.desk import Desk
from core.errors import DomainError
from core.models import FollowupTask, Staff, Ticket, TicketEvent
from tests.conftest import Clock, make_desk

ALL = {"followup": {"rates": {"complaint": 1.0, "repair": 1.0, "paid_service": 1.0,
                              "default": 1.0}}}


def staffed(db_url: str, clock: Clock, raw: dict[str, Any] | None = None) -> Desk:
    d = make_desk(db_url, clock, config=parse_config(ALL if raw is None else raw))
    for code in ("1-1-101", "1-1-502", "2-1-301"):
        directory.add_unit(d, code, "业主", "13812345678")
    for name, role in [("王芳", "frontdesk"), ("刘洋", "supervisor"), ("陈静", "manager"),
                       ("赵强", "technician")]:
        directory.add_staff(d, name, role, "工程部" if role == "technician" else "客服部")
    return d


@pytest.fixture
def full(db_url: str, clock: Clock) -> Iterator[Desk]:
    """Every category followed up at 100 %: timings are tested without the draw."""
    d = staffed(db_url, clock)
    yield d
    d.engine.dispose()


def resolved(d: Desk, at: str = "2026-11-19 11:00", **kw: Any) -> str:
    args = {"category": "repair", "summary": "灯不亮", "unit": "1-1-502", "by": "王芳",
            "at": "2026-11-19 09:00"} | kw
    n = tickets.intake(d, **args)["number"]
    tickets.dispatch(d, n, "赵强", at="2026-11-19 09:10")
    tickets.start(d, n, at="2026-11-19 09:20")
    tickets.resolve(d, n, "已修复", at=at)
    return n


def tasks(d: Desk, n: str) -> list[dict[str, Any]]:
    with d.sessions() as s:
        rows = s.scalars(select(FollowupTask).join(Ticket).where(Ticket.number == n)
                         .order_by(FollowupTask.id)).unique()
        return [followups.task_view(t, d.tz) for t in rows]


# --------------------------------------------------------------------------- sampling


def bulk_resolved_repairs(d: Desk, count: int) -> None:
    """10,000 resolved repairs in one insert: the planner, not intake, is under test."""
    at = datetime(2026, 10, 1, 1, 0, tzinfo=UTC)
    with d.sessions.begin() as s:
        owner = s.scalar(select(Staff.id).where(Staff.name == "王芳"))
        s.execute(insert(Ticket), [{
            "number": f"GD-B-{i:05d}", "channel": "phone", "category": "repair",
            "nature": "general", "summary": "灯不亮", "owner_id": owner, "state": "closed",
            "received_at": at + timedelta(minutes=4 * i), "recorded_at": at,
            "closed_at": at + timedelta(minutes=4 * i + 60), "reopen_count": 0,
            "escalation_level": 0} for i in range(count)])


def drawn(d: Desk) -> tuple[set[str], int, int]:
    with d.sessions() as s:
        rows = s.execute(select(Ticket.number, FollowupTask.status, FollowupTask.method)
                         .join(Ticket)).all()
    return ({n for n, st, _ in rows if st != "skipped"}, len(rows),
            sum(m == "visit" for _, _, m in rows))


@pytest.mark.slow
def test_sampling_rate_within_tolerance_and_reproducible(db_url: str, clock: Clock) -> None:
    d = staffed(db_url, clock, {})  # the defaults: repairs at 30 %, 1 % in person
    bulk_resolved_repairs(d, 10_000)
    assert followups.plan_backlog(d) == {"planned": 10_000, "followups": len(drawn(d)[0]),
                                         "not_followed_imported": 0}
    first, planned, visits = drawn(d)
    assert planned == 10_000
    # binomial sd = sqrt(.3 × .7 / 10000) ≈ 0.0046: ±0.015 is more than 3 sd
    assert abs(len(first) / 10_000 - 0.30) < 0.015
    assert visits >= 100  # at least 1 % of all repairs in person
    assert followups.plan_backlog(d)["planned"] == 0  # decided once
    with d.sessions.begin() as s:
        s.execute(delete(FollowupTask))
    followups.plan_backlog(d)
    assert drawn(d)[0] == first  # same seed, same sample
    with d.sessions.begin() as s:
        s.execute(delete(FollowupTask))
    other = make_desk(db_url, clock, config=parse_config({"followup": {"seed": 7}}))
    followups.plan_backlog(other)
    second = drawn(other)[0]
    assert second != first and abs(len(second) / 10_000 - 0.30) < 0.015


def test_draw_is_uniform_and_keyed() -> None:
    draws = [sampling.draw(1, f"GD-{i}") for i in range(20_000)]
    assert all(0 <= u < 1 for u in draws)
    assert abs(sum(u < 0.1 for u in draws) / 20_000 - 0.1) < 0.01
    assert sampling.draw(1, "GD-1") == sampling.draw(1, "GD-1") != sampling.draw(2, "GD-1")
    assert sampling.draw(1, "GD-1", 0) != sampling.draw(1, "GD-1", 1)
    assert not sampling.visits_short(0, 99, 0.01) and sampling.visits_short(0, 100, 0.01)


def test_the_decision_is_stored_even_when_not_drawn(site: Desk) -> None:
    n = resolved(site)  # default 30 %: this ticket's draw decides
    (task,) = tasks(site, n)
    u = sampling.draw(site.config.followup.seed, n, 0)
    assert task["draw"] == pytest.approx(u, abs=1e-6) and task["rate"] == 0.3
    assert task["status"] == ("open" if u < 0.3 else "skipped")


# --------------------------------------------------------------------------- timings


@pytest.mark.parametrize(("kw", "kind", "due", "role"), [
    ({}, "standard", "2026-12-03T18:00:00+08:00", "frontdesk"),          # repair: 10 wd
    ({"severity": "urgent"}, "urgent", "2026-11-20T11:00:00+08:00", "frontdesk"),  # 24 h
    ({"category": "paid_service", "summary": "疏通"}, "standard",
     "2026-11-20T18:00:00+08:00", "frontdesk"),                          # 1 wd
    ({"category": "issue_report", "summary": "路灯坏"}, "standard",
     "2026-11-26T11:00:00+08:00", "frontdesk"),                          # other: a week
])
def test_timings_after_resolution(full: Desk, kw: dict, kind: str, due: str,
                                  role: str) -> None:
    (task,) = tasks(full, resolved(full, **kw))
    assert (task["kind"], task["status"], task["due_at"], task["owner_role"]) == (
        kind, "open", due, role)
    assert task["assignee"] == "王芳"


@pytest.mark.parametrize(("severity", "role", "assignee"), [
    ("major", "manager", None), ("important", "supervisor", None), ("minor", "frontdesk", "王芳")])
def test_complaints_are_due_three_working_days_after_closing(
        full: Desk, severity: str, role: str, assignee: str | None) -> None:
    n = resolved(full, category="complaint", severity=severity, summary="电梯故障")
    first, task = tasks(full, n)  # the first call 24 h after intake is on by default
    assert (first["kind"], first["status"], first["due_at"]) == (
        "first_call", "open", "2026-11-20T09:00:00+08:00")
    assert (task["status"], task["waits_for"], task["due_at"]) == ("waiting", "close", None)
    tickets.report(full, n, True, at="2026-11-19 12:00")  # reporting back is that call
    tickets.close(full, n, at="2026-11-20 09:00")  # Fri → Mon 23, Tue 24, Wed 25
    first, task = tasks(full, n)
    assert (first["status"], first["done_at"]) == ("done", "2026-11-19T12:00:00+08:00")
    assert (task["status"], task["due_at"]) == ("open", "2026-11-25T18:00:00+08:00")
    assert (task["owner_role"], task["assignee"]) == (role, assignee)


def test_leak_repairs_wait_for_the_first_rainy_day(full: Desk, clock: Clock) -> None:
    n = resolved(full, summary="卫生间水管漏水", topic="水管漏水")
    (task,) = tasks(full, n)
    assert (task["kind"], task["status"], task["waits_for"]) == ("leak", "waiting", "rain")
    with pytest.raises(DomainError, match="in advance"):
        followups.mark_rainy(full, "2026-11-21")
    assert followups.mark_rainy(full, "2026-11-20")["started"] == [n]
    (task,) = tasks(full, n)  # Friday's rain: due the next working day, Monday 18:00
    assert (task["status"], task["due_at"]) == ("open", "2026-11-23T18:00:00+08:00")
    clock.at = datetime(2026, 11, 25, 2, tzinfo=UTC)
    later = resolved(full, at="2026-11-24 10:00", summary="阳台渗水")
    (fresh,) = tasks(full, later)
    assert fresh["status"] == "waiting"  # the rain before its repair does not count
    assert followups.rainy_days(full) == ["2026-11-20"]


def test_major_engineering_repairs_are_followed_up_twice(db_url: str, clock: Clock) -> None:
    d = staffed(db_url, clock, {})  # default rates: major repairs are always followed up
    n = resolved(d, severity="important", summary="外墙空鼓修复")
    first, second = tasks(d, n)
    assert (first["kind"], first["status"], first["due_at"]) == (
        "standard", "open", "2026-12-03T18:00:00+08:00")
    assert (second["kind"], second["due_at"]) == ("second", "2027-01-18T11:00:00+08:00")
    followups.record(d, n, method="phone", satisfaction=5, at="2026-11-20 09:00")
    assert [t["status"] for t in tasks(d, n)] == ["done", "open"]


def test_dissatisfied_reopen_redo_follow_up_until_satisfied(full: Desk) -> None:
    n = resolved(full)
    out = followups.record(full, n, method="phone", satisfaction=2, fixed=False,
                           at="2026-11-19 15:00")
    assert out["state"] == "dispatched" and out["followup"]["task"] == "standard"
    redo_clock = [c for c in out["clocks"] if c["name"] == "resolve"][-1]
    assert redo_clock["due_at"] == "2026-11-20T15:00:00+08:00"  # the redo: within 24 h
    tickets.start(full, n, at="2026-11-19 16:00")
    tickets.resolve(full, n, "更换整套灯具", at="2026-11-19 17:00")
    first, redo = tasks(full, n)
    assert first["status"] == "done"
    assert (redo["kind"], redo["round"], redo["status"], redo["due_at"], redo["reason"]) == (
        "redo", 1, "open", "2026-11-20T17:00:00+08:00", "reopened rate 1")
    done = followups.record(full, n, method="visit", satisfaction=5, fixed=True,
                            at="2026-11-20 09:00")
    assert done["state"] == "resolved" and not done["followup"]["reopened"]
    assert [t["status"] for t in tasks(full, n)] == ["done", "done"]


def test_a_reopened_ticket_cancels_its_pending_follow_up(full: Desk) -> None:
    n = resolved(full)
    tickets.report(full, n, False, at="2026-11-19 12:00")
    assert [t["status"] for t in tasks(full, n)] == ["cancelled"]


def test_unreachable_retries_then_escalates(full: Desk) -> None:
    class Rec:
        calls: list[dict] = []

        @hookimpl
        def followup_escalated(self, ticket: dict, task: dict) -> None:
            self.calls.append(task)

    full.pm.register(Rec())
    n = resolved(full)
    one = followups.unreachable(full, n, at="2026-11-19 14:00", actor="王芳")
    assert (one["attempts"], one["next_attempt_at"]) == (1, "2026-11-19T18:00:00+08:00")
    followups.unreachable(full, n, at="2026-11-19 18:30", actor="王芳")
    assert Rec.calls == []
    third = followups.unreachable(full, n, at="2026-11-20 09:00", actor="王芳")
    assert (third["owner_role"], third["assignee"], third["escalation_level"]) == (
        "supervisor", None, 1)
    assert [c["owner_role"] for c in Rec.calls] == ["supervisor"]
    assert followups.due(full, mine="王芳") == []
    assert [t["number"] for t in followups.due(full, mine="刘洋")] == [n]
    with full.sessions() as s:
        kinds = list(s.scalars(select(TicketEvent.kind).join(Ticket).where(
            Ticket.number == n).order_by(TicketEvent.id)))
    assert kinds.count("followup_unreachable") == 3 and kinds[-1] == "followup_escalated"


def test_watcher_records_follow_up_breach_once_and_escalates(full: Desk, clock: Clock) -> None:
    n = resolved(full, severity="urgent")  # due 2026-11-20 11:00; at risk from 06:12
    risk = deadlines.check(full)  # 10:00
    assert [(r["number"], r["name"]) for r in risk["at_risk"]] == [(n, "followup")]
    assert deadlines.check(full)["at_risk"] == []
    clock.at = datetime(2026, 11, 20, 4, tzinfo=UTC)  # 12:00
    out = deadlines.check(full)
    assert [(b["number"], b["name"], b["escalated_to"]) for b in out["breached"]] == [
        (n, "followup", "supervisor")]
    assert deadlines.check(full)["breached"] == []
    assert [t["number"] for t in followups.due(full, overdue=True)] == [n]
    assert followups.due(full, overdue=True)[0]["overdue"] is True


def test_hook_followup_scheduled(full: Desk) -> None:
    seen: list[tuple[str, dict]] = []

    class Rec:
        @hookimpl
        def followup_scheduled(self, ticket: dict, task: dict) -> None:
            seen.append((ticket["number"], task))

    full.pm.register(Rec())
    n = resolved(full, severity="urgent")
    assert [(num, t["kind"], t["due_at"]) for num, t in seen] == [
        (n, "urgent", "2026-11-20T11:00:00+08:00")]


def test_hook_followup_escalated(full: Desk) -> None:
    seen: list[dict] = []

    class Rec:
        @hookimpl
        def followup_escalated(self, ticket: dict, task: dict) -> None:
            seen.append(ticket)

    full.pm.register(Rec())
    n = resolved(full)
    for hour in (12, 13, 14):
        followups.unreachable(full, n, at=f"2026-11-19 {hour}:00")
    assert [t["number"] for t in seen] == [n]


# --------------------------------------------------------------------------- CLI


def test_followup_cli(run, db_url: str) -> None:
    assert run("init").exit_code == 0
    for args in (["unit", "add", "1-1-502"], ["staff", "add", "王芳", "--role", "frontdesk"],
                 ["staff", "add", "赵强", "--role", "technician"]):
        assert run(*args).exit_code == 0
    n = json.loads(run("ticket", "new", "--category", "报修", "--severity", "紧急", "--unit",
                       "1-1-502", "--summary", "停电", "--by", "王芳", "--at",
                       "2026-11-19 09:00", "--json").output)["number"]
    for step in (["dispatch", n, "--to", "赵强"], ["start", n], ["resolve", n, "--result", "好"]):
        assert run("ticket", *step, "--at", "2026-11-19 10:00").exit_code == 0
    queue = json.loads(run("--as", "王芳", "followup", "due", "--mine", "--json").output)
    assert [(q["number"], q["kind"]) for q in queue] == [(n, "urgent")]
    assert "urgent" in run("followup", "due").output
    bad = run("followup", "record", n, "--method", "电话", "--satisfaction", "9")
    assert bad.exit_code == 2 and bad.output.count("\n") == 1 and "satisfaction" in bad.output
    assert run("followup", "rain", "not-a-day").exit_code == 2
    out = run("followup", "record", n, "--unreachable", "--at", "2026-11-19 11:00")
    assert out.exit_code == 0 and "unreachable (1x)" in out.output
    ok = run("followup", "record", n, "--method", "电话", "--satisfaction", "5", "--fixed",
             "--at", "2026-11-19 12:00")
    assert ok.exit_code == 0 and "follow-up recorded" in ok.output
    assert run("followup", "due", "--json").output.strip() == "[]"
    with make_desk(db_url, Clock()).sessions() as s:
        assert s.scalar(select(func.count()).select_from(FollowupTask)) == 1
