"""Site set-up and inspection: init, db, unit, staff, sla, calendar, plugins."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from core import deadlines, directory, queries, repricing
from core.action_time import action_time
from core.cli.context import Context
from core.cli.output import echo_json, table, ticket_rows
from core.labels import ROLES
from core.permissions import authorise

pass_ctx = click.make_pass_decorator(Context)
JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
AT = click.option("--at", "at", metavar="TIME",
                  help="When (ISO 8601; naive = site time; default now; not in the future).")


@click.command()
@click.option("--demo", is_flag=True, help="Load a small believable demo site.")
@pass_ctx
def init(ctx: Context, demo: bool) -> None:
    """Create or migrate the database (core and every plugin)."""
    authorise(ctx.desk, ctx.actor, "operate")
    ctx.desk.upgrade()
    click.echo(f"database ready: {ctx.desk.engine.url.render_as_string(hide_password=True)}")
    if demo:
        from core.demo import load_demo

        counts = load_demo(ctx.desk)
        click.echo("demo site loaded: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@pass_ctx
def db_upgrade(ctx: Context) -> None:
    """Apply pending migrations of the core and every enabled plugin."""
    authorise(ctx.desk, ctx.actor, "operate")
    ctx.desk.upgrade()
    click.echo("database is up to date")


@click.group()
def unit() -> None:
    """Units (房屋): building-entrance-room codes and their owners."""


@unit.command("add")
@click.argument("code")
@click.option("--owner")
@click.option("--phone")
@pass_ctx
def unit_add(ctx: Context, code: str, owner: str | None, phone: str | None) -> None:
    view = directory.add_unit(ctx.desk, code, owner, phone, actor=ctx.actor)
    click.echo(f"unit {view['code']} added")


@unit.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_ctx
def unit_import(ctx: Context, file: Path) -> None:
    """Import units from a CSV with columns code, owner, phone (all rows or none)."""
    click.echo(f"{directory.import_units(ctx.desk, file, actor=ctx.actor)} units imported")


@unit.command("list")
@JSON
@pass_ctx
def unit_list(ctx: Context, as_json: bool) -> None:
    rows = directory.list_units(ctx.desk, actor=ctx.actor)
    if as_json:
        echo_json(rows)
    else:
        table([(u["code"], u["owner"], u["phone"]) for u in rows], ["unit", "owner", "phone"])


@unit.command("history")
@click.argument("code")
@JSON
@pass_ctx
def unit_history(ctx: Context, code: str, as_json: bool) -> None:
    """A household's history: its tickets, follow-ups and what plugins keep (loans, files…)."""
    from core import search

    found = search.unit_history(ctx.desk, code, actor=ctx.actor)
    if as_json:
        echo_json(found)
        return
    u = found["unit"]
    click.echo(f"{u['code']}  {u['owner'] or '-'}  {u['phone'] or '-'}")
    if found["tickets"]:
        ticket_rows(found["tickets"], ctx.desk.categories)
    for f in found["followups"]:
        click.echo(f"  回访 follow-up {f['at']}  {f['ticket']}  {f['method']}  "
                   f"satisfaction {f['satisfaction']}  {f['by'] or ''}")
    for r in found["records"]:
        click.echo(f"  {r.get('at') or ''}  [{r.get('source', '')}] {r.get('kind', '')}: "
                   f"{r.get('summary', '')}")


@click.group()
def staff() -> None:
    """Staff (员工) and their roles."""


@staff.command("add")
@click.argument("name")
@click.option("--role", required=True, help=", ".join(f"{t.code}/{t.zh}" for t in ROLES))
@click.option("--department")
@pass_ctx
def staff_add(ctx: Context, name: str, role: str, department: str | None) -> None:
    view = directory.add_staff(ctx.desk, name, role, department, actor=ctx.actor)
    click.echo(f"staff {view['name']} added ({ROLES.label(view['role'])})")


@staff.command("list")
@JSON
@pass_ctx
def staff_list(ctx: Context, as_json: bool) -> None:
    rows = directory.list_staff(ctx.desk, actor=ctx.actor)
    if as_json:
        echo_json(rows)
    else:
        table([(m["name"], ROLES.label(m["role"]), m["department"]) for m in rows],
              ["name", "role", "department"])


@click.group()
def sla() -> None:
    """Deadlines: explain them, check them."""


@sla.command("explain")
@click.argument("number")
@JSON
@pass_ctx
def sla_explain(ctx: Context, number: str, as_json: bool) -> None:
    """How each deadline of a ticket was reached, day by day."""
    result = queries.explain(ctx.desk, number, actor=ctx.actor)
    if as_json:
        echo_json(result)
        return
    click.echo(f"{result['number']}: {result['category']}"
               f"{' · ' + result['severity'] if result['severity'] else ''} "
               f"(policy [sla.policies.{result['policy_key']}])")
    for clock in result["clocks"]:
        click.echo(f"\n{clock['name']} (round {clock['round']}, {clock['policy']}): "
                   f"due {clock['due_at']} — {clock['status']}")
        for step in clock["steps"]:
            click.echo(f"  {step}")
        if clock["met_at"]:
            click.echo(f"  met at {clock['met_at']}")
    if not result["clocks"]:
        click.echo("no deadlines apply to this ticket")


@sla.command("check")
@click.option("--at", help="The pass as of this time (ISO 8601; default now; not in the "
              "future), e.g. to replay a night the watcher was down.")
@JSON
@pass_ctx
def sla_check(ctx: Context, at: str | None, as_json: bool) -> None:
    """One pass of the deadline watcher: reprice if the calendar changed, then record
    at-risk and breached clocks once each."""
    authorise(ctx.desk, ctx.actor, "operate")
    result = deadlines.check(ctx.desk, action_time(ctx.desk, at) if at else None)
    if as_json:
        echo_json(result)
    else:
        click.echo(f"{len(result['breached'])} breached, {len(result['at_risk'])} at risk"
                   + (f", {len(result['repriced'])} deadline(s) repriced after a calendar "
                      "change" if result["repriced"] else ""))
        for row in result["breached"]:
            click.echo(f"  breached {row['number']} {row['name']} due {row['due_at']} "
                       f"→ {row['escalated_to']}")


@click.group()
def calendar() -> None:
    """The working-day calendar (statutory holidays, 调休, site overrides)."""


@calendar.command("show")
@click.argument("month", metavar="YYYY-MM")
@JSON
@pass_ctx
def calendar_show(ctx: Context, month: str, as_json: bool) -> None:
    """Each day of a month and why; deadlines calendar changes moved from or to it."""
    days = queries.calendar_month(ctx.desk, month, actor=ctx.actor)
    if as_json:
        echo_json(days)
        return
    table([(d["date"], "一二三四五六日"[date.fromisoformat(d["date"]).weekday()],
            "work 上班" if d["working"] else "off 休息", d["reason"]) for d in days],
          ["date", "周", "working", "why"], title=f"{month} working days 工作日")
    state = repricing.status(ctx.desk, actor=ctx.actor)
    applied = state["applied"]
    if applied is None:
        click.echo("open deadlines: no calendar applied yet (`propdesk calendar apply`)")
    else:
        click.echo(f"open deadlines priced with calendar {applied['fingerprint']} "
                   f"(applied {applied['at']} by {applied['by']})")
    if state["pending"] and applied is not None:
        click.echo(f"this configuration's calendar ({state['fingerprint']}) differs: "
                   "`propdesk calendar apply` (or the watcher's next pass) reprices them")
    moves: dict[tuple[str, str, int, str | None], dict[str, str]] = {}
    for d in days:  # a move from and to the same month is listed on both days
        for m in d["moved"]:
            moves.setdefault((m["number"], m["clock"], m["round"], m["to"]), m)
    if moves:
        click.echo(f"deadlines moved from or to {month} by calendar changes 改期:")
        for m in moves.values():
            click.echo(f"  {m['number']} {m['clock']} (round {m['round']}): "
                       f"{m['from']} → {m['to']} (applied {m['applied_at']})")


@calendar.command("apply")
@AT
@JSON
@pass_ctx
def calendar_apply(ctx: Context, at: str | None, as_json: bool) -> None:
    """Reprice open deadlines with the current calendar (after a [calendar] change)."""
    result = repricing.apply(ctx.desk, at=at, actor=ctx.actor)
    if as_json:
        echo_json(result)
        return
    if not result["applied"]:
        click.echo(f"calendar {result['fingerprint']} already applied: no deadline moved")
        return
    click.echo(f"calendar {result['fingerprint']} applied ({result['why']}): "
               f"{len(result['moved'])} deadline(s) moved")
    for m in result["moved"]:
        click.echo(f"  {m['number']} {m['clock']} (round {m['round']}): {m['from']} → {m['to']}")


@click.command("plugins")
@JSON
@pass_ctx
def plugins(ctx: Context, as_json: bool) -> None:
    """The loaded plugins and the hooks each implements."""
    rows = queries.plugin_list(ctx.desk, actor=ctx.actor)
    if as_json:
        echo_json(rows)
    else:
        table([(r["name"], r["source"], ", ".join(r["hooks"])) for r in rows],
              ["plugin", "source", "hooks"])


COMMANDS = (init, db, unit, staff, sla, calendar, plugins)
