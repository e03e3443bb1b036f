"""Clock rules through the CLI: deadlines follow calendar changes, the communication clock
of repairs, pauses (at-risk from the remaining time, never late while paused), and a
reclassified redo round. Dates around the 2026 National Day and Spring Festival, their
adjusted workdays (调休), and into 2027 under a site `[calendar]` override.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

Run = Callable[..., Result]

TYPHOON = '[calendar]\nholidays = [{ date = "2026-10-09", name = "台风停工" }]\n'


@pytest.fixture
def ready(run: Run) -> Run:
    assert run("init").exit_code == 0
    for args in (["unit", "add", "1-1-502", "--owner", "李女士", "--phone", "13812345678"],
                 ["staff", "add", "王芳", "--role", "客服员", "--department", "客服部"],
                 ["staff", "add", "赵强", "--role", "technician", "--department", "工程部"]):
        assert run(*args).exit_code == 0
    return run


def ok(run: Run, *args: str) -> Any:
    result = run(*args, "--json")
    assert result.exit_code == 0, (args, result.output, result.stderr)
    return json.loads(result.output)


def site(tmp_path: Path, text: str) -> None:
    """The site configuration every following command reads (./propdesk.toml)."""
    (tmp_path / "propdesk.toml").write_text(text, encoding="utf-8")


def new(run: Run, at: str, category: str = "投诉", severity: str | None = "重大") -> str:
    args = ["ticket", "new", "--category", category, "--unit", "1-1-502", "--summary",
            "电梯困人", "--by", "王芳", "--at", at]
    if severity:
        args += ["--severity", severity]
    return str(ok(run, *args)["number"])


def clock(view: dict[str, Any], name: str, round_: int = 1) -> dict[str, Any]:
    return next(c for c in view["clocks"] if c["name"] == name and c["round"] == round_)


# --------------------------------------------------------------------------- calendar changes


def test_a_typhoon_day_reprices_open_deadlines_once(ready: Run, tmp_path: Path) -> None:
    n = new(ready, "2026-09-30 15:00")  # the SPEC §3 example
    assert ok(ready, "ticket", "show", n)["deadlines"] == {
        "reply": "2026-09-30T17:00:00+08:00", "resolve": "2026-10-10T18:00:00+08:00"}
    closed = new(ready, "2026-09-29 09:00")  # finished before the change: never repriced
    for step in (["dispatch", closed, "--to", "赵强"], ["start", closed],
                 ["resolve", closed, "--result", "已处理"]):
        ok(ready, "ticket", *step, "--at", "2026-09-29 12:00")
    first = ok(ready, "calendar", "apply", "--at", "2026-10-08 09:00")
    assert first["applied"] and first["moved"] == []  # the calendar it was priced with

    site(tmp_path, TYPHOON)
    # not applied yet: the stored deadline stands, and explain says it will move
    assert ok(ready, "ticket", "show", n)["deadlines"]["resolve"] == "2026-10-10T18:00:00+08:00"
    explained = ready("sla", "explain", n).output
    assert "skipped 2026-10-09 (Fri): site holiday: 台风停工" in explained
    assert "`propdesk calendar apply`" in explained and "2026-10-12T18:00:00+08:00" in explained
    assert "differs: `propdesk calendar apply`" in ready("calendar", "show", "2026-10").output

    done = ok(ready, "calendar", "apply", "--at", "2026-10-08 20:00")
    assert done["applied"] and "2026-10-09 site holiday: 台风停工" in done["why"]
    assert done["moved"] == [{"number": n, "clock": "resolve", "round": 1,
                              "from": "2026-10-10T18:00:00+08:00",
                              "to": "2026-10-12T18:00:00+08:00"}]
    t = ok(ready, "ticket", "show", n)
    assert t["deadlines"] == {"reply": "2026-09-30T17:00:00+08:00",
                              "resolve": "2026-10-12T18:00:00+08:00"}
    ev = [e for e in t["events"] if e["kind"] == "deadline_repriced"]
    assert len(ev) == 1 and ev[0]["at"] == "2026-10-08T20:00:00+08:00"
    assert ev[0]["data"]["from"] == "2026-10-10T18:00:00+08:00"
    assert ev[0]["data"]["to"] == "2026-10-12T18:00:00+08:00"
    assert ev[0]["data"]["why"] == "calendar change: 2026-10-09 site holiday: 台风停工"
    assert all(e["kind"] != "deadline_repriced"
               for e in ok(ready, "ticket", "show", closed)["events"])
    # ticket show, sla explain and the check agree
    explain = ok(ready, "sla", "explain", n)
    resolve = next(c for c in explain["clocks"] if c["name"] == "resolve")
    assert resolve["due_at"] == "2026-10-12T18:00:00+08:00"
    assert "due at close of business on 2026-10-12: 2026-10-12T18:00+08:00" in resolve["steps"]
    assert not any("was priced with another calendar" in s for s in resolve["steps"])
    assert any(s.startswith("repriced 2026-10-08T20:00:00+08:00") for s in resolve["steps"])
    # calendar show lists the move on both days; the text names it once
    days = {d["date"]: d for d in ok(ready, "calendar", "show", "2026-10")}
    assert [m["number"] for m in days["2026-10-10"]["moved"]] == [n]
    assert [m["to"] for m in days["2026-10-12"]["moved"]] == ["2026-10-12T18:00:00+08:00"]
    shown = ready("calendar", "show", "2026-10").output
    assert shown.count(f"{n} resolve (round 1): 2026-10-10T18:00:00+08:00 → "
                       "2026-10-12T18:00:00+08:00") == 1
    assert "differs" not in shown
    # idempotent: a second apply writes nothing
    again = ok(ready, "calendar", "apply", "--at", "2026-10-08 21:00")
    assert not again["applied"] and again["moved"] == []
    assert len([e for e in ok(ready, "ticket", "show", n)["events"]
                if e["kind"] == "deadline_repriced"]) == 1
    assert "already applied" in ready("calendar", "apply").output


def test_the_check_reprices_first_and_never_breaches_a_day_early(ready: Run,
                                                                 tmp_path: Path) -> None:
    n = new(ready, "2026-09-30 15:00")
    ok(ready, "ticket", "contact", n, "--note", "已致电业主", "--at", "2026-09-30 16:00")
    ok(ready, "sla", "check", "--at", "2026-10-01 09:00")  # priced with the official calendar
    site(tmp_path, TYPHOON)
    # the old deadline (10-10 18:00) has passed, the new one (10-12 18:00) has not
    result = ok(ready, "sla", "check", "--at", "2026-10-11 09:00")
    assert [r for r in result["breached"] if r["number"] == n] == []
    t = ok(ready, "ticket", "show", n)
    assert t["deadlines"]["resolve"] == "2026-10-12T18:00:00+08:00"
    assert t["escalation_level"] == 0
    assert [e["data"]["clock"] for e in t["events"] if e["kind"] == "deadline_repriced"] == [
        "resolve"]
    late = ok(ready, "sla", "check", "--at", "2026-10-12 18:30")["breached"]
    assert [(r["number"], r["name"], r["due_at"]) for r in late] == [
        (n, "resolve", "2026-10-12T18:00:00+08:00")]


def test_a_breach_the_new_calendar_does_not_support_is_lifted(ready: Run,
                                                              tmp_path: Path) -> None:
    n = new(ready, "2026-09-30 15:00")
    ok(ready, "ticket", "contact", n, "--note", "已致电业主", "--at", "2026-09-30 16:00")
    breached = ok(ready, "sla", "check", "--at", "2026-10-10 18:30")["breached"]
    assert [r["name"] for r in breached] == ["resolve"]
    site(tmp_path, TYPHOON)  # declared afterwards: the 9th was not a working day after all
    ok(ready, "calendar", "apply", "--at", "2026-10-10 19:00")
    t = ok(ready, "ticket", "show", n)
    resolve = clock(t, "resolve")
    assert resolve["due_at"] == "2026-10-12T18:00:00+08:00" and resolve["breached_at"] is None
    moved = [e for e in t["events"] if e["kind"] == "deadline_repriced"][0]["data"]
    assert moved["lifted"] == ["breach recorded 2026-10-10T18:30:00+08:00"]
    again = ok(ready, "sla", "check", "--at", "2026-10-12 18:30")["breached"]
    assert [r["due_at"] for r in again] == ["2026-10-12T18:00:00+08:00"]


def test_next_year_published_late_moves_deadlines_into_2027(ready: Run,
                                                            tmp_path: Path) -> None:
    """No source knows 2027: Monday–Friday until the site lists the State Council's days."""
    policy = '[sla.policies."complaint.minor"]\nreply = "1wd"\nresolve = "20wd"\n'
    site(tmp_path, policy)
    n = new(ready, "2026-12-04 10:00", severity="轻微")
    # 19 working days left in December, the 20th is Friday 2027-01-01 (weekday fallback)
    assert ok(ready, "ticket", "show", n)["deadlines"]["resolve"] == "2027-01-01T18:00:00+08:00"
    ok(ready, "calendar", "apply", "--at", "2026-12-04 11:00")
    site(tmp_path, policy + '[calendar]\nholidays = [{ date = "2027-01-01", name = "元旦" }, '
         '{ date = "2027-02-06", name = "春节" }]\nworkdays = [{ date = "2027-02-20", '
         'name = "春节调休" }]\n')
    moved = ok(ready, "calendar", "apply", "--at", "2026-12-04 12:00")["moved"]
    assert [(m["clock"], m["from"], m["to"]) for m in moved] == [
        ("resolve", "2027-01-01T18:00:00+08:00", "2027-01-04T18:00:00+08:00")]
    t = ok(ready, "ticket", "show", n)
    assert t["deadlines"]["resolve"] == "2027-01-04T18:00:00+08:00"
    why = [e for e in t["events"] if e["kind"] == "deadline_repriced"][0]["data"]["why"]
    assert why == "calendar change: 2027-01-01 site holiday: 元旦"  # Feb is after its deadline
    steps = next(c for c in ok(ready, "sla", "explain", n)["clocks"]
                 if c["name"] == "resolve")["steps"]
    assert "skipped 2027-01-01 (Fri): site holiday: 元旦" in steps
    feb = {d["date"]: d for d in ok(ready, "calendar", "show", "2027-02")}
    assert feb["2027-02-20"]["working"] and feb["2027-02-20"]["reason"] == \
        "site workday: 春节调休"
    assert not feb["2027-02-06"]["working"]
    assert "2027-01-04" in ready("calendar", "show", "2027-01").output


def test_the_spec_example_still_holds_after_an_apply(ready: Run) -> None:
    n = new(ready, "2026-09-30 15:00")
    ok(ready, "calendar", "apply")
    assert ok(ready, "ticket", "show", n)["deadlines"] == {
        "reply": "2026-09-30T17:00:00+08:00", "resolve": "2026-10-10T18:00:00+08:00"}


# --------------------------------------------------------------------------- communication


def test_a_repair_unfinished_after_3_days_needs_a_communication(ready: Run) -> None:
    n = new(ready, "2026-09-28 09:00", category="报修", severity=None)
    t = ok(ready, "ticket", "show", n)
    # 三天 (seed 001): days on the wall clock, through the National Day holiday
    assert t["deadlines"]["communication"] == "2026-10-01T09:00:00+08:00"
    ok(ready, "ticket", "dispatch", n, "--to", "赵强", "--at", "2026-09-28 09:10")
    contact = ok(ready, "ticket", "contact", n, "--note", "约定上门", "--method", "电话",
                 "--at", "2026-09-28 10:00")
    assert clock(contact, "reply")["met_at"] == "2026-09-28T10:00:00+08:00"
    assert clock(contact, "communication")["met_at"] is None  # the first call is the reply
    assert contact["events"][-1]["data"]["method"] == "phone"
    risk = ok(ready, "sla", "check", "--at", "2026-09-30 19:00")  # 80 % of 72 h: 18:36
    assert [(r["number"], r["name"]) for r in risk["at_risk"]] == [(n, "communication")]
    breach = ok(ready, "sla", "check", "--at", "2026-10-01 10:00")["breached"]
    assert [(r["name"], r["escalated_to"]) for r in breach] == [
        ("communication", "supervisor")]
    overdue = ok(ready, "ticket", "list", "--overdue")
    assert [x["number"] for x in overdue] == [n]
    status = {c["name"]: c["status"] for c in ok(ready, "sla", "explain", n)["clocks"]}
    assert status == {"reply": "met", "communication": "overdue"}
    assert "after the first reply" in ready("sla", "explain", n).output
    late = ok(ready, "ticket", "contact", n, "--note", "配件未到，告知业主进度",
              "--method", "微信", "--at", "2026-10-02 09:00")
    assert clock(late, "communication")["met_at"] == "2026-10-02T09:00:00+08:00"
    status = {c["name"]: c["status"] for c in ok(ready, "sla", "explain", n)["clocks"]}
    assert status["communication"] == "met late"
    assert ok(ready, "ticket", "list", "--overdue") == []


def test_communication_met_by_a_progress_call_or_by_finishing(ready: Run) -> None:
    talked = new(ready, "2026-09-28 09:00", category="报修", severity=None)
    ok(ready, "ticket", "contact", talked, "--note", "约定上门", "--at", "2026-09-28 10:00")
    ok(ready, "ticket", "contact", talked, "--note", "告知进度", "--at", "2026-09-30 10:00")
    fixed = new(ready, "2026-09-28 09:30", category="报修", severity=None)
    for step in (["dispatch", fixed, "--to", "赵强"], ["start", fixed],
                 ["resolve", fixed, "--result", "已修复"]):
        ok(ready, "ticket", *step, "--at", "2026-09-28 15:00")
    silent = new(ready, "2026-09-28 10:00", category="报修", severity=None)
    ok(ready, "ticket", "contact", silent, "--note", "约定上门", "--at", "2026-09-28 11:00")
    ok(ready, "sla", "check", "--at", "2026-10-02 09:00")
    views = {n: ok(ready, "ticket", "show", n) for n in (talked, fixed, silent)}
    assert clock(views[talked], "communication")["met_at"] == "2026-09-30T10:00:00+08:00"
    assert clock(views[fixed], "communication")["met_at"] == "2026-09-28T15:00:00+08:00"
    assert clock(views[silent], "communication")["breached_at"] == "2026-10-02T09:00:00+08:00"
    report = json.loads(ready("report", "monthly", "2026-09", "--format", "json").output)
    assert report["on_time"]["communication"] == {
        "clocks": 3, "on_time": 2, "late": 1, "open": 0, "paused": 0, "rate": 0.6667}
    assert "communication" in ready("report", "monthly", "2026-09").output


def test_the_communication_setting_in_working_days(ready: Run, tmp_path: Path) -> None:
    site(tmp_path, '[sla]\ncommunication = { repair = "3wd", "repair.urgent" = "none" }\n')
    n = new(ready, "2026-09-28 09:00", category="报修", severity=None)
    # 29th, 30th, then the holiday to the 7th: the 3rd working day is Thursday 10-08
    assert ok(ready, "ticket", "show", n)["deadlines"]["communication"] == \
        "2026-10-08T18:00:00+08:00"
    urgent = new(ready, "2026-09-28 09:00", category="报修", severity="急修")
    assert "communication" not in ok(ready, "ticket", "show", urgent)["deadlines"]
    site(tmp_path, '[sla]\ncommunication = { repair = "3x" }\n')
    bad = ready("ticket", "show", n)
    assert bad.exit_code == 2 and bad.stderr.startswith("error: sla.communication")


# --------------------------------------------------------------------------- pauses


def test_at_risk_after_a_resume_counts_the_remaining_time(ready: Run) -> None:
    """Important complaint (reply 1 working day) just before the 2026 Spring Festival."""
    early = new(ready, "2026-02-11 10:00", severity="重要")
    ok(ready, "ticket", "pause", early, "--reason", "业主出差", "--at", "2026-02-12 09:00")
    t = ok(ready, "ticket", "resume", early, "--at", "2026-02-13 12:00")
    reply = clock(t, "reply")
    # 8.5 of 17.5 working hours used before the pause; 80 % (14 h) is 5.5 h after resuming
    assert reply["at_risk_at"] == "2026-02-13T17:30:00+08:00"
    # 12.5 working hours paused: due on Saturday 02-14, an adjusted workday (调休)
    assert reply["due_at"] == "2026-02-14T11:30:00+08:00"
    late = new(ready, "2026-02-11 10:00", severity="重要")
    ok(ready, "ticket", "pause", late, "--reason", "等待业主", "--at", "2026-02-12 15:00")
    reply = clock(ok(ready, "ticket", "resume", late, "--at", "2026-02-13 12:00"), "reply")
    assert reply["due_at"] == "2026-02-13T15:00:00+08:00"
    # at risk before the pause began (14:30), not inside it (it was 02-13 10:12)
    assert reply["at_risk_at"] == "2026-02-12T14:30:00+08:00"


def test_a_paused_clock_is_neither_late_nor_at_risk(ready: Run) -> None:
    n = new(ready, "2026-10-08 09:00", severity="轻微")
    ok(ready, "ticket", "pause", n, "--reason", "等待业主提供资料", "--at", "2026-10-08 10:00")
    result = ok(ready, "sla", "check", "--at", "2026-10-12 09:00")
    # the complaint's first call (24 h after intake, a follow-up, not a ticket clock) is
    # still owed to the customer while the ticket waits: only it may fall due
    ticket_clocks = [c for kind in ("breached", "at_risk") for c in result[kind]
                     if c["name"] != "followup"]
    assert ticket_clocks == [] and result["repriced"] == []
    assert ok(ready, "ticket", "list", "--overdue") == []
    assert ok(ready, "ticket", "list", "--at-risk") == []
    assert {c["status"] for c in ok(ready, "sla", "explain", n)["clocks"]} == {"paused"}
    on_time = json.loads(ready("report", "monthly", "2026-10", "--format", "json").output)[
        "on_time"]
    assert on_time["reply"] == {"clocks": 1, "on_time": 0, "late": 0, "open": 0,
                                "paused": 1, "rate": None}


def test_reclassifying_a_reopened_repair_keeps_its_redo_deadline(ready: Run) -> None:
    n = new(ready, "2026-09-28 09:00", category="报修", severity=None)
    for step in (["dispatch", n, "--to", "赵强"], ["start", n],
                 ["resolve", n, "--result", "更换水龙头"]):
        ok(ready, "ticket", *step, "--at", "2026-09-29 10:00")
    reopened = ok(ready, "ticket", "report", n, "--dissatisfied", "--at", "2026-09-29 15:00")
    assert reopened["deadlines"]["resolve"] == "2026-09-30T15:00:00+08:00"  # 24 h redo
    t = ok(ready, "ticket", "reclassify", n, "--nature", "重要", "--reason", "涉及漏水",
           "--at", "2026-09-29 16:00")
    assert t["deadlines"]["resolve"] == "2026-09-30T15:00:00+08:00"
    redo = clock(t, "resolve")  # a repair has no first resolve clock: the redo is round 1
    assert (redo["policy"], redo["met_at"]) == ("24h", None)


def test_an_open_follow_up_is_repriced_too(ready: Run, tmp_path: Path) -> None:
    n = new(ready, "2026-09-29 09:00", severity="轻微")
    for step in (["contact", n, "--note", "已联系"], ["dispatch", n, "--to", "赵强"],
                 ["start", n], ["resolve", n, "--result", "已处理"],
                 ["report", n, "--satisfied"], ["close", n]):
        ok(ready, "ticket", *step, "--at", "2026-09-30 10:00")
    due = [t for t in ok(ready, "followup", "due") if t["number"] == n]
    # 3 working days after closing: 10-08, 10-09, then Saturday 10-10 (调休)
    assert [t["due_at"] for t in due] == ["2026-10-10T18:00:00+08:00"]
    ok(ready, "calendar", "apply", "--at", "2026-10-01 09:00")
    site(tmp_path, TYPHOON)
    moved = ok(ready, "calendar", "apply", "--at", "2026-10-08 20:00")["moved"]
    assert [(m["number"], m["clock"], m["to"]) for m in moved] == [
        (n, "followup", "2026-10-12T18:00:00+08:00")]
    due = [t for t in ok(ready, "followup", "due") if t["number"] == n]
    assert [t["due_at"] for t in due] == ["2026-10-12T18:00:00+08:00"]


def test_an_older_process_does_not_reprice_back(site: Any, db_url: str,
                                                caplog: pytest.LogCaptureFixture) -> None:
    """The newest configuration wins: a service started before `calendar apply` ran with
    a new calendar keeps the applied deadlines and warns once, until it is restarted."""
    import logging

    from core import deadlines, repricing, tickets
    from core.config import parse_config
    from core.queries import show_ticket
    from tests.conftest import Clock, make_desk

    n = tickets.intake(site, category="complaint", severity="major", summary="电梯困人",
                       unit="1-1-502", by="王芳", at="2026-09-30 15:00")["number"]
    deadlines.check(site)  # the running service's first pass records its calendar
    typhoon = make_desk(db_url, Clock(site.now()), parse_config(
        {"calendar": {"holidays": [{"date": "2026-10-09", "name": "台风停工"}]}}))
    try:
        assert len(repricing.apply(typhoon)["moved"]) == 1
        with caplog.at_level(logging.WARNING, logger="propdesk.calendar"):
            deadlines.check(site)
            deadlines.check(site)
        assert show_ticket(site, n)["deadlines"]["resolve"] == "2026-10-12T18:00:00+08:00"
        assert len([r for r in caplog.records if "restart it" in r.getMessage()]) == 1
        restarted = make_desk(db_url, Clock(site.now()))  # back to the official calendar
        deadlines.check(restarted)
        assert show_ticket(site, n)["deadlines"]["resolve"] == "2026-10-10T18:00:00+08:00"
        restarted.engine.dispose()
    finally:
        typhoon.engine.dispose()


def test_the_watcher_reprices_at_its_next_pass(ready: Run, tmp_path: Path) -> None:
    n = new(ready, "2026-09-30 15:00")
    ok(ready, "calendar", "apply", "--at", "2026-10-01 09:00")
    site(tmp_path, TYPHOON)
    out = ready("watch", "--once")
    assert out.exit_code == 0 and "1 deadline(s) repriced" in out.output
    t = ok(ready, "ticket", "show", n)
    assert t["deadlines"]["resolve"] == "2026-10-12T18:00:00+08:00"
    moved = [e["data"] for e in t["events"] if e["kind"] == "deadline_repriced"]
    assert [(m["from"], m["to"]) for m in moved] == [
        ("2026-10-10T18:00:00+08:00", "2026-10-12T18:00:00+08:00")]
    assert ok(ready, "sla", "check")["repriced"] == []  # the next pass finds it applied
