"""`propdesk keys ...`: thin commands over the key services (custodian and supervisors)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from core.kit.cli import Context, echo_json, hm, short, table
from plugins.keys import losses, overdue, reconcile, service, vacant
from plugins.keys.common import KINDS, STATUSES

pass_ctx = click.make_pass_decorator(Context)
JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
AT = click.option("--at", metavar="TIME", help="When it happened (ISO 8601; default now).")


def _out(as_json: bool, data: Any, line: str) -> None:
    if as_json:
        echo_json(data)
    else:
        click.echo(line)


@click.group()
def keys() -> None:
    """Key management (钥匙管理): register, loans, counts, losses, vacant units."""


@keys.command("add")
@click.argument("tag")
@click.option("--kind", required=True, help="spare (业主备用), entrusted (空置房托管), "
              "public_area (公共区域).")
@click.option("--unit", help="The unit the key opens (spare, entrusted).")
@click.option("--area", help="The public area the key opens.")
@click.option("--description", help="e.g. 入户门 2 把.")
@click.option("--copies", default=1, show_default=True, type=int, help="Keys in the set.")
@click.option("--entrusted-by", help="Who signed the written entrustment (unit keys).")
@click.option("--entrusted-on", metavar="DATE", help="Its date, YYYY-MM-DD.")
@click.option("--entrustment-ref", metavar="REF", help="The document's reference.")
@AT
@JSON
@pass_ctx
def add(ctx: Context, tag: str, kind: str, unit: str | None, area: str | None,
        description: str | None, copies: int, entrusted_by: str | None,
        entrusted_on: str | None, entrustment_ref: str | None, at: str | None,
        as_json: bool) -> None:
    """Tag a key (set) into the register."""
    view = service.register_key(ctx.desk, tag, kind, unit=unit, area=area,
                                description=description, copies=copies,
                                entrusted_by=entrusted_by, entrusted_on=entrusted_on,
                                entrustment_ref=entrustment_ref, actor=ctx.actor, at=at)
    _out(as_json, view, f"{view['tag']}: {KINDS.terms[view['kind']].zh} "
         f"{view['unit'] or view['area']}, in the cabinet")


@keys.command("list")
@click.option("--status", help="in_cabinet, on_loan, lost, returned.")
@click.option("--unit")
@JSON
@pass_ctx
def list_(ctx: Context, status: str | None, unit: str | None, as_json: bool) -> None:
    """The register."""
    rows = service.list_keys(ctx.desk, status=status, unit=unit, actor=ctx.actor)
    if as_json:
        echo_json(rows)
    else:
        table([(k["tag"], KINDS.terms[k["kind"]].zh, k["unit"] or k["area"],
                STATUSES.terms[k["status"]].zh, k["copies"], k["description"])
               for k in rows], ["tag 编号", "kind 类型", "unit/area 房号/区域", "status 状态",
                                "copies 把数", "description 说明"])


@keys.command("show")
@click.argument("tag")
@JSON
@pass_ctx
def show(ctx: Context, tag: str, as_json: bool) -> None:
    """One key and its loans."""
    view = service.show_key(ctx.desk, tag, actor=ctx.actor)
    if as_json:
        echo_json(view)
        return
    click.echo(f"{view['tag']}  {KINDS.label(view['kind'])}  {view['unit'] or view['area']}"
               f"  {STATUSES.label(view['status'])}")
    if view["entrusted_by"]:
        click.echo(f"  entrusted by {view['entrusted_by']} on {view['entrusted_on']} "
                   f"({view['entrustment_ref']})")
    for loan in view["loans"]:
        click.echo(f"  loan {loan['id']}: {loan['borrower']} {hm(loan['lent_at'])} → "
                   f"{hm(loan['closed_at']) or 'out'} (due {hm(loan['due_at'])}) "
                   f"{loan['outcome'] or ''} {short(loan['purpose'], 30)}")


@keys.command("lend")
@click.argument("tag")
@click.option("--to", "borrower", required=True, help="Staff name, or a contractor's name.")
@click.option("--purpose", required=True)
@click.option("--ticket", help="The work order the loan serves.")
@click.option("--contractor", is_flag=True, help="The borrower is a contractor.")
@click.option("--id-number", help="The contractor's ID number.")
@click.option("--company", help="The contractor's company.")
@click.option("--authorised-by", help="The owner who authorised it (private units).")
@click.option("--authorised-how", help="written, phone, in_person, online, entrustment.")
@click.option("--authorised-at", metavar="TIME", help="When the owner authorised it.")
@click.option("--due", metavar="TIME|PERIOD", help="Due back at a time, or after a period "
              "(default 4h; PROPDESK_KEYS_LOAN_DUE).")
@AT
@JSON
@pass_ctx
def lend(ctx: Context, tag: str, borrower: str, purpose: str, ticket: str | None,
         contractor: bool, id_number: str | None, company: str | None,
         authorised_by: str | None, authorised_how: str | None, authorised_at: str | None,
         due: str | None, at: str | None, as_json: bool) -> None:
    """Lend a key from the cabinet (借用)."""
    view = service.lend(ctx.desk, tag, borrower=borrower, purpose=purpose, ticket=ticket,
                        contractor=contractor, id_number=id_number, company=company,
                        authorised_by=authorised_by, authorised_how=authorised_how,
                        authorised_at=authorised_at, due=due, actor=ctx.actor, at=at)
    _out(as_json, view, f"{view['tag']} lent to {view['borrower']} (loan {view['id']}), "
         f"due back {view['due_at']}" + (f", for {view['ticket']}" if view["ticket"] else ""))


@keys.command("return")
@click.argument("tag")
@click.option("--condition", default="good", show_default=True,
              help="good (完好), damaged (损坏), incomplete (缺件).")
@click.option("--note", help="Required unless the condition is good.")
@click.option("--by", "returned_by", help="Who brought it back (default the borrower).")
@AT
@JSON
@pass_ctx
def return_(ctx: Context, tag: str, condition: str, note: str | None,
            returned_by: str | None, at: str | None, as_json: bool) -> None:
    """Take a key back, with a condition check (归还)."""
    view = service.return_key(ctx.desk, tag, condition=condition, note=note,
                              returned_by=returned_by, actor=ctx.actor, at=at)
    _out(as_json, view, f"{view['tag']} back in the cabinet (loan {view['id']}, "
         f"{view['condition']})")


@keys.command("hand-back")
@click.argument("tag")
@click.option("--to", required=True, help="The owner who takes the key back.")
@click.option("--note")
@AT
@pass_ctx
def hand_back(ctx: Context, tag: str, to: str, note: str | None, at: str | None) -> None:
    """Return a unit's key to its owner for good (e.g. on moving in)."""
    view = service.hand_back(ctx.desk, tag, to=to, note=note, actor=ctx.actor, at=at)
    click.echo(f"{view['tag']} returned to the owner ({to})")


@keys.command("loans")
@click.option("--open", "open_only", is_flag=True, help="Only keys still out.")
@click.option("--overdue", is_flag=True, help="Only keys out past their due time.")
@click.option("--ticket", help="Only loans for this work order.")
@JSON
@pass_ctx
def loans(ctx: Context, open_only: bool, overdue: bool, ticket: str | None,
          as_json: bool) -> None:
    """Loans, by due time."""
    rows = service.list_loans(ctx.desk, open_only=open_only, overdue=overdue, ticket=ticket,
                              actor=ctx.actor)
    if as_json:
        echo_json(rows)
    else:
        table([(x["id"], x["tag"], x["borrower"], x["ticket"], hm(x["lent_at"]),
                hm(x["due_at"]), hm(x["closed_at"]) or "out", short(x["purpose"]))
               for x in rows], ["loan", "tag 编号", "borrower 借用人", "ticket 工单",
                                "lent 借出", "due 应还", "back 归还", "purpose 事由"])


@keys.command("check")
@click.option("--at", metavar="TIME", help="Check as of this time (default now).")
@JSON
@pass_ctx
def check(ctx: Context, at: str | None, as_json: bool) -> None:
    """Record overdue and at-risk loans, once each; announce those serving a work order."""
    found = overdue.check(ctx.desk, actor=ctx.actor, at=at)
    if as_json:
        echo_json(found)
        return
    for state, rows in found.items():
        for c in rows:
            told = f" → sla_{'breached' if state == 'overdue' else 'at_risk'} on {c['ticket']}"
            click.echo(f"{state.replace('_', ' ')}: {c['tag']} loan {c['loan']} "
                       f"({c['borrower']}, due {c['due_at']})"
                       + (told if c["announced"] else " (no work order: audit trail only)"))
    if not any(found.values()):
        click.echo("no loan newly overdue or at risk")


def _present(values: tuple[str, ...], file: Path | None) -> list[str]:
    tags = list(values)
    if file is not None:
        tags += file.read_text(encoding="utf-8").splitlines()
    return tags


def _count_line(view: dict[str, Any]) -> str:
    lines = [f"{view['kind']} count {view['id']} by {view['by']}: {view['checked']} checked, "
             f"{view['present']} present, {len(view['discrepancies'])} discrepancies"]
    lines += [f"  {d['problem']}: {d['tag']}" + (f" (register: {d['register']})"
                                                 if d["register"] else "")
              for d in view["discrepancies"]]
    return "\n".join(lines)


PRESENT = click.option("--present", multiple=True, metavar="TAGS",
                       help="Tags found in the cabinet (repeat, or comma-separated).")
FILE = click.option("--file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                    help="Tags found, one a line (a scanner's export).")


@keys.command("count")
@PRESENT
@FILE
@click.option("--note")
@AT
@JSON
@pass_ctx
def count(ctx: Context, present: tuple[str, ...], file: Path | None, note: str | None,
          at: str | None, as_json: bool) -> None:
    """The custodian's daily count of the cabinet against the register (每日核对)."""
    view = reconcile.count(ctx.desk, _present(present, file), kind="daily", note=note,
                           actor=ctx.actor, at=at)
    _out(as_json, view, _count_line(view))


@keys.command("spot-check")
@click.option("--sample", multiple=True, required=True, metavar="TAGS",
              help="The register entries checked (repeat, or comma-separated).")
@PRESENT
@FILE
@click.option("--note")
@AT
@JSON
@pass_ctx
def spot_check(ctx: Context, sample: tuple[str, ...], present: tuple[str, ...],
               file: Path | None, note: str | None, at: str | None, as_json: bool) -> None:
    """A supervisor's weekly spot check of a sample (主管每周抽查)."""
    view = reconcile.count(ctx.desk, _present(present, file), kind="spot", sample=sample,
                           note=note, actor=ctx.actor, at=at)
    _out(as_json, view, _count_line(view))


@keys.command("counts")
@click.option("--from", "start", required=True, metavar="DATE")
@click.option("--to", "end", metavar="DATE", help="Default today.")
@JSON
@pass_ctx
def counts(ctx: Context, start: str, end: str | None, as_json: bool) -> None:
    """Counts in a period, days without a daily count, weeks without a spot check."""
    rep = reconcile.report(ctx.desk, start, end, actor=ctx.actor)
    if as_json:
        echo_json(rep)
        return
    for c in rep["counts"]:
        click.echo(f"{c['day']} {c['kind']:<5} {c['by']}: {c['checked']} checked, "
                   f"{len(c['discrepancies'])} discrepancies")
    click.echo("days without a count: " + (", ".join(rep["days_without_count"]) or "none"))
    click.echo("weeks without a spot check: "
               + (", ".join(rep["weeks_without_spot_check"]) or "none"))


@keys.group("loss")
def loss() -> None:
    """Lost keys: report, the site manager's approval, the lock change."""


def _loss_line(v: dict[str, Any]) -> str:
    line = f"loss {v['id']}: {v['tag']} {v['status']}"
    if v["accountable"]:
        line += f", accountable: {v['accountable']}"
    if v["ticket"]:
        line += f", owner informed: {v['ticket']}"
    if v["lock_change"]:
        line += f", lock change: {v['lock_change']}"
    return line


@loss.command("report")
@click.argument("tag")
@click.option("--circumstances", required=True, help="What happened.")
@AT
@JSON
@pass_ctx
def loss_report(ctx: Context, tag: str, circumstances: str, at: str | None,
                as_json: bool) -> None:
    view = losses.report_loss(ctx.desk, tag, circumstances, actor=ctx.actor, at=at)
    _out(as_json, view, _loss_line(view) + " (awaiting the site manager's approval)")


@loss.command("approve")
@click.argument("loss_id", type=int)
@click.option("--accountable", required=True, help="Who is accountable for the loss.")
@click.option("--note")
@AT
@JSON
@pass_ctx
def loss_approve(ctx: Context, loss_id: int, accountable: str, note: str | None,
                 at: str | None, as_json: bool) -> None:
    """The site manager's approval (--as MANAGER): opens the owner's ticket."""
    view = losses.approve_loss(ctx.desk, loss_id, accountable=accountable, note=note,
                               actor=ctx.actor, at=at)
    _out(as_json, view, _loss_line(view))


@loss.command("withdraw")
@click.argument("loss_id", type=int)
@click.option("--reason", required=True, help="Where the key turned up.")
@AT
@JSON
@pass_ctx
def loss_withdraw(ctx: Context, loss_id: int, reason: str, at: str | None,
                  as_json: bool) -> None:
    """The key turned up before the approval: withdraw the report."""
    view = losses.withdraw_loss(ctx.desk, loss_id, reason=reason, actor=ctx.actor, at=at)
    _out(as_json, view, _loss_line(view))


@loss.command("lock-change")
@click.argument("loss_id", type=int)
@click.option("--outcome", required=True, help="done (更换) or declined (不更换).")
@click.option("--note", required=True)
@AT
@JSON
@pass_ctx
def loss_lock(ctx: Context, loss_id: int, outcome: str, note: str, at: str | None,
              as_json: bool) -> None:
    """Record the lock change recommended at approval: done, or declined by the owner."""
    view = losses.record_lock_change(ctx.desk, loss_id, outcome=outcome, note=note,
                                     actor=ctx.actor, at=at)
    _out(as_json, view, _loss_line(view))


@loss.command("list")
@JSON
@pass_ctx
def loss_list(ctx: Context, as_json: bool) -> None:
    rows = losses.list_losses(ctx.desk, actor=ctx.actor)
    if as_json:
        echo_json(rows)
    else:
        for v in rows:
            click.echo(_loss_line(v))


@keys.group("vacant")
def vacant_() -> None:
    """Vacant units whose keys are held: monthly inspection, airing, cleaning."""


@vacant_.command("generate")
@click.argument("month", required=False)
@pass_ctx
def vacant_generate(ctx: Context, month: str | None) -> None:
    """Make this month's (or MONTH's, YYYY-MM) tasks; running it again adds nothing."""
    out = vacant.generate(ctx.desk, month, actor=ctx.actor)
    click.echo(f"{out['month']}: {out['generated']} tasks generated for {out['units']} "
               "vacant units")


@vacant_.command("list")
@click.argument("month", required=False)
@click.option("--open", "open_only", is_flag=True, help="Only tasks not done.")
@JSON
@pass_ctx
def vacant_list(ctx: Context, month: str | None, open_only: bool, as_json: bool) -> None:
    rows = vacant.list_tasks(ctx.desk, month, open_only=open_only, actor=ctx.actor)
    if as_json:
        echo_json(rows)
    else:
        table([(t["id"], t["unit"], t["kind"], hm(t["done_at"]), t["done_by"], t["anomaly"],
                t["ticket"]) for t in rows],
              ["id", "unit 房号", "task 任务", "done 完成", "by 执行人", "anomaly 异常",
               "ticket 工单"])


@vacant_.command("done")
@click.argument("task_id", type=int)
@click.option("--by", help="Who did it (default --as).")
@click.option("--note")
@click.option("--anomaly", help="Something wrong found: opens a ticket for the unit.")
@AT
@JSON
@pass_ctx
def vacant_done(ctx: Context, task_id: int, by: str | None, note: str | None,
                anomaly: str | None, at: str | None, as_json: bool) -> None:
    view = vacant.record(ctx.desk, task_id, by=by, note=note, anomaly=anomaly,
                         actor=ctx.actor, at=at)
    _out(as_json, view, f"task {view['id']} ({view['unit']} {view['kind']}) done"
         + (f"; anomaly → ticket {view['ticket']}" if view["ticket"] else ""))


def _audit_rows(rows: list[dict[str, Any]]) -> None:
    for r in rows:
        after = r["after"] or {}
        detail = ", ".join(f"{k}={v}" for k, v in after.items()
                           if v is not None and k in (
                               "status", "borrower", "ticket", "condition", "outcome",
                               "accountable", "lock_change", "overdue_at", "kind"))
        click.echo(f"{r['at']}  {r['action']:<17} {r['actor']:<8} {r['tag'] or r['unit'] or ''}"
                   f"  {short(detail, 60)}")


@keys.command("history")
@click.argument("unit")
@JSON
@pass_ctx
def history(ctx: Context, unit: str, as_json: bool) -> None:
    """A unit's key history, oldest first (what the household archive is offered)."""
    rows = service.unit_history(ctx.desk, unit, actor=ctx.actor)
    if as_json:
        echo_json(rows)
    else:
        _audit_rows(rows)


@keys.command("audit")
@click.option("--tag")
@click.option("--unit")
@click.option("--limit", default=200, show_default=True, type=int)
@JSON
@pass_ctx
def audit(ctx: Context, tag: str | None, unit: str | None, limit: int, as_json: bool) -> None:
    """The audit trail, newest first: who changed what, when, before and after."""
    rows = service.audit_trail(ctx.desk, tag=tag, unit=unit, limit=limit, actor=ctx.actor)
    if as_json:
        echo_json(rows)
    else:
        _audit_rows(rows)
