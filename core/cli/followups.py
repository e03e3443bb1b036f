"""`propdesk followup ...`: the follow-up queue (回访), recording, rainy days, backlog."""

from __future__ import annotations

from typing import Any

import click

from core import followups
from core.cli.context import Context
from core.cli.output import echo_json, hm, short, table
from core.cli.params import LIMIT
from core.labels import STATES

pass_ctx = click.make_pass_decorator(Context)
ROLES = {"frontdesk": "客服 desk", "supervisor": "主管 supervisor", "manager": "经理 manager"}


@click.group()
def followup() -> None:
    """Follow-up calls and visits (回访): the queue, the verdict, rainy days."""


@followup.command("record")
@click.argument("number")
@click.option("--method", default="phone", show_default=True,
              help="phone/电话, visit/上门, letter/信函, email/邮件.")
@click.option("--satisfaction", type=int, help="1 (very dissatisfied) … 5 (very satisfied).")
@click.option("--fixed/--not-fixed", default=None, help="Is the issue really fixed?")
@click.option("--comment")
@click.option("--unreachable", is_flag=True,
              help="Nobody answered: count the attempt (escalates after the configured number).")
@click.option("--note", help="With --unreachable: what happened.")
@click.option("--at", "at", metavar="TIME", help="When (ISO 8601; naive = site time).")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def record(ctx: Context, number: str, method: str, satisfaction: int | None,
           fixed: bool | None, comment: str | None, unreachable: bool, note: str | None,
           at: str | None, as_json: bool) -> None:
    """Record a follow-up; dissatisfied (≤2) or not fixed reopens the ticket."""
    if unreachable:
        if satisfaction is not None or fixed is not None:
            raise click.UsageError("--unreachable takes no --satisfaction or --fixed")
        with ctx.desk.write():
            task = followups.unreachable(ctx.desk, number, method=method, note=note,
                                         actor=ctx.actor, at=at)
        if as_json:
            echo_json(task)
        elif task["next_attempt_at"] is None:
            click.echo(f"{number}: unreachable ({task['attempts']}x) — escalated to "
                       f"{ROLES.get(task['owner_role'], task['owner_role'])}")
        else:
            click.echo(f"{number}: unreachable ({task['attempts']}x) — try again after "
                       f"{task['next_attempt_at']}")
        return
    view = followups.record(ctx.desk, number, method=method, satisfaction=satisfaction,
                            fixed=fixed, comment=comment, actor=ctx.actor, at=at)
    if as_json:
        echo_json(view)
    else:
        what = "reopened after follow-up" if view["followup"]["reopened"] else \
            "follow-up recorded"
        click.echo(f"{view['number']}: {what} — {STATES.label(view['state'])}")


@followup.command("due")
@click.option("--mine", is_flag=True, help="Assigned to --as, or to their role.")
@click.option("--overdue", is_flag=True, help="Past their due time.")
@click.option("--waiting", is_flag=True, help="Also those waiting for closing or rain.")
@click.option("--limit", default=100, show_default=True, type=LIMIT)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def due(ctx: Context, mine: bool, overdue: bool, waiting: bool, limit: int,
        as_json: bool) -> None:
    """The follow-up queue, earliest due first."""
    rows = followups.due(ctx.desk, mine=mine, overdue=overdue, waiting=waiting, limit=limit,
                         actor=ctx.actor)
    if as_json:
        echo_json(rows)
    elif not rows:
        click.echo("no follow-ups due")
    else:
        table([(r["number"], r["kind"], hm(r["due_at"]) or f"({r['waits_for']})",
                "!" if r.get("overdue") else "", ROLES.get(r["owner_role"], r["owner_role"]),
                r["assignee"] or "", r["method"] or "", r["attempts"] or "",
                short(r["summary"])) for r in rows],
              ["number 编号", "kind 类型", "due 期限", "", "owner 负责", "assignee 人员",
               "method 方式", "tries 次数", "summary 内容"])


@followup.command("rain")
@click.argument("day", required=False)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def rain(ctx: Context, day: str | None, as_json: bool) -> None:
    """Mark DAY (YYYY-MM-DD) rainy: leak repairs become due after it. No DAY: list them."""
    if day is None:
        days = followups.rainy_days(ctx.desk, actor=ctx.actor)
        if as_json:
            echo_json(days)
        else:
            click.echo("\n".join(days) or "no rainy days marked")
        return
    with ctx.desk.write():
        result = followups.mark_rainy(ctx.desk, day, actor=ctx.actor)
    if as_json:
        echo_json(result)
    else:
        click.echo(f"{result['day']}: rainy — {len(result['started'])} leak follow-up(s) now due")


@followup.command("plan")
@click.option("--since", metavar="TIME", help="Only tickets received since (ISO 8601).")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def plan(ctx: Context, since: str | None, as_json: bool) -> None:
    """Plan follow-ups for resolved tickets that have none yet (e.g. after an import)."""
    with ctx.desk.write():
        result: dict[str, Any] = followups.plan_backlog(ctx.desk, since=since,
                                                        actor=ctx.actor)
    if as_json:
        echo_json(result)
    else:
        click.echo(f"planned {result['planned']} ticket(s): {result['followups']} follow-up(s), "
                   f"{result['not_followed_imported']} of them not followed up (imported: "
                   "the window closed before the import)")


COMMANDS = (followup,)
