"""Issue 16 items 3, 5, 6, 7 through the CLI: first-contact ownership, topics, repeatable
imports, the missing follow-up rules. Allowed and refused paths; SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text

from core import kit, tokens
from core.api.app import create_app
from core.config import parse_config
from core.models import FollowupTask, Ticket, TicketEvent
from tests.conftest import Clock, make_desk
from tests.core.test_notifiers import configure, receivers  # noqa: F401 - a fixture

Run = Callable[..., Result]
TZ = ZoneInfo("Asia/Shanghai")
STAFF = [("王芳", "frontdesk", "客服部"), ("李娜", "frontdesk", "客服部"),
         ("刘洋", "supervisor", "客服部"), ("陈静", "manager", "项目部"),
         ("赵强", "technician", "工程部"), ("冯丽", "technician", "保洁部")]


@pytest.fixture
def ready(run: Run) -> Run:
    assert run("init").exit_code == 0
    for code in ("1-1-101", "1-1-502"):
        assert run("unit", "add", code, "--owner", "李女士", "--phone", "13812345678"
                   ).exit_code == 0
    for name, role, dept in STAFF:
        assert run("staff", "add", name, "--role", role, "--department", dept).exit_code == 0
    return run


def new(run: Run, *args: str) -> str:
    result = run("ticket", "new", "--unit", "1-1-502", "--by", "王芳", *args, "--json")
    assert result.exit_code == 0, result.output
    return str(json.loads(result.output)["number"])


def show(run: Run, number: str) -> dict[str, Any]:
    return json.loads(run("ticket", "show", number, "--json").output)


def counts(db_url: str) -> dict[str, int]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        out = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
               for t in ("tickets", "ticket_events", "followup_tasks", "ledger_rows")}
    engine.dispose()
    return out


def refused(result: Result, field: str, *words: str) -> None:
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert line.startswith(f"error: {field}: "), line
    assert "\n" not in line and all(w in line for w in words), line


def tasks(db_url: str, number: str) -> list[FollowupTask]:
    d = make_desk(db_url, Clock())
    with d.sessions() as s:
        found = list(s.scalars(select(FollowupTask).join(Ticket).where(Ticket.number == number)
                               .order_by(FollowupTask.id)).unique())
        for t in found:
            s.expunge(t)
    d.engine.dispose()
    return found


# --------------------------------------------------------------------------- ownership


def test_the_owner_is_a_desk_role(ready: Run, db_url: str) -> None:
    before = counts(db_url)
    refused(ready("ticket", "new", "--category", "报修", "--unit", "1-1-502", "--summary",
                  "门锁坏", "--by", "赵强"), "by", "赵强 (technician) cannot own a ticket")
    assert counts(db_url) == before
    for by in ("王芳", "刘洋", "陈静"):  # front desk, supervisor, manager
        new(ready, "--category", "咨询", "--summary", "停车", "--by", by)
    refused(ready("ticket", "handover", "--from", "王芳", "--to", "赵强"), "to",
            "cannot own a ticket")
    out = ready("ticket", "handover", "--from", "王芳", "--to", "李娜", "--json")
    assert out.exit_code == 0 and len(json.loads(out.output)["handed_over"]) == 1


def test_the_api_refuses_a_technician_owner(ready: Run, db_url: str) -> None:
    d = make_desk(db_url, Clock())
    with TestClient(create_app(d)) as client:
        key = tokens.create(d, "王芳")["token"]
        r = client.post("/tickets", json={"category": "repair", "summary": "门锁坏",
                                          "unit": "1-1-502", "by": "赵强"},
                        headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 422 and r.json()["field"] == "by", r.text
        r = client.post("/handover", json={"from": "王芳", "to": "赵强"},
                        headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 422 and r.json()["field"] == "to", r.text
    d.engine.dispose()


def test_the_owner_resolves_what_she_answers_herself(ready: Run) -> None:
    n = new(ready, "--category", "咨询", "--summary", "装修时间规定")
    # another agent is not the owner; a repair must go to its department first
    refused(ready("--as", "李娜", "ticket", "resolve", n, "--result", "已答复"), "as",
            "李娜 (frontdesk) may not")
    ok = ready("--as", "王芳", "ticket", "resolve", n, "--result", "问主管后5分钟内答复")
    assert ok.exit_code == 0, ok.output
    assert show(ready, n)["state"] == "resolved"
    repair = new(ready, "--category", "报修", "--summary", "灯不亮")
    refused(ready("--as", "王芳", "ticket", "resolve", repair, "--result", "好"), "state",
            "must be dispatched")
    dispatched = new(ready, "--category", "反映问题", "--summary", "路灯坏")
    assert ready("ticket", "dispatch", dispatched, "--to", "赵强").exit_code == 0
    assert ready("ticket", "start", dispatched).exit_code == 0
    refused(ready("--as", "王芳", "ticket", "resolve", dispatched, "--result", "好"), "as",
            "may not")


@pytest.mark.parametrize(("args", "to"), [
    (["--category", "投诉", "--severity", "重大"], "manager"),     # major complaint
    (["--category", "投诉", "--severity", "重要"], "supervisor"),  # repair → important compl.
    (["--category", "公共安全"], "supervisor"),                     # public safety
])
def test_reclassifying_to_important_notifies_the_leads(ready: Run, args: list[str],
                                                        to: str) -> None:
    n = new(ready, "--category", "报修", "--summary", "电梯异响")
    assert [e for e in show(ready, n)["events"] if e["kind"] == "notified"] == []
    out = ready("--as", "刘洋", "ticket", "reclassify", n, *args, "--reason", "核实后升级")
    assert out.exit_code == 0, out.output
    notified = [e for e in show(ready, n)["events"] if e["kind"] == "notified"]
    assert [(e["data"]["to"], e["data"]["why"]) for e in notified] == [
        (to, "important information (重要)")]
    # the same words as intake's notification
    direct = new(ready, *args, "--summary", "电梯异响")
    (at_intake,) = [e for e in show(ready, direct)["events"] if e["kind"] == "notified"]
    assert at_intake["data"]["to"] == to and at_intake["data"]["why"] == notified[0]["data"][
        "why"]


def test_reclassification_is_announced_after_commit(ready: Run, db_url: str) -> None:
    seen: list[tuple[str, int]] = []

    class Listener:
        @kit.hookimpl
        def ticket_transitioned(self, ticket: dict, action: str, from_state: str,
                                to_state: str, event: dict) -> None:
            with d.sessions() as s:  # committed: another session sees it
                seen.append((event["kind"], s.scalar(select(func.count()).select_from(
                    TicketEvent).where(TicketEvent.kind == "notified"))))

    n = new(ready, "--category", "报修", "--summary", "漏电", "--at", "2026-11-19 09:00")
    d = make_desk(db_url, Clock())
    d.pm.register(Listener())
    kit.tickets.reclassify(d, n, "核实", category="complaint", severity="major", actor="刘洋")
    assert seen == [("reclassified", 1), ("notified", 1)]
    kit.tickets.reclassify(d, n, "再核实", nature="important", actor="刘洋")  # no change
    assert [k for k, _ in seen].count("notified") == 1
    d.engine.dispose()


def closed_complaint(run: Run, severity: str) -> str:
    n = new(run, "--category", "投诉", "--severity", severity, "--summary", "保安态度差",
            "--at", "2026-11-16 09:00")
    for step in (["dispatch", n, "--to", "赵强"], ["start", n],
                 ["resolve", n, "--result", "已处理"], ["report", n, "--satisfied"]):
        assert run("ticket", *step, "--at", "2026-11-16 10:00").exit_code == 0
    assert run("--as", "刘洋", "ticket", "close", n, "--at", "2026-11-16 11:00").exit_code == 0
    return n


@pytest.mark.parametrize(("severity", "refused_to", "allowed"), [
    ("重大", ["王芳", "刘洋"], "陈静"), ("重要", ["王芳"], "刘洋"), ("轻微", [], "王芳")])
def test_follow_ups_are_recorded_by_their_role_or_above(
        ready: Run, db_url: str, severity: str, refused_to: list[str], allowed: str) -> None:
    n = closed_complaint(ready, severity)
    before = counts(db_url)
    record = ["followup", "record", n, "--method", "电话", "--satisfaction", "5",
              "--at", "2026-11-17 10:00"]
    for who in refused_to:
        refused(ready("--as", who, *record), "as", f"{who} (", "may not record the follow-up")
        refused(ready("--as", who, "followup", "record", n, "--unreachable"), "as",
                "may not record the follow-up")
    assert counts(db_url) == before
    ok = ready("--as", allowed, *record)
    assert ok.exit_code == 0, ok.output


# --------------------------------------------------------------------------- topics


@pytest.mark.parametrize(("words", "code", "keyword"), [
    ("卫生间渗水", "water_leak", "渗水"), ("卫生间水管漏水", "water_leak", None),
    ("楼道卫生差", "sanitation", "卫生"), ("电梯里有狗", "elevator", "电梯")])
def test_topics_test_shows_the_decision(ready: Run, words: str, code: str,
                                        keyword: str | None) -> None:
    found = json.loads(ready("topics", "test", words, "--json").output)
    assert found["code"] == code and found["counts_as"] == code
    assert keyword is None or found["keyword"] == keyword
    assert found["scores"][code] == max(found["scores"].values())
    text_out = ready("topics", "test", words).output
    assert code in text_out and "counts for repeats as" in text_out
    refused(ready("topics", "test", " "), "text", "give the words")


def test_a_leak_in_a_bathroom_is_a_leak_everywhere(ready: Run, db_url: str) -> None:
    n = new(ready, "--category", "报修", "--topic", "卫生间渗水", "--summary", "天花板滴水",
            "--at", "2026-11-19 09:00")
    received = show(ready, n)["events"][0]
    assert received["data"]["topic_match"]["code"] == "water_leak"
    assert received["data"]["topic_match"]["keyword"] == "渗水"
    for step in (["dispatch", n, "--to", "赵强"], ["start", n], ["resolve", n, "--result", "好"]):
        assert ready("ticket", *step, "--at", "2026-11-19 10:00").exit_code == 0
    (task,) = tasks(db_url, n)
    assert (task.kind, task.status, task.waits_for) == ("leak", "waiting", "rain")  # 100 %
    out = ready("--as", "王芳", "ticket", "reclassify", n, "--topic", "卫生间水管漏水",
                "--reason", "现场核实")
    assert out.exit_code == 0, out.output
    last = [e for e in show(ready, n)["events"] if e["kind"] == "reclassified"][-1]
    assert last["data"]["topic_match"]["code"] == "water_leak"


def test_three_identical_free_text_repairs_open_a_capa(ready: Run) -> None:
    for day in (10, 11, 12):
        new(ready, "--category", "报修", "--topic", "门锁", "--summary", "门锁打不开",
            "--at", f"2026-11-{day} 09:00")
    (capa,) = json.loads(ready("capa", "list", "--json").output)
    assert capa["topic"] == "门锁" and len(capa["tickets"]) == 3


def test_imported_history_counts_for_repeats(ready: Run, tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("received_at,category,topic,unit,summary,owner\n"
                      "2026-11-01 09:00,报修,门锁,1-1-502,门锁坏,王芳\n"
                      "2026-11-05 09:00,报修,门锁,1-1-502,门锁又坏,王芳\n", encoding="utf-8")
    assert ready("ticket", "import", str(ledger)).exit_code == 0
    assert json.loads(ready("capa", "list", "--json").output) == []
    n = new(ready, "--category", "报修", "--topic", "门锁", "--summary", "门锁第三次坏",
            "--at", "2026-11-12 09:00")
    (capa,) = json.loads(ready("capa", "list", "--json").output)
    assert capa["topic"] == "门锁" and len(capa["tickets"]) == 3 and capa["tickets"][-1] == n


def test_a_sites_own_topic_counts_like_a_built_in_one(ready: Run, tmp_path: Path) -> None:
    conf = tmp_path / "site.toml"
    conf.write_text('[topics.door_lock]\nzh = "门锁"\nen = "door lock"\nkeywords = ["门锁", '
                    '"锁芯"]\n', encoding="utf-8")
    found = json.loads(ready("--config", str(conf), "topics", "test", "锁芯坏了", "--json"
                             ).output)
    assert (found["code"], found["keyword"]) == ("door_lock", "锁芯")
    for day, words in ((10, "锁芯坏了"), (11, "门锁又坏"), (12, "门锁打不开")):
        r = ready("--config", str(conf), "ticket", "new", "--category", "报修", "--unit",
                  "1-1-101", "--summary", words, "--by", "王芳", "--at", f"2026-11-{day} 09:00")
        assert r.exit_code == 0, r.output
    (capa,) = json.loads(ready("--config", str(conf), "capa", "list", "--json").output)
    assert capa["topic"] == "door_lock" and capa["topic_label"] == "门锁 door lock"


# --------------------------------------------------------------------------- imports


def test_a_ledger_imported_twice_changes_nothing(ready: Run, db_url: str,
                                                 tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(
        "number,received_at,category,severity,unit,summary,owner,state,closed_at\n"
        "GD-20261008-0901,2026-10-08 09:00,投诉,轻微,1-1-101,噪音,王芳,closed,2026-10-09 10:00\n"
        ",2026-10-08 10:00,报修,,1-1-502,门锁坏,王芳,received,\n"
        ",2026-10-08 10:00,报修,,1-1-502,门锁坏,王芳,received,\n"   # the same twice: two
        ",2026-10-09 10:00,咨询,,,停车,李娜,closed,2026-10-09 10:05\n", encoding="utf-8")
    first = json.loads(ready("ticket", "import", str(ledger), "--json").output)
    assert (first["imported"], first["skipped"]) == (4, 0)
    after = counts(db_url)
    again = ready("ticket", "import", str(ledger))
    assert again.exit_code == 0 and "imported 0 tickets" in again.output
    assert "skipped 4 already imported" in again.output
    assert counts(db_url) == after
    ledger.write_text(ledger.read_text(encoding="utf-8")
                      + ",2026-10-10 10:00,报修,,1-1-502,门锁坏,王芳,received,\n",
                      encoding="utf-8")  # the ledger grew by one row
    grown = json.loads(ready("ticket", "import", str(ledger), "--json").output)
    assert (grown["imported"], grown["skipped"]) == (1, 4)
    bare = tmp_path / "bare.csv"  # no owner column: the importer (--as) owns the rows
    bare.write_text("received_at,category,summary\n2026-10-11 09:00,咨询,停车费\n",
                    encoding="utf-8")
    assert json.loads(ready("--as", "刘洋", "ticket", "import", str(bare), "--json").output
                      )["imported"] == 1
    assert json.loads(ready("--as", "陈静", "ticket", "import", str(bare), "--json").output
                      )["skipped"] == 1  # someone else re-imports it: still the same rows


def test_every_bad_row_is_reported_and_nothing_written(ready: Run, db_url: str,
                                                       tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("received_at,category,summary,owner\n"
                   "2026-10-08 09:00,报修,ok,王芳\n"
                   "2026-10-08 09:00,报修,ok,路人甲\n"
                   "not a time,报修,ok,王芳\n"
                   "2026-10-08 09:00,报修,ok,赵强\n"
                   "2026-10-08 09:00,天气,ok,王芳\n", encoding="utf-8")
    before = counts(db_url)
    result = ready("ticket", "import", str(bad))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "error: owner: bad.csv: 4 bad rows, nothing imported"
    assert [ln.split(":")[0].strip() for ln in lines[1:]] == [
        "line 3", "line 4", "line 5", "line 6"]
    assert "line 5: owner: 赵强 (technician) cannot own a ticket" in lines[3]
    assert "line 6: category:" in lines[4]
    assert counts(db_url) == before
    many = tmp_path / "many.csv"
    many.write_text("received_at,category,summary,owner\n" + "".join(
        f"2026-10-08 09:00,报修,ok,路人{i}\n" for i in range(60)), encoding="utf-8")
    lines = ready("ticket", "import", str(many)).stderr.strip().splitlines()
    assert lines[0] == "error: owner: many.csv: 60 bad rows, nothing imported"
    assert len(lines) == 1 + 50 + 1 and lines[-1].strip() == "and 10 more"
    assert counts(db_url) == before


def test_a_year_of_closed_history_escalates_nothing(ready: Run, db_url: str,
                                                    tmp_path: Path) -> None:
    """A year of closed tickets imported, then `followup plan` and `sla check`: follow-ups
    whose window closed before the import are not followed up (imported), never breached;
    the recent ones stay open and fall due while the site runs propdesk."""
    now = datetime.now(TZ).replace(minute=0, second=0, microsecond=0)
    kinds = [("投诉", "重大"), ("投诉", "轻微"), ("报修", ""), ("报修", "紧急"), ("咨询", ""),
             ("建议", ""), ("有偿服务", "")]
    rows = ["received_at,category,severity,unit,summary,owner,state,closed_at"]
    for day in range(365, 0, -1):
        for i, (cat, sev) in enumerate(kinds):
            received = now - timedelta(days=day, hours=i + 1)
            rows.append(f"{received:%Y-%m-%d %H:%M},{cat},{sev},1-1-502,第{day}天{i},王芳,"
                        f"closed,{received + timedelta(hours=3):%Y-%m-%d %H:%M}")
    ledger = tmp_path / "year.csv"
    ledger.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = json.loads(ready("ticket", "import", str(ledger), "--json").output)
    assert out["imported"] == 365 * len(kinds)
    plan = json.loads(ready("followup", "plan", "--json").output)
    assert plan["planned"] == 365 * len(kinds)
    assert plan["not_followed_imported"] > 0.9 * plan["followups"]
    assert ready("sla", "check").exit_code == 0
    engine = create_engine(db_url)
    with engine.connect() as conn:
        escalated = conn.execute(text(
            "SELECT count(*) FROM ticket_events WHERE kind LIKE 'followup_%'")).scalar_one()
        breached = conn.execute(text(
            "SELECT count(*) FROM followup_tasks WHERE breached_at IS NOT NULL")).scalar_one()
        still_open = conn.execute(text(
            "SELECT count(*) FROM followup_tasks WHERE status = 'open'")).scalar_one()
        reasons = {r for (r,) in conn.execute(text(
            "SELECT DISTINCT reason FROM followup_tasks WHERE status = 'not_followed'"))}
    engine.dispose()
    assert (escalated, breached) == (0, 0)
    assert still_open > 0  # recent ones: due after the import, the desk's to do
    assert reasons == {"imported: window passed before import"}
    again = json.loads(ready("ticket", "import", str(ledger), "--json").output)
    assert (again["imported"], again["skipped"]) == (0, 365 * len(kinds))


# --------------------------------------------------------------------------- follow-ups


def test_the_complaints_first_call_24h_after_intake(ready: Run, db_url: str,
                                                    tmp_path: Path) -> None:
    n = new(ready, "--category", "投诉", "--severity", "重大", "--summary", "电梯困人",
            "--at", "2026-09-30 15:00")
    due = json.loads(ready("--as", "王芳", "followup", "due", "--mine", "--json").output)
    assert [(x["number"], x["kind"], x["due_at"]) for x in due] == [
        (n, "first_call", "2026-10-01T15:00:00+08:00")]  # 24 h, holiday or not
    # the front desk makes the first call of a major complaint too (前台接单后 24 小时回访)
    ok = ready("--as", "王芳", "followup", "record", n, "--method", "电话", "--satisfaction",
               "3", "--at", "2026-10-01 10:00")
    assert ok.exit_code == 0, ok.output
    (first,) = tasks(db_url, n)
    assert (first.kind, first.status) == ("first_call", "done")
    assert show(ready, n)["state"] == "received"  # a call on an open ticket reopens nothing
    off = tmp_path / "off.toml"
    off.write_text('[followup]\nfirst_call = ""\n', encoding="utf-8")
    m = json.loads(ready("--config", str(off), "ticket", "new", "--category", "投诉",
                         "--severity", "轻微", "--summary", "噪音", "--by", "王芳",
                         "--json").output)["number"]
    assert tasks(db_url, m) == []


def test_agreement_follow_ups_at_the_middle_and_end(ready: Run, db_url: str,
                                                    tmp_path: Path) -> None:
    conf = tmp_path / "site.toml"
    conf.write_text('[calendar]\nholidays = [{ date = "2027-01-01", name = "元旦" }]\n',
                    encoding="utf-8")
    n = new(ready, "--category", "有偿服务", "--summary", "特约保洁三个月",
            "--at", "2026-10-30 09:00")
    d = make_desk(db_url, Clock(datetime(2026, 11, 20, 2, 0, tzinfo=TZ)),
                  config=parse_config({"calendar": {"holidays": [
                      {"date": "2027-01-01", "name": "元旦"}]}}))
    refused_by = pytest.raises(kit.DomainError, match="may not")
    with refused_by:
        kit.schedule_agreement(d, n, start="2026-11-01", end="2026-12-31", actor="赵强")
    views = kit.schedule_agreement(d, n, start="2026-11-01", end="2026-12-31", actor="王芳")
    # middle 2026-12-01 18:00 → one working day; end 2026-12-31 18:00 → 2027-01-01 is a
    # holiday under the site override, then the weekend: Monday 2027-01-04
    assert [(v["kind"], v["due_at"]) for v in views] == [
        ("agreement_mid", "2026-12-02T18:00:00+08:00"),
        ("agreement_end", "2027-01-04T18:00:00+08:00")]
    assert kit.schedule_agreement(d, n, start="2026-11-01", end="2026-12-31") == views
    with pytest.raises(kit.DomainError, match="end after it starts"):
        kit.schedule_agreement(d, n, start="2026-12-31", end="2026-11-01")
    d.engine.dispose()
    ok = ready("--config", str(conf), "--as", "王芳", "followup", "record", n, "--method",
               "电话", "--satisfaction", "5", "--at", "2026-12-02 10:00")
    assert ok.exit_code == 0, ok.output
    assert [(t.kind, t.status) for t in tasks(db_url, n)] == [
        ("agreement_mid", "done"), ("agreement_end", "open")]
    assert any(e["kind"] == "followups_planned" for e in show(ready, n)["events"])


def test_a_dissatisfied_survey_answer_is_followed_up_in_person(ready: Run,
                                                               db_url: str) -> None:
    d = make_desk(db_url, Clock(datetime(2026, 11, 20, 2, 0, tzinfo=TZ)))
    out = kit.survey_followup(d, summary="楼道保洁不及时", professional="冯丽",
                              survey="2026年度满意度调查", unit="1-1-502", by="王芳",
                              at="2026-11-19 09:00")
    d.engine.dispose()
    n, task = out["ticket"], out["task"]
    assert (task["kind"], task["method"], task["owner_role"], task["assignee"]) == (
        "survey", "visit", "technician", "冯丽")
    assert task["due_at"] == "2026-11-26T18:00:00+08:00"  # 5 working days
    assert show(ready, n)["category"] == "issue_report"
    record = ["followup", "record", n, "--satisfaction", "4", "--at", "2026-11-20 10:00"]
    refused(ready("--as", "冯丽", *record, "--method", "电话"), "method", "in person")
    refused(ready("--as", "王芳", *record, "--method", "上门"), "as", "may not record")
    refused(ready("--as", "赵强", *record, "--method", "上门"), "as", "may not")
    refused(ready("--as", "赵强", "followup", "record", n, "--unreachable"), "as", "may not")
    mine = json.loads(ready("--as", "冯丽", "followup", "due", "--mine", "--json").output)
    assert [(x["number"], x["kind"]) for x in mine] == [(n, "survey")]
    assert json.loads(ready("--as", "赵强", "followup", "due", "--mine", "--json").output
                      ) == []
    refused(ready("--as", "冯丽", "followup", "due"), "as", "may not")  # the desk's queue
    tried = ready("--as", "冯丽", "followup", "record", n, "--unreachable", "--method", "上门",
                  "--at", "2026-11-19 15:00")
    assert tried.exit_code == 0, tried.output  # the professional: not at home
    ok = ready("--as", "冯丽", *record, "--method", "上门")
    assert ok.exit_code == 0, ok.output
    assert [t.status for t in tasks(db_url, n)] == ["done"]


def test_other_information_is_followed_up_within_a_week(ready: Run, db_url: str,
                                                        tmp_path: Path) -> None:
    conf = tmp_path / "all.toml"
    conf.write_text("[followup]\nrates = { default = 1.0 }\n", encoding="utf-8")
    r = ready("--config", str(conf), "ticket", "new", "--category", "建议", "--summary",
              "增加快递柜", "--by", "王芳", "--at", "2026-09-29 10:00", "--answer", "已转达",
              "--json")
    n = json.loads(r.output)["number"]
    (task,) = tasks(db_url, n)
    assert (task.kind, task.policy, task.status) == ("standard", "7d", "open")
    assert task.due_at.astimezone(TZ).isoformat() == "2026-10-06T10:00:00+08:00"
    d = make_desk(db_url, Clock())  # the default rate: 10 %, decided and stored either way
    assert d.config.followup.rates["default"] == 0.1
    assert d.config.followup.within["default"] == "7d"
    d.engine.dispose()


def test_reclassified_important_information_reaches_the_leads_as_at_intake(
        site: Any, db_url: str, clock: Clock, tmp_path: Path,
        receivers: dict[str, Any]) -> None:  # noqa: F811 - the notifier tests' fixture
    from core.config import load_config
    from core.notifiers import outbox

    d = make_desk(db_url, clock, config=load_config(configure(tmp_path, receivers)))
    n = kit.tickets.intake(d, category="repair", unit="1-1-502", summary="电梯异响",
                           by="王芳", at="2026-11-20 09:00")["number"]
    outbox.deliver_due(d, wait=True)
    assert receivers["sms"].posts == []  # a general repair: nobody is told
    kit.tickets.reclassify(d, n, "核实为重大投诉", category="complaint", severity="major",
                           actor="刘洋")
    outbox.deliver_due(d, wait=True)
    assert len(receivers["sms"].posts) == 2  # supervisor and manager, as at intake
    assert all(n in p["body"]["content"] for p in receivers["sms"].posts)
    d.engine.dispose()
