"""The CLI end to end: the SPEC example, every bad input (exit 2, one line, nothing written)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import create_engine, text

Run = Callable[..., Result]


@pytest.fixture
def ready(run: Run) -> Run:
    assert run("init").exit_code == 0
    for args in (["unit", "add", "1-1-502", "--owner", "李女士", "--phone", "13812345678"],
                 ["staff", "add", "王芳", "--role", "客服员", "--department", "客服部"],
                 ["staff", "add", "赵强", "--role", "technician", "--department", "工程部"],
                 ["staff", "add", "李娜", "--role", "frontdesk"]):
        result = run(*args)
        assert result.exit_code == 0, result.output
    return run


def counts(db_url: str) -> dict[str, int]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        out = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
               for t in ("tickets", "ticket_events", "sla_clocks", "units", "staff",
                         "followups")}
    engine.dispose()
    return out


MAJOR = ["ticket", "new", "--category", "投诉", "--severity", "重大", "--channel", "电话",
         "--unit", "1-1-502", "--summary", "电梯困人二十分钟", "--by", "王芳",
         "--at", "2026-09-30 15:00"]


def test_spec_example_through_the_cli(ready: Run) -> None:
    result = ready(*MAJOR, "--json")
    assert result.exit_code == 0, result.output
    t = json.loads(result.output)
    assert t["deadlines"] == {"reply": "2026-09-30T17:00:00+08:00",
                              "resolve": "2026-10-10T18:00:00+08:00"}
    assert {"number", "state", "category", "severity", "channel", "topic", "received_at",
            "owner", "deadlines", "events"} <= set(t)
    assert t["received_at"] == "2026-09-30T15:00:00+08:00"
    assert t["events"][0] == {"kind": "received", "at": "2026-09-30T15:00:00+08:00",
                              "actor": "王芳", "data": t["events"][0]["data"]}
    shown = json.loads(ready("ticket", "show", t["number"], "--json").output)
    assert shown == t
    explain = ready("sla", "explain", t["number"]).output
    assert "skipped 2026-10-01 (Thu): holiday: 国庆节 National Day" in explain
    assert "counted 2026-10-10 (Sat): adjusted workday 调休" in explain
    assert "due at close of business on 2026-10-10: 2026-10-10T18:00+08:00" in explain


def test_whole_life_through_the_cli(ready: Run) -> None:
    n = json.loads(ready("ticket", "new", "--category", "报修", "--unit", "1-1-502",
                         "--summary", "漏水", "--by", "王芳", "--at", "2026-11-19 09:00",
                         "--json").output)["number"]
    steps = [("王芳", ["dispatch", n, "--to", "赵强"]),
             ("王芳", ["pause", n, "--reason", "业主出差"]),
             ("王芳", ["resume", n]), ("赵强", ["contact", n, "--note", "已约上门时间"]),
             ("赵强", ["start", n]), ("赵强", ["resolve", n, "--result", "更换软管"]),
             ("王芳", ["report", n, "--satisfied", "--satisfaction", "5", "--signed"]),
             ("王芳", ["close", n])]
    for who, step in steps:
        result = ready("--as", who, "ticket", *step, "--at", "2026-11-19 10:00")
        assert result.exit_code == 0, (step, result.output)
    t = json.loads(ready("ticket", "show", n, "--json").output)
    assert t["state"] == "closed"
    assert [e["actor"] for e in t["events"][1:]] == [w for w, _ in steps]
    refused = ready("--as", "赵强", "ticket", "reopen", n, "--reason", "x")
    assert refused.exit_code == 2
    assert refused.stderr.startswith("error: as: 赵强 (technician) may not reopen")
    text_out = ready("ticket", "show", n).output
    assert "history 记录" in text_out and "closed" in text_out
    assert ready("followup", "record", n, "--method", "电话", "--satisfaction", "5",
                 "--fixed", "--at", "2026-11-19 12:00").exit_code == 0


def test_lists_and_handover(ready: Run) -> None:
    ready(*MAJOR)
    ready("ticket", "new", "--category", "repair", "--summary", "灯不亮", "--by", "王芳")
    overdue = json.loads(ready("ticket", "list", "--overdue", "--json").output)
    assert [t["category"] for t in overdue] == ["complaint"]
    mine = json.loads(ready("--as", "王芳", "ticket", "list", "--mine", "--json").output)
    assert len(mine) == 2
    out = ready("ticket", "handover", "--from", "王芳", "--to", "李娜").output
    assert "2 open ticket(s) handed over" in out
    assert json.loads(ready("--as", "王芳", "ticket", "list", "--mine", "--json").output) == []
    assert "电梯困人" in ready("ticket", "list").output


def test_calendar_show(ready: Run) -> None:
    days = json.loads(ready("calendar", "show", "2026-10", "--json").output)
    assert [d["date"] for d in days if d["kind"] == "adjusted_workday"] == ["2026-10-10"]
    assert "国庆节" in ready("calendar", "show", "2026-10").output


def test_config_override_changes_the_deadline(ready: Run, tmp_path: Path) -> None:
    cfg = tmp_path / "site.toml"
    cfg.write_text('[site]\ncode = "HY"\n[calendar]\nholidays = ["2026-10-08"]\n'
                   '[sla.policies."complaint.major"]\nreply = "1h"\nresolve = "3wd"\n',
                   encoding="utf-8")
    t = json.loads(ready("--config", str(cfg), *MAJOR, "--json").output)
    assert t["number"].startswith("HY-20260930-")
    assert t["deadlines"] == {"reply": "2026-09-30T16:00:00+08:00",
                              "resolve": "2026-10-12T18:00:00+08:00"}


BAD = [
    (["--category", "xyz"], "category"),
    (["--category", "repair", "--severity", "huge"], "severity"),
    (["--category", "投诉"], "severity"),
    (["--category", "repair", "--unit", "9-9-909"], "unit"),
    (["--category", "repair", "--by", "nobody"], "by"),
    (["--category", "repair", "--at", "30/09/2026"], "at"),
    (["--category", "repair", "--channel", "fax"], "channel"),
    (["--category", "repair", "--summary", " "], "summary"),
]


@pytest.mark.parametrize(("args", "field"), BAD, ids=[f for _, f in BAD])
def test_bad_intake_exits_2_with_one_line_and_writes_nothing(
        ready: Run, db_url: str, args: list[str], field: str) -> None:
    before = counts(db_url)
    base = {"--summary": "x", "--by": "王芳"}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    result = ready("ticket", "new", *[x for kv in base.items() for x in kv])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {field}: "), result.stderr
    assert "Traceback" not in result.output
    assert counts(db_url) == before


@pytest.mark.parametrize(("args", "needle"), [
    (["close", "{n}"], "error: state: cannot close"),
    (["report", "{n}", "--satisfied", "--satisfaction", "7"], "error: satisfaction:"),
    (["dispatch", "{n}", "--to", "外星部"], "error: to:"),
    (["start", "{n}", "--at", "2026-11-19 09:00"], "error: at:"),
    (["dispatch", "GD-19990101-0001", "--to", "赵强"], "error: number:"),
    (["report", "{n}"], "error: satisfied:"),
    (["new"], "error: Missing option '--category'"),
    (["followup", "record", "{n}", "--method", "phone", "--satisfaction", "0"],
     "error: satisfaction:"),
])
def test_bad_actions_exit_2_and_write_nothing(ready: Run, db_url: str, args: list[str],
                                              needle: str) -> None:
    n = json.loads(ready("ticket", "new", "--category", "repair", "--summary", "x", "--by",
                         "王芳", "--at", "2026-11-19 09:00", "--json").output)["number"]
    ready("ticket", "dispatch", n, "--to", "赵强", "--at", "2026-11-19 09:30")
    before = counts(db_url)
    argv = [a.format(n=n) for a in args]
    result = ready(*argv) if argv[0] == "followup" else ready("ticket", *argv)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(needle), result.stderr
    assert counts(db_url) == before


def test_bad_config_names_the_key(run: Run, tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[sla.policies."complaint.major"]\nreply = "2 hours"\n', encoding="utf-8")
    result = run("--config", str(cfg), "ticket", "list")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: sla.policies.complaint.major.reply: invalid duration")
    cfg.write_text("[site\n", encoding="utf-8")
    assert run("--config", str(cfg), "ticket", "list").stderr.startswith("error: config: ")


def test_uninitialised_database_is_one_line(run: Run, tmp_path: Path) -> None:
    result = run("--db", f"sqlite:///{tmp_path / 'empty.db'}", "ticket", "list")
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: database: not initialised (run: propdesk init)"


def test_unit_and_ledger_import(ready: Run, db_url: str, tmp_path: Path) -> None:
    units = tmp_path / "units.csv"
    units.write_text("code,owner,phone\n2-1-101,周先生,13900000001\n2-1-102,,\n",
                     encoding="utf-8")
    assert ready("unit", "import", str(units)).exit_code == 0
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(
        "received_at,channel,category,severity,unit,summary,owner,state,closed_at\n"
        "2026-10-08 09:00,电话,投诉,轻微,2-1-101,噪音,王芳,closed,2026-10-09 10:00\n"
        "2026-10-08 10:00,来访,报修,,2-1-102,门锁坏,王芳,received,\n", encoding="utf-8")
    told = ready("ticket", "import", str(ledger), "--json", "--progress", "--batch", "1")
    out = json.loads(told.stdout)
    assert out["imported"] == 2
    # a long ledger is not silent: the rows checked, then each batch written (stderr)
    lines = told.stderr.splitlines()
    assert [line.split(" (")[0] for line in lines] == [
        "checked 2/2 rows", "written 1/2 rows", "written 2/2 rows"]
    assert lines[-1].startswith("written 2/2 rows (100%), ")
    closed = json.loads(ready("ticket", "show", "GD-20261008-0001", "--json").output)
    assert closed["state"] == "closed" and closed["events"][0]["kind"] == "imported"
    assert closed["deadlines"]["resolve"] == "2026-10-09T18:00:00+08:00"
    bad = tmp_path / "bad.csv"
    bad.write_text("received_at,category,summary,owner\n2026-10-08 09:00,报修,ok,王芳\n"
                   "2026-10-08 09:00,报修,ok,路人甲\n", encoding="utf-8")
    before = counts(db_url)
    result = ready("ticket", "import", str(bad))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: owner: bad.csv line 3: no staff member")
    assert counts(db_url) == before


@pytest.mark.slow
def test_init_demo_builds_a_believable_site(run: Run, db_url: str) -> None:
    result = run("init", "--demo")
    assert result.exit_code == 0, result.output
    c = counts(db_url)
    assert c["units"] == 200 and c["staff"] == 12 and c["tickets"] > 150
    listing = json.loads(run("ticket", "list", "--json", "--limit", "500").output)
    assert {t["state"] for t in listing} >= {"dispatched", "in_progress"}
    assert run("init", "--demo").exit_code == 2  # never on top of existing data


def test_plugins_listing(ready: Run) -> None:
    rows = json.loads(ready("plugins", "--json").output)
    builtin = next(r for r in rows if r["name"] == "core.builtin")
    assert "select_sla_policy" in builtin["hooks"]


def test_toolkits_are_reachable_from_propdesk(run: Run) -> None:
    result = run("train", "cases", "--json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)) >= 40
    assert "sim" in run("--help").output


def test_archivist_sees_the_same_masked_view_through_cli_and_api(ready: Run,
                                                                 db_url: str) -> None:
    """Masking is the read service's: `--as` an archivist and the archivist's token agree."""
    from fastapi.testclient import TestClient

    from core import tokens
    from core.api.app import create_app
    from core.desk import Desk

    assert ready("staff", "add", "档案员", "--role", "archivist").exit_code == 0
    n = json.loads(ready(*MAJOR, "--json").stdout)["number"]
    shown = ready("--as", "档案员", "ticket", "show", n, "--json")
    assert shown.exit_code == 0, shown.output
    view = json.loads(shown.stdout)
    assert view["contact_phone"] == "138****5678"
    units = json.loads(ready("--as", "档案员", "unit", "list", "--json").stdout)
    assert units[0]["phone"] == "138****5678"
    assert json.loads(ready("unit", "list", "--json").stdout)[0]["phone"] == "13812345678"
    desk = Desk.open(db_url)
    token = tokens.create(desk, "档案员")["token"]
    with TestClient(create_app(desk)) as client:
        api = client.get(f"/tickets/{n}", headers={"Authorization": f"Bearer {token}"}).json()
    desk.engine.dispose()
    assert api == view


@pytest.mark.parametrize("args", [["ticket", "list"], ["unit", "list"], ["staff", "list"],
                                  ["calendar", "show", "2026-10"], ["plugins"],
                                  ["token", "list"], ["init"], ["sla", "check"]])
def test_an_unknown_name_is_refused_on_reads_too(ready: Run, db_url: str,
                                                 args: list[str]) -> None:
    before = counts(db_url)
    result = ready("--as", "路人甲", *args)
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: as: no staff member '路人甲'"
    assert counts(db_url) == before


@pytest.mark.parametrize("args", [["init"], ["db", "upgrade"], ["sla", "check"],
                                  ["watch", "--once"], ["serve", "--port", "1"]])
def test_operator_commands_refuse_a_named_role(ready: Run, args: list[str]) -> None:
    result = ready("--as", "王芳", *args)
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: as: 王芳 (frontdesk) may not run site operations"


def test_mine_needs_a_name_from_the_service(ready: Run) -> None:
    result = ready("ticket", "list", "--mine")
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: mine: needs --as STAFF (or PROPDESK_STAFF)"
