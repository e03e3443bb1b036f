"""The walk: EVERY command and EVERY route, as a role that may not, and as nobody known.

The commands come from the live click tree (`core.cli.main.cli` with the plugins'
`register_commands`, `train` and `sim` included) and the routes from the live app
(`create_app(desk).routes`, core's and plugins'), never from a list kept by hand. Each is
given a plausible invocation (sample values by parameter name, overrides per command),
run against a site with real records, and:

- (a) as the least privileged role for it (an integrator; a trainer for webhooks, which
  integrators may manage): a state-changing command is refused (exit 2, `error: as: ...`;
  HTTP 403 with a JSON body); a read may succeed; either way NOTHING is written (every
  table's rows compared before and after) and owners' phones never show in full;
- (b) with `--as` an unknown name: every command exits 2 with
  `error: as: no staff member '...'` and writes nothing (HTTP: an unknown or absent token
  is 401).

A command without a sample invocation fails (add it to SAMPLES); commands that cannot run
here are in SKIPPED with the reason, the one visible table.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, text

from core import db, directory, tokens
from core.desk import Desk
from tests.conftest import truncate

PHONE = "13812345678"  # every owner's phone on the walk's site: must never show in full
NOBODY = "无此人"
INTEGRATOR, TRAINER = "集成商", "培训师"
CORE = {"calendar", "capa", "db", "followup", "init", "plugins", "report", "serve", "sla",
        "staff", "ticket", "token", "unit", "watch", "webhook", "notify", "topics"}

#: commands that only read: they may succeed (writing nothing, phones masked). Every
#: other command changes state and must be refused to the walk's role.
READS = {
    "calendar show", "capa list", "capa show", "followup due", "plugins", "sla explain",
    "staff list", "ticket attachments", "ticket list", "ticket search", "ticket show",
    "token list", "unit history", "unit list", "webhook list",
    "webhook deliveries", "notify list",
    "topics test",
    "archive access", "archive audit", "archive list", "archive register", "archive requests",
    "archive show", "archive verify", "archive backups",
    "events notices", "events report", "events show",
    "keys audit", "keys counts", "keys history", "keys list", "keys loans", "keys loss list",
    "keys show", "keys vacant list",
    "paid decision", "paid prices", "paid show", "paid statement",
    "sim calibrate", "sim mmc", "sim optimize", "sim queue", "sim run",  # computed, nothing stored
    "train analyse", "train cases", "train case submissions", "train exam render", "train gift",
    "train practice",
    "train report teams",
}

#: commands run with options that return quickly instead of the defaults, or not at all
SKIPPED: dict[str, str] = {}

#: a sample value for a parameter, by its click name (commands override below)
VALUES: dict[str, str] = {
    "number": "{received}", "reason": "走查", "note": "走查", "result": "已处理",
    "to": "赵强", "category": "repair", "summary": "走查", "unit": "1-1-502",
    "code": "9-9-909", "name": "走查员", "role": "frontdesk", "staff": "王芳",
    "token_id": "1", "webhook_id": "1", "delivery_id": "1",
    "url": "https://example.invalid/hook",
    "events": "ticket_transitioned", "period": "2026-11", "month": "2026-11",
    "from_staff": "王芳", "to_staff": "李娜", "tag": "K-0502", "kind": "spare",
    "loss_id": "1", "accountable": "孙丽", "circumstances": "走查", "outcome": "done",
    "borrower": "赵强", "purpose": "入户维修", "task_id": "1", "sample": "1",
    "start": "2026-11-01", "request_id": "1", "document": "1", "witness": "周敏",
    "requester": "王芳", "title": "走查", "path": "deed.pdf", "event_id": "1",
    "session_id": "1", "registration_id": "1", "year": "2026", "season": "autumn",
    "starts": "2026-12-20 09:00", "capacity": "5", "text": "走查", "job": "{job}",
    "appointment": "2026-11-30 14:00", "method": "phone", "receipt": "R9999",
    "amount": "1", "description": "走查", "ticket": "{reported}", "technicians": "赵强",
    "name_zh": "走查", "name_en": "walk", "labour": "1", "approval": "走查",
    "effective": "2026-01-01", "items": "PS-01=1", "image": "sig.png", "day": "2026-11-20",
    "handover": "2023-06-30", "until": "2025-06-30", "work_done": "走查", "cause": "走查",
    "care": "走查", "satisfied": "--satisfied", "trainee": "王芳", "seed": "1",
    "out": "{tmp}/out.txt", "exam_id": "E1", "by": "王芳", "case_file": "{tmp}/case.md",
    "exam_file": "{tmp}/exam.json", "quarter": "2026-Q4", "arrivals_per_hour": "10",
    "aht_min": "5", "agents": "3", "value": "1", "key": "retention_years",
    "file": "{file}",
}
#: whole invocations (after the command's path) where the defaults do not fit
SAMPLES: dict[str, list[str]] = {
    "init": [], "db upgrade": [],
    "serve": ["--host", "256.0.0.1", "--port", "1"],  # returns at once if it ever starts
    "watch": ["--once"],
    "ticket new": ["--category", "repair", "--unit", "1-1-502", "--summary", "走查",
                   "--by", "王芳"],
    "ticket start": ["{dispatched}"], "ticket report": ["{resolved}", "--satisfied"],
    "ticket close": ["{reported}"], "ticket reopen": ["{resolved}", "--reason", "走查"],
    "ticket import": ["{tmp}/ledger.csv"],
    "ticket attach": ["{received}", "{tmp}/deed.pdf"],
    "ticket reclassify": ["{received}", "--category", "inquiry", "--reason", "走查"],
    "unit import": ["{tmp}/units.csv"],
    "ticket handover": ["--from", "王芳", "--to", "李娜"],
    "followup record": ["{resolved}", "--satisfaction", "5"],
    "followup rain": ["2026-11-20"], "followup plan": [],
    "capa update": ["CAPA-2026-0001", "--cause", "走查"], "capa show": ["CAPA-2026-0001"],
    "calendar apply": ["--at", "2026-11-20 09:00"],
    "report monthly": ["2026-11"], "report quarterly": ["2026-Q4"], "report half": ["2026-H2"],
    "token revoke": ["1"], "webhook remove": ["1"], "notify test": ["wecom", "--to", "王芳"],
    "webhook add": ["https://example.invalid/hook", "--events", "*"],
    "webhook phones": ["1", "full"],
    "token create": ["--staff", "王芳", "--expires", "30d"],
    "keys add": ["K-NEW", "--kind", "公共区域", "--area", "水泵房"],
    "archive add": ["{file}", "{tmp}/deed.pdf", "--kind", "业户资料", "--title", "走查"],
    "archive request": ["{file}", "--purpose", "view", "--requester", "王芳", "--reason", "走查"],
    "archive change": ["{file}", "--reason", "sale"],
    "archive backup-request": ["{tmp}/walk-backups"],
    "archive backup-approve": ["1"], "archive backup-refuse": ["1"],
    "archive backup": ["--approval", "1"],
    "events survey": ["1", "--unit", "1-1-502", "--score", "5"],
    "events settings": ["retention_years", "1"],
    "train exam assemble": ["--seed", "1", "--count", "3", "--out", "{tmp}/exam2.json"],
    "sim optimize": ["-n", "1", "--workers", "1"], "sim run": ["-n", "1"],  # quick, same path
    "paid quote": ["{paid}", "--item", "PS-01=1"], "paid decision": ["{paid}"],
    "paid pay": ["{job}", "--method", "wechat", "--receipt", "R9999"],
    "paid refund": ["{job}", "--amount", "1", "--reason", "走查", "--receipt", "R9999",
                    "--method", "wechat"],
}


# --------------------------------------------------------------------------- the tree


def _tree() -> tuple[list[tuple[str, click.Command]], str | None]:
    """Every leaf command of the live CLI, by path; or why the tree could not be read."""
    from core.cli.main import cli

    found: list[tuple[str, click.Command]] = []
    try:
        if not hasattr(cli, "_plugin_commands"):  # plugins join through the entry point
            from core.plugins import make_plugin_manager

            make_plugin_manager().hook.register_commands(cli=cli)

        def walk(cmd: click.Command, path: list[str], ctx: click.Context) -> None:
            if isinstance(cmd, click.Group):
                sub_ctx = click.Context(cmd, parent=ctx, info_name=path[-1] if path else None)
                for name in cmd.list_commands(sub_ctx):
                    sub = cmd.get_command(sub_ctx, name)
                    if sub is not None:
                        walk(sub, [*path, name], sub_ctx)
            else:
                found.append((" ".join(path), cmd))
        walk(cli, [], click.Context(cli, info_name="propdesk"))
    except Exception as exc:  # noqa: BLE001 - reported as a failing case below
        return found, f"{type(exc).__name__}: {exc}"
    return found, None


def _routes() -> tuple[list[Any], str | None]:
    from fastapi.routing import APIRoute

    from core import db
    from core.api.app import create_app
    from core.config import Config
    from core.plugins import make_plugin_manager

    try:
        desk = Desk(config=Config(), engine=db.make_engine("sqlite://"),
                    pm=make_plugin_manager())
        app = create_app(desk)

        def flat(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
            for r in routes:
                if isinstance(r, APIRoute):
                    yield prefix + r.path, r
                elif hasattr(r, "original_router"):  # an included router, kept whole
                    yield from flat(r.original_router.routes,
                                    prefix + (r.include_context.prefix or ""))
        routes = list(flat(app.routes))
    except Exception as exc:  # noqa: BLE001
        return [], f"{type(exc).__name__}: {exc}"
    return [(m, path, r) for path, r in routes for m in sorted(r.methods)], None


COMMANDS, TREE_ERROR = _tree()
ROUTES, ROUTES_ERROR = _routes()


def _invocation(path: str, cmd: click.Command) -> list[str]:
    """Arguments for `cmd` from SAMPLES or from VALUES by parameter name."""
    # --json where there is one: the whole view shows, phones included
    json = ["--json"] if any(p.name == "as_json" for p in cmd.params) else []
    if path in SAMPLES:
        return [*SAMPLES[path], *json]
    args: list[str] = list(json)
    missing = []
    for p in cmd.params:
        if not p.required:
            continue
        if p.name not in VALUES:
            missing.append(p.name)
            continue
        value = VALUES[p.name]
        if isinstance(p, click.Argument):
            args.append(value)
        elif isinstance(p, click.Option) and p.is_flag:
            args.append(value if value.startswith("-") else p.opts[0])
        else:
            args += [p.opts[-1] if p.opts[-1].startswith("--") else p.opts[0], value]
    if missing:
        pytest.fail(f"{path}: no sample invocation for {', '.join(map(str, missing))} "
                    "(add it to SAMPLES or VALUES in tests/integrity/test_walk.py)")
    return args


def _role(path: str) -> str:
    """Integrators may manage webhooks and notifications: a trainer walks those."""
    return TRAINER if path.split()[0] in ("webhook", "notify") or "webhook" in path \
        else INTEGRATOR


# --------------------------------------------------------------------------- the site


def snapshot(desk: Desk) -> dict[str, list[str]]:
    """Every table's rows, sorted: compared before and after each command."""
    out: dict[str, list[str]] = {}
    found = inspect(desk.engine)
    names = found.get_table_names()
    with desk.engine.connect() as conn:
        for name in names:
            # a token's last use is the request's own bookkeeping, not a change it made
            columns = ", ".join(f'"{c["name"]}"' for c in found.get_columns(name)
                                if (name, c["name"]) != ("api_tokens", "last_used_at"))
            rows = conn.execute(text(f'SELECT {columns} FROM "{name}"'))
            out[name] = sorted(repr(tuple(r)) for r in rows)
    return out


def _changed(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    return sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))


@dataclass
class Walk:
    desk: Desk
    url: str
    tmp: Path
    records: dict[str, str]
    setup_errors: list[str]

    def fill(self, value: str) -> str:
        def one(m: re.Match[str]) -> str:
            key = m.group(1)
            if key == "tmp":
                return str(self.tmp)
            if key not in self.records:
                pytest.fail(f"the walk's site has no {key} record: {self.setup_errors}")
            return self.records[key]
        return re.sub(r"\{(\w+)\}", one, value)


def _cli(url: str, args: list[str]) -> Any:
    from core.cli.main import cli

    env = {"PROPDESK_DATABASE_URL": url, "PROPDESK_STAFF": None, "PROPDESK_CONFIG": None}
    return CliRunner().invoke(cli, args, env=env)


@pytest.fixture(scope="module")
def walk(_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    """The walk's site, made once for the module as the operator: the core's units and
    staff, a ticket in each state, tokens, files to import and a record of every kind the
    plugins' commands need. The walk writes nothing, and each case proves it for itself,
    so one site serves every case."""
    from core import tickets
    from tests.conftest import PG_URL, Clock, make_desk

    tmp = tmp_path_factory.mktemp("walk")
    if PG_URL:
        url = db.database_url(PG_URL)
        truncate(url)
    else:
        url = f"sqlite:///{tmp / 'walk.db'}"
        shutil.copy(_template, tmp / "walk.db")
    site = make_desk(url, Clock())
    old = Path.cwd()
    os.chdir(tmp)
    saved = {k: os.environ.get(k) for k in ("PROPDESK_ARCHIVE_DIR",)}
    os.environ["PROPDESK_ARCHIVE_DIR"] = str(tmp / "archive_store")
    for code, owner in [("1-1-101", "王先生"), ("1-1-502", "李女士"), ("2-1-301", "张先生")]:
        directory.add_unit(site, code, owner, PHONE)
    for name, role, dept in [("王芳", "frontdesk", "客服部"), ("李娜", "frontdesk", "客服部"),
                             ("刘洋", "supervisor", "客服部"), ("陈静", "manager", "项目部"),
                             ("赵强", "technician", "工程部"),
                             (INTEGRATOR, "integrator", None), (TRAINER, "trainer", None),
                             ("孙丽", "custodian", "工程部"), ("周敏", "archivist", "档案室")]:
        directory.add_staff(site, name, role, dept)
    records: dict[str, str] = {}
    errors: list[str] = []
    db_url, tmp_path = url, tmp

    def ticket(state: str) -> str:
        # the closed one elsewhere: closing files it (archives), the walk opens 1-1-502's
        unit = "2-1-301" if state == "closed" else "1-1-502"
        n = tickets.intake(site, category="repair", unit=unit, summary="厨房水管漏水",
                           by="王芳", at="2026-11-19 09:00")["number"]
        steps = {"dispatched": 1, "resolved": 3, "reported": 4, "closed": 5}.get(state, 0)
        for i, step in enumerate([
                lambda: tickets.dispatch(site, n, "赵强", at="2026-11-19 09:10"),
                lambda: tickets.start(site, n, at="2026-11-19 09:20"),
                lambda: tickets.resolve(site, n, "更换软管", at="2026-11-19 10:00"),
                lambda: tickets.report(site, n, True, at="2026-11-19 10:30"),
                lambda: tickets.close(site, n, at="2026-11-19 11:00")]):
            if i < steps:
                step()
        return n
    for state in ("received", "dispatched", "resolved", "reported", "closed"):
        records[state] = ticket(state)
    records["paid"] = tickets.intake(site, category="paid_service", unit="1-1-502",
                                     summary="更换水龙头", by="王芳",
                                     at="2026-11-19 09:00")["number"]
    tokens.create(site, "王芳", "walk")
    for name in (INTEGRATOR, TRAINER):
        records[f"token:{name}"] = tokens.create(site, name, "walk")["token"]
    (tmp_path / "ledger.csv").write_text(
        "received_at,category,summary,owner\n2026-11-01 09:00,inquiry,走查,王芳\n",
        encoding="utf-8")
    (tmp_path / "units.csv").write_text("code,owner,phone\n8-8-808,走查,13800000000\n",
                                        encoding="utf-8")
    (tmp_path / "deed.pdf").write_bytes(b"%PDF-1.4 walk")
    records["tmp"] = str(tmp)
    for args in SETUP:
        filled = [re.sub(r"\{(\w+)\}", lambda m: records.get(m.group(1), m.group(0)), a)
                  for a in args]
        result = _cli(db_url, filled)
        if result.exit_code != 0:
            errors.append(f"{' '.join(filled)}: {result.stderr.strip()[:200]}")
        for key, pattern in (("job", r"PS-\d{8}-\d{4}"), ("file", r"\b[A-Z]+-1-1-502\b")):
            found = re.search(pattern, result.stdout)
            if found and key not in records:
                records[key] = found.group(0)
    yield Walk(site, db_url, tmp_path, records, errors)
    os.chdir(old)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    site.engine.dispose()
    if PG_URL:
        truncate(url)


#: plugin records the walk's commands refer to, made through the plugins' own commands
SETUP: list[list[str]] = [
    ["webhook", "add", "https://example.invalid/hook", "--events", "*"],
    ["--as", "孙丽", "keys", "add", "K-0502", "--kind", "spare", "--unit", "1-1-502",
     "--entrusted-by", "李女士", "--entrusted-on", "2026-10-08", "--entrustment-ref",
     "WT-2026-031", "--at", "2026-11-19 08:00"],
    ["--as", "孙丽", "keys", "add", "K-PD1", "--kind", "公共区域", "--area", "配电房",
     "--at", "2026-11-19 08:00"],
    ["--as", "孙丽", "keys", "loss", "report", "K-PD1", "--circumstances", "未见",
     "--at", "2026-11-19 17:05"],
    ["--as", "周敏", "archive", "open", "1-1-502", "--at", "2026-01-05 09:00"],
    ["--as", "周敏", "archive", "add", "{file}", "deed.pdf", "--kind", "业户资料", "--title",
     "房产证复印件", "--date", "2026-01-05"],
    ["--as", "王芳", "archive", "request", "{file}", "--purpose", "view", "--requester", "王芳",
     "--reason", "核对产权", "--document", "1"],
    ["--as", "周敏", "archive", "approve", "1"], ["--as", "陈静", "archive", "approve", "1"],
    ["--as", "周敏", "archive", "backup-request", "{tmp}/walk-backups"],
    ["events", "propose", "开放日", "--starts", "2026-12-20 09:00", "--at", "2026-11-18 09:00"],
    ["events", "session", "1", "--starts", "2026-12-20 09:00", "--capacity", "5",
     "--at", "2026-11-18 09:00"],
    ["paid", "price-set", "PS-01", "--zh", "更换水龙头", "--en", "replace a tap", "--unit", "个",
     "--labour", "30", "--approval", "穗价〔2026〕12号", "--effective", "2026-01-01"],
    ["paid", "quote", "{paid}", "--item", "PS-01=1", "--at", "2026-11-19 11:00"],
    ["train", "exam", "assemble", "--seed", "1", "--count", "3", "--out", "{tmp}/exam.json"],
    ["train", "case", "from-ticket", "{closed}", "--out", "{tmp}/case.md"],
]


# --------------------------------------------------------------------------- the CLI walk


def _ids() -> list[Any]:
    cases = [pytest.param(path, cmd, id=path) for path, cmd in COMMANDS]
    if TREE_ERROR:
        cases.append(pytest.param("<tree>", None, id="<the command tree>"))
    return cases


def _run(walk: Walk, path: str, cmd: click.Command | None, actor: str) -> tuple[Any, list[str]]:
    if cmd is None:
        pytest.fail(f"the command tree could not be read: {TREE_ERROR}")
    if path in SKIPPED:
        pytest.skip(SKIPPED[path])
    args = [walk.fill(a) for a in _invocation(path, cmd)]
    before = snapshot(walk.desk)
    result = _cli(walk.url, ["--as", actor, *path.split(), *args])
    return result, _changed(before, snapshot(walk.desk))


@pytest.mark.parametrize(("path", "cmd"), _ids())
def test_every_command_as_a_role_that_may_not(walk: Walk, path: str,
                                              cmd: click.Command | None) -> None:
    role = _role(path)
    result, changed = _run(walk, path, cmd, role)
    said = f"exit {result.exit_code}; stdout {result.stdout[:300]!r}; stderr {result.stderr!r}"
    assert not changed, f"{path} as {role} wrote to {changed} ({said})"
    assert "Traceback" not in result.output, said
    assert PHONE not in result.stdout, f"{path} showed an owner's phone in full ({said})"
    if path in READS:
        assert result.exit_code in (0, 2), said
        if result.exit_code == 2:
            assert len(result.stderr.strip().splitlines()) == 1, said
    else:
        assert result.exit_code == 2, f"{path} as {role} was not refused ({said})"
        assert result.stderr.startswith("error: as: "), f"{path}: not refused by role ({said})"


@pytest.mark.parametrize(("path", "cmd"), _ids())
def test_every_command_refuses_an_unknown_name(walk: Walk, path: str,
                                               cmd: click.Command | None) -> None:
    result, changed = _run(walk, path, cmd, NOBODY)
    said = f"exit {result.exit_code}; stdout {result.stdout[:300]!r}; stderr {result.stderr!r}"
    assert not changed, f"{path} as an unknown name wrote to {changed} ({said})"
    assert result.exit_code == 2, said
    assert result.stderr.strip() == f"error: as: no staff member '{NOBODY}'", said


def test_the_walk_covers_core_and_every_plugin() -> None:
    """The tree is the live one: core's commands, the plugins' and the toolkits'."""
    assert TREE_ERROR is None, TREE_ERROR
    tops = {path.split()[0] for path, _ in COMMANDS}
    assert tops >= CORE, CORE - tops
    assert {"keys", "archive", "events", "paid", "train", "sim"} <= tops, tops
    unknown = (set(READS) | set(SAMPLES) | set(SKIPPED)) - {p for p, _ in COMMANDS}
    assert not unknown, f"stale entries in the walk's tables: {sorted(unknown)}"


# --------------------------------------------------------------------------- the HTTP walk

OPEN = {"/health", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
#: path parameters by name, and per route where the name's default does not fit
PATH_VALUES = {"number": "{received}", "kind": "monthly", "period": "2026-11",
               "month": "2026-11"}
PATH_SAMPLES: dict[str, dict[str, str]] = {
    "POST /paid/tickets/{number}/quote": {"number": "{paid}"},
    "POST /tickets/{number}/start": {"number": "{dispatched}"},
    "POST /tickets/{number}/report": {"number": "{resolved}"},
    "POST /tickets/{number}/reopen": {"number": "{resolved}"},
    "POST /tickets/{number}/followups": {"number": "{resolved}"},
    "POST /tickets/{number}/close": {"number": "{reported}"},
    "GET /capa/{number}": {"number": "CAPA-2026-0001"},
    "PATCH /capa/{number}": {"number": "CAPA-2026-0001"},
}
#: body fields by name (strings), then by JSON type
BODY_VALUES: dict[str, Any] = {**VALUES, "satisfied": True, "satisfaction": 5,
                               "day": "2026-11-20", "from": "王芳", "to": "李娜",
                               "items": ["PS-01=1"], "events": ["*"], "capacity": 5,
                               "amount": "1", "document": 1, "method": "phone"}
BODY_SAMPLES: dict[str, dict[str, Any]] = {
    "POST /tickets/{number}/dispatch": {"to": "赵强"},
    "POST /handover": {"from": "王芳", "to": "李娜"},
    "POST /tickets/{number}/reclassify": {"category": "inquiry", "reason": "走查"},
    "PATCH /capa/{number}": {"cause": "走查"},
    "POST /paid/tickets/{number}/quote": {"items": {"PS-01": "1"}},
    "POST /paid/jobs/{ref}/issue": {"technicians": ["赵强"]},
    "POST /paid/jobs/{ref}/pay": {"method": "wechat", "receipt": "R9999"},
    "POST /paid/jobs/{ref}/refund": {"method": "wechat", "receipt": "R9999", "amount": "1",
                                     "reason": "走查"},
    "POST /keys": {"tag": "K-NEW", "kind": "公共区域", "area": "水泵房"},
    "POST /events": {"title": "走查", "starts_at": "2026-12-20 09:00"},
    "POST /events/{event_id}/sessions": {"starts_at": "2026-12-20 09:00", "capacity": 5},
    "POST /archive/files/{ref}/requests": {"purpose": "view", "requester": "王芳",
                                           "reason": "走查"},
    "POST /archive/files/{ref}/change": {"reason": "sale"},
    "POST /archive/files/{ref}/hold": {"reason": "买卖合同纠纷"},
}
BY_TYPE: dict[str, Any] = {"string": "走查", "integer": 1, "number": 1, "boolean": True,
                           "array": ["走查"], "object": {}}


def _route_ids() -> list[Any]:
    cases = [pytest.param(m, p, r, id=f"{m} {p}") for m, p, r in ROUTES if p not in OPEN]
    if ROUTES_ERROR:
        cases.append(pytest.param("GET", "<app>", None, id="<the app>"))
    return cases


def _schema_body(route: Any, key: str) -> dict[str, Any] | None:
    if key in BODY_SAMPLES:
        return BODY_SAMPLES[key]
    field = route.body_field
    if field is None:
        return None
    model = getattr(field, "type_", None) or field.field_info.annotation
    schema = model.model_json_schema() if hasattr(model, "model_json_schema") else {}
    body: dict[str, Any] = {}
    for name in schema.get("required", []):
        prop = schema["properties"][name]
        if name in BODY_VALUES:
            body[name] = BODY_VALUES[name]
        else:
            kind = prop.get("type") or next((a.get("type") for a in prop.get("anyOf", [])
                                             if a.get("type") != "null"), "string")
            body[name] = BY_TYPE.get(kind, "走查")
    return body


@pytest.fixture(scope="module")
def http(walk: Walk) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from core.api.app import create_app

    with TestClient(create_app(walk.desk), raise_server_exceptions=False) as client:
        yield client


def _request(walk: Walk, http: Any, method: str, path: str, route: Any,
             headers: dict[str, str]) -> tuple[Any, list[str]]:
    if route is None:
        pytest.fail(f"the app's routes could not be read: {ROUTES_ERROR}")
    key = f"{method} {path}"
    params = PATH_SAMPLES.get(key, {})
    url = path
    for name in route.param_convertors:
        by_plugin = {"ref": "{job}" if path.startswith("/paid") else "{file}"}
        value = params.get(name, PATH_VALUES.get(name, by_plugin.get(name, "1")))
        url = url.replace("{" + name + "}", walk.fill(value))
    body = _schema_body(route, key)
    if body is not None:
        body = {k: walk.fill(v) if isinstance(v, str) else v for k, v in body.items()}
    before = snapshot(walk.desk)
    response = http.request(method, url, json=body, headers=headers)
    return response, _changed(before, snapshot(walk.desk))


@pytest.mark.parametrize(("method", "path", "route"), _route_ids())
def test_every_route_as_a_role_that_may_not(walk: Walk, http: Any, method: str, path: str,
                                            route: Any) -> None:
    role = TRAINER if "webhook" in path else INTEGRATOR
    token = walk.records[f"token:{role}"]
    response, changed = _request(walk, http, method, path, route,
                                 {"Authorization": f"Bearer {token}"})
    said = f"{response.status_code} {response.text[:300]}"
    assert not changed, f"{method} {path} as {role} wrote to {changed} ({said})"
    assert response.status_code < 500, said
    assert PHONE not in response.text, f"{method} {path} showed a phone in full ({said})"
    if method == "GET":
        return
    assert response.status_code == 403, f"{method} {path} as {role} was not refused ({said})"
    assert response.json().get("field") == "as" and response.json().get("error"), said


@pytest.mark.parametrize(("method", "path", "route"), _route_ids())
@pytest.mark.parametrize("token", ["pd_unknown", None], ids=["unknown-token", "no-token"])
def test_every_route_needs_a_known_token(walk: Walk, http: Any, method: str, path: str,
                                         route: Any, token: str | None) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response, changed = _request(walk, http, method, path, route, headers)
    assert not changed, f"{method} {path} without a known token wrote to {changed}"
    assert response.status_code == 401, f"{response.status_code} {response.text[:300]}"
    assert response.json().get("error"), response.text


def test_the_http_walk_covers_core_and_every_plugin() -> None:
    assert ROUTES_ERROR is None, ROUTES_ERROR
    paths = {p for _, p, _ in ROUTES}
    for expected in ("/tickets", "/tickets/{number}/close", "/units", "/capa", "/followups"):
        assert expected in paths, expected
    assert any(p.startswith("/keys") for p in paths), sorted(paths)


def test_skipped_commands_are_visible() -> None:
    """The one table of what the walk does not run, each with its reason."""
    for path, reason in SKIPPED.items():
        assert reason.strip(), path
