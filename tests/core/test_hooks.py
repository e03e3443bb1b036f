"""The hook contract: every hook documented, tested, fired at the right time (datasette-style)."""

from __future__ import annotations

import inspect
import logging
import re
import textwrap
from pathlib import Path
from typing import Any

import pluggy
import pytest
from sqlalchemy import Integer, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core import deadlines, followups, hookimpl, hookspecs, tickets
from core.desk import Desk
from core.errors import TransitionRefused
from core.models import Base, Ticket
from core.plugins import make_plugin_manager, plugin_list
from tests.conftest import Clock, make_desk

ROOT = Path(__file__).resolve().parents[2]
HOOKS = sorted(name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
               if hasattr(fn, "propdesk_spec"))


def test_the_contract_has_the_hooks_the_issue_names() -> None:
    assert set(HOOKS) >= {
        "register_categories", "register_commands", "register_routes", "register_models",
        "classify_ticket", "select_sla_policy", "validate_transition", "ticket_created",
        "ticket_transitioned", "sla_at_risk", "sla_breached", "followup_recorded"}


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented_in_code_and_readme(hook: str) -> None:
    doc = getattr(hookspecs, hook).__doc__ or ""
    params = inspect.signature(getattr(hookspecs, hook)).parameters
    for param in params:
        assert f"`{param}" in doc, f"{hook} does not describe `{param}`"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"^\| `{hook}\(", readme, re.M), f"{hook} missing from README hooks table"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook: str) -> None:
    tests = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py"))
    assert re.search(rf"def test_hook_{hook}\b", tests), f"no test_hook_{hook}"


class Recorder:
    """A plugin that records every notification it receives."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    @hookimpl
    def ticket_created(self, ticket: dict[str, Any]) -> None:
        self.calls.append(("ticket_created", {"ticket": ticket}))

    @hookimpl
    def ticket_transitioned(self, ticket: dict, action: str, from_state: str, to_state: str,
                            event: dict) -> None:
        self.calls.append(("ticket_transitioned", {"ticket": ticket, "action": action,
                                                   "from": from_state, "to": to_state,
                                                   "event": event}))

    @hookimpl
    def sla_at_risk(self, ticket: dict, clock: dict) -> None:
        self.calls.append(("sla_at_risk", {"ticket": ticket, "clock": clock}))

    @hookimpl
    def sla_breached(self, ticket: dict, clock: dict) -> None:
        self.calls.append(("sla_breached", {"ticket": ticket, "clock": clock}))

    @hookimpl
    def followup_recorded(self, ticket: dict, followup: dict) -> None:
        self.calls.append(("followup_recorded", {"ticket": ticket, "followup": followup}))

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


@pytest.fixture
def rec(site: Desk) -> Recorder:
    recorder = Recorder()
    site.pm.register(recorder, name="recorder")
    return recorder


def intake(site: Desk, **kw: Any) -> dict[str, Any]:
    args = {"category": "repair", "summary": "漏水", "by": "王芳", "at": "2026-11-19 09:00"}
    return tickets.intake(site, **(args | kw))


def test_hook_ticket_created(site: Desk, rec: Recorder) -> None:
    t = intake(site)
    assert rec.calls == [("ticket_created", {"ticket": t})]


def test_hook_ticket_transitioned(site: Desk, rec: Recorder) -> None:
    n = intake(site)["number"]
    tickets.dispatch(site, n, "赵强", at="2026-11-19 09:10")
    name, call = rec.calls[-1]
    assert name == "ticket_transitioned"
    assert (call["action"], call["from"], call["to"]) == ("dispatch", "received", "dispatched")
    assert call["event"]["kind"] == "dispatched" and call["ticket"]["assignee"] == "赵强"


def test_hook_sla_breached(site: Desk, rec: Recorder, clock: Clock) -> None:
    n = intake(site, category="complaint", severity="major", at="2026-11-20 06:00")["number"]
    first = deadlines.check(site)  # now = 10:00: the 2 h reply clock (08:00) is breached
    assert [(b["number"], b["name"], b["escalated_to"]) for b in first["breached"]] == [
        (n, "reply", "manager")]
    assert rec.names().count("sla_breached") == 1
    _, call = next(c for c in rec.calls if c[0] == "sla_breached")
    assert call["clock"]["name"] == "reply" and call["ticket"]["number"] == n
    assert deadlines.check(site)["breached"] == []  # recorded exactly once
    assert rec.names().count("sla_breached") == 1
    events = _events(site, n)
    assert events.count("sla_breached") == 1


def test_hook_sla_at_risk(site: Desk, rec: Recorder, clock: Clock) -> None:
    n = intake(site, category="complaint", severity="major", at="2026-11-20 08:20")["number"]
    result = deadlines.check(site)  # 10:00: 100 of 120 minutes used (> 80 %), not yet due
    assert [r["number"] for r in result["at_risk"]] == [n]
    assert rec.names() == ["ticket_created", "sla_at_risk"]
    assert deadlines.check(site)["at_risk"] == []


def _events(site: Desk, number: str) -> list[str]:
    from core.queries import show_ticket

    return [e["kind"] for e in show_ticket(site, number)["events"]]


def test_hook_followup_recorded(site: Desk, rec: Recorder) -> None:
    n = intake(site, category="inquiry", answer="已答复")["number"]
    followups.record(site, n, method="visit", satisfaction=1, fixed=False, comment="仍漏水")
    name, call = rec.calls[-1]
    assert name == "followup_recorded"
    assert call["followup"]["satisfaction"] == 1 and call["followup"]["reopened"] is True
    assert call["ticket"]["state"] == "dispatched"


def test_hook_validate_transition(site: Desk) -> None:
    class NoCloseOnFriday:
        @hookimpl
        def validate_transition(self, ticket: dict, action: str, actor: str | None,
                                data: dict) -> None:
            if action == "dispatch" and data["to"] == "赵强":
                raise TransitionRefused("to", "赵强 is on leave")

    site.pm.register(NoCloseOnFriday())
    n = intake(site)["number"]
    with pytest.raises(TransitionRefused, match="on leave"):
        tickets.dispatch(site, n, "赵强", at="2026-11-19 09:10")
    assert _events(site, n) == ["received"]
    assert tickets.dispatch(site, n, "工程部", at="2026-11-19 09:10")["state"] == "dispatched"


def test_hook_classify_ticket(site: Desk) -> None:
    class PaidDrains:
        @hookimpl
        def classify_ticket(self, ticket: dict, config: Any) -> dict | None:
            if "疏通" not in ticket["summary"]:
                return None
            return {"category": "paid_service", "note": {"why": "drain clearing is paid"}}

    site.pm.register(PaidDrains())
    paid = intake(site, summary="下水道疏通")
    assert paid["category"] == "paid_service"
    received = paid["events"][0]
    assert received["kind"] == "received"
    assert received["data"]["classified"] == {"why": "drain clearing is paid"}
    plain = intake(site)
    assert plain["category"] == "repair"
    assert "why" not in plain["events"][0]["data"].get("classified", {})


def test_hook_select_sla_policy(site: Desk) -> None:
    class FastLeaks:
        @hookimpl
        def select_sla_policy(self, ticket: dict, clock: str, config: Any) -> str | None:
            if ticket.get("topic") == "漏水" and clock == "resolve":
                return "4h"
            return None

    site.pm.register(FastLeaks())
    t = intake(site, topic="漏水")
    assert t["deadlines"]["resolve"] == "2026-11-19T13:00:00+08:00"
    assert t["deadlines"]["reply"] == "2026-11-20T09:00:00+08:00"  # built-in answers the rest


def test_hook_register_categories(db_url: str, clock: Clock) -> None:
    class Parking:
        @hookimpl
        def register_categories(self, register: Any) -> None:
            register("parking", "停车", "parking", ("车位",))

    pm = make_plugin_manager()
    pm.register(Parking())
    d = make_desk(db_url, clock, pm=pm)
    from core import directory

    directory.add_staff(d, "王芳", "frontdesk")
    assert tickets.intake(d, category="车位", summary="占位", by="王芳")["category"] == "parking"


def test_hook_register_commands(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import click
    from click.testing import CliRunner

    from core.cli.main import cli

    class Hello:
        @hookimpl
        def register_commands(self, cli: click.Group) -> None:
            @cli.command("hello-site")
            def hello() -> None:
                click.echo("你好")

    pm = make_plugin_manager()
    pm.register(Hello())
    pm.hook.register_commands(cli=cli)
    try:
        assert CliRunner().invoke(cli, ["hello-site"]).output == "你好\n"
    finally:
        cli.commands.pop("hello-site", None)


def test_hook_register_routes() -> None:
    from fastapi import APIRouter

    class Routes:
        @hookimpl
        def register_routes(self, router: APIRouter) -> None:
            router.add_api_route("/lockers", lambda: {"lockers": 0}, methods=["GET"])

    pm = make_plugin_manager()
    pm.register(Routes())
    router = APIRouter()
    pm.hook.register_routes(router=router)  # what the HTTP service does at start-up
    assert "/lockers" in {getattr(route, "path", None) for route in router.routes}


def test_hook_register_migrations(db_url: str, clock: Clock, tmp_path: Path) -> None:
    """A plugin's own table and Alembic branch are migrated by `Desk.upgrade`."""
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "k001_lockers.py").write_text(textwrap.dedent('''
        import sqlalchemy as sa
        from alembic import op

        revision = "k001_lockers"
        down_revision = None
        branch_labels = ("lockers",)
        depends_on = "0001_core"

        def upgrade():
            op.create_table("lockers", sa.Column("id", sa.Integer, primary_key=True),
                            sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id")))

        def downgrade():
            op.drop_table("lockers")
    '''), encoding="utf-8")

    class Lockers:
        @hookimpl
        def register_migrations(self, register: Any) -> None:
            register(versions)

    pm = make_plugin_manager()
    pm.register(Lockers())
    d = make_desk(db_url, clock, pm=pm)
    d.upgrade()
    from sqlalchemy import inspect as sa_inspect

    assert "lockers" in sa_inspect(d.engine).get_table_names()
    from alembic import command

    from core.db import alembic_config

    command.downgrade(alembic_config(d.engine, d.migration_locations()), "lockers@base")  # tidy up
    assert "lockers" not in sa_inspect(d.engine).get_table_names()


def test_hook_register_config(db_url: str, clock: Clock,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A plugin declares its settings; propdesk.toml sets them under [plugins.<name>]."""
    from pydantic import BaseModel, ConfigDict, Field

    from core.config import parse_config
    from core.errors import ConfigError

    monkeypatch.setenv("PROPDESK_LOAD_PLUGINS", "")

    class LiftSettings(BaseModel):
        model_config = ConfigDict(extra="forbid")
        contractor: str = "迅达"
        visits_per_month: int = Field(2, ge=1)

    class Lifts:
        @hookimpl
        def register_config(self, register: Any) -> None:
            register("lifts", LiftSettings)

    def desk_with(toml: dict[str, Any]) -> Desk:
        pm = make_plugin_manager()
        pm.register(Lifts())
        return make_desk(db_url, clock, config=parse_config(toml), pm=pm)

    assert desk_with({}).settings("lifts") == LiftSettings()
    chosen = desk_with({"plugins": {"lifts": {"visits_per_month": 4}}}).settings("lifts")
    assert (chosen.contractor, chosen.visits_per_month) == ("迅达", 4)
    for toml, field in [({"lifts": {"visits_per_month": 0}}, "plugins.lifts.visits_per_month"),
                        ({"lifts": {"colour": "red"}}, "plugins.lifts.colour"),
                        ({"boilers": {"x": 1}}, "plugins.boilers")]:
        with pytest.raises(ConfigError) as err:
            desk_with({"plugins": toml}).plugin_settings  # noqa: B018
        assert err.value.field == field


def test_hook_register_models(db_url: str, clock: Clock,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A plugin's model joins the shared metadata; a model off that metadata is refused."""
    monkeypatch.setenv("PROPDESK_LOAD_PLUGINS", "")  # only the built-ins besides these
    class Elsewhere(DeclarativeBase):
        pass

    class Stray(Elsewhere):
        __tablename__ = "stray"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)

    class Good:
        @hookimpl
        def register_models(self, register: Any) -> None:
            register(Ticket)

    class Bad:
        @hookimpl
        def register_models(self, register: Any) -> None:
            register(Stray)

    pm = make_plugin_manager()
    pm.register(Good())
    assert make_desk(db_url, clock, pm=pm).models()[0] is Ticket  # the latest plugin is asked first
    pm.register(Bad())
    with pytest.raises(TypeError, match="Stray"):
        make_desk(db_url, clock, pm=pm).models()
    assert "stray" not in Base.metadata.tables


def test_a_failing_notification_is_logged_and_loses_nothing(
        site: Desk, rec: Recorder, caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        @hookimpl
        def ticket_created(self, ticket: dict) -> None:
            raise RuntimeError("SMS gateway down")

    site.pm.register(Broken(), name="broken-sms")
    with caplog.at_level(logging.ERROR, logger="propdesk.plugins"):
        t = intake(site)
    assert "broken-sms" in caplog.text and "ticket_created" in caplog.text
    with site.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1
    assert rec.calls == [("ticket_created", {"ticket": t})]  # the other plugin still heard


def test_site_plugin_folder_and_allow_list(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROPDESK_LOAD_PLUGINS", raising=False)  # this test sets its own
    (tmp_path / "sms.py").write_text(
        "from core import hookimpl\n\n@hookimpl\ndef ticket_created(ticket):\n    pass\n",
        encoding="utf-8")
    monkeypatch.setenv("PROPDESK_PLUGINS_DIR", str(tmp_path))
    rows = plugin_list(make_plugin_manager())
    assert {"name": "site:sms", "source": "site folder", "hooks": ["ticket_created"]} in rows
    monkeypatch.setenv("PROPDESK_LOAD_PLUGINS", "")
    names = [r["name"] for r in plugin_list(make_plugin_manager())]
    assert names == ["core.builtin", "core.reactions", "core.webhooks", "core.search",
                     "core.notifiers", "core.attachments"]


def test_entry_point_plugins_load(monkeypatch: pytest.MonkeyPatch) -> None:
    import types
    from importlib import metadata

    module = types.ModuleType("fake_site_plugin")
    module.ticket_created = hookimpl(lambda ticket: None)  # type: ignore[attr-defined]

    class EP:
        name, group = "fake", "propdesk"

        def load(self) -> Any:
            return module

    import core.plugins as plugins_module

    monkeypatch.delenv("PROPDESK_LOAD_PLUGINS", raising=False)  # this test sets its own
    monkeypatch.setattr(plugins_module, "entry_points",
                        lambda group: [EP()] if group == "propdesk" else [])
    pm = make_plugin_manager()
    assert pm.get_plugin("fake") is module
    monkeypatch.setenv("PROPDESK_LOAD_PLUGINS", "other")
    assert make_plugin_manager().get_plugin("fake") is None
    assert metadata  # the real group is read through importlib.metadata


def test_specs_are_well_formed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every spec is documented and every installed implementation matches one; a site
    plugin with a misspelt hook or an argument no spec offers stops the site at once."""
    for hook in HOOKS:
        assert (getattr(hookspecs, hook).__doc__ or "").strip(), f"{hook} has no docstring"
    make_plugin_manager()  # the installed plugins: check_pending passes
    folder = tmp_path / "site_plugins"
    folder.mkdir()
    monkeypatch.setenv("PROPDESK_PLUGINS_DIR", str(folder))
    monkeypatch.setenv("PROPDESK_LOAD_PLUGINS", "typo")  # the built-ins and this one
    plugin = folder / "typo.py"
    plugin.write_text("from core.kit import hookimpl\n\n\n@hookimpl\n"
                      "def ticket_creatd(ticket):\n    pass\n", encoding="utf-8")
    with pytest.raises(pluggy.PluginValidationError, match="ticket_creatd"):
        make_plugin_manager()
    plugin.write_text("from core.kit import hookimpl\n\n\n@hookimpl\n"
                      "def ticket_created(ticket, mood):\n    pass\n", encoding="utf-8")
    with pytest.raises(pluggy.PluginValidationError, match="mood"):
        make_plugin_manager()


def test_hook_archive_record_offered(site: Desk) -> None:
    """The contract between a plugin that offers records and the archive that files them."""
    from core.plugins import notify

    filed: list[dict] = []

    class Archive:
        @hookimpl
        def archive_record_offered(self, record: dict) -> None:
            filed.append(record)

    site.pm.register(Archive())
    record = {"unit": "1-1-502", "kind": "daily", "title": "钥匙借用记录",
              "at": "2026-11-19T10:00:00+08:00", "source": "keys", "data": {"loan": 1}}
    notify(site, "archive_record_offered", record=record)
    assert filed == [record]


def test_hook_deadlines_checked(site: Desk, clock: Clock) -> None:
    passes: list[Any] = []

    class OwnClocks:
        @hookimpl
        def deadlines_checked(self, now: Any, desk: Desk) -> None:
            passes.append((now, desk))

    site.pm.register(OwnClocks())
    deadlines.check(site)
    assert passes == [(clock.at, site)]
