"""`propdesk ticket ...` (follow-ups are in `core.cli.followups`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from core import queries, tickets
from core.cli.context import Context
from core.cli.output import echo_json, table, ticket_block, ticket_rows
from core.cli.params import LIMIT
from core.labels import STATES

pass_ctx = click.make_pass_decorator(Context)
AT = click.option("--at", "at", metavar="TIME",
                  help="When it happened (ISO 8601; naive means site time; default now).")
JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _done(ctx: Context, view: dict[str, Any], as_json: bool, what: str) -> None:
    if as_json:
        echo_json(view)
    else:
        click.echo(f"{view['number']}: {what} — {STATES.label(view['state'])}")


@click.group()
def ticket() -> None:
    """Customer information (客户信息): intake, dispatch, track, report back, close."""


@ticket.command("new")
@click.option("--category", required=True, help="complaint/投诉, repair/报修, inquiry/咨询, …")
@click.option("--severity", help="major/重大, important/重要, minor/轻微; urgent/紧急 for repairs.")
@click.option("--channel", default="phone", show_default=True, help="phone/电话, walk_in/来访, …")
@click.option("--nature", help="general/一般 or important/重要 (derived when omitted).")
@click.option("--topic", help="A short subject used to spot repeated matters.")
@click.option("--unit", help="Unit code, e.g. 3-1-502.")
@click.option("--location", help="Free-text place when there is no unit.")
@click.option("--reporter", help="Who reported it.")
@click.option("--summary", required=True, help="What the customer said.")
@click.option("--by", help="First-contact owner (首接人); default --as.")
@click.option("--answer", help="Answered on the spot: resolve at intake with this answer.")
@AT
@JSON
@pass_ctx
def new(ctx: Context, as_json: bool, **kw: Any) -> None:
    """Record a new piece of customer information."""
    view = tickets.intake(ctx.desk, actor=ctx.actor, **kw)
    if as_json:
        echo_json(view)
    else:
        d = view["deadlines"]
        click.echo(f"{view['number']}: received — reply by {d['reply'] or '-'}, "
                   f"resolve by {d['resolve'] or '-'}"
                   + (f", owner told of progress by {d['communication']}"
                      if d.get("communication") else ""))


@ticket.command("show")
@click.argument("number")
@JSON
@pass_ctx
def show(ctx: Context, number: str, as_json: bool) -> None:
    """One ticket with its deadlines and its whole history."""
    view = queries.show_ticket(ctx.desk, number, actor=ctx.actor)
    if as_json:
        echo_json(view)
    else:
        ticket_block(view, ctx.desk.categories)


@ticket.command("list")
@click.option("--state", help="Only this state (default: all open).")
@click.option("--overdue", is_flag=True, help="Past a deadline, not done.")
@click.option("--at-risk", is_flag=True, help="Most of the time used, not yet overdue.")
@click.option("--mine", is_flag=True, help="Owned by or assigned to --as.")
@click.option("--limit", default=50, show_default=True, type=LIMIT)
@JSON
@pass_ctx
def list_(ctx: Context, state: str | None, overdue: bool, at_risk: bool, mine: bool,
          limit: int, as_json: bool) -> None:
    """Open tickets, newest first; overdue and at-risk ones by deadline."""
    rows = queries.list_tickets(ctx.desk, state=state, overdue=overdue, at_risk=at_risk,
                                mine=mine, limit=limit, actor=ctx.actor)
    if as_json:
        echo_json(rows)
    elif rows:
        ticket_rows(rows, ctx.desk.categories)
    else:
        click.echo("no tickets")


@ticket.command("search")
@click.argument("words", nargs=-1)
@click.option("--unit", help="Unit code, e.g. 3-1-502.")
@click.option("--owner", help="First-contact owner (首接人).")
@click.option("--household", help="The unit owner's name (业主).")
@click.option("--phone", help="The unit owner's number, or its last 4+ digits.")
@click.option("--state", help="Only this state (default: any, closed included).")
@click.option("--category", help="complaint/投诉, repair/报修, …")
@click.option("--from", "received_from", metavar="DATE", help="Received on or after (YYYY-MM-DD).")
@click.option("--to", "received_to", metavar="DATE", help="Received on or before (YYYY-MM-DD).")
@click.option("--cursor", help="The next page: the cursor the previous page printed.")
@click.option("--limit", default=50, show_default=True, type=int)  # the service checks it
@JSON
@pass_ctx
def search_(ctx: Context, words: tuple[str, ...], as_json: bool, **kw: Any) -> None:
    """Find tickets by words (漏水 电梯), unit, owner, household, phone digits, dates."""
    from core import search

    page = search.search(ctx.desk, q=" ".join(words) if words else None, actor=ctx.actor, **kw)
    if as_json:
        echo_json(page)
        return
    if page["tickets"]:
        ticket_rows(page["tickets"], ctx.desk.categories)
    else:
        click.echo("no tickets")
    if page["next"]:
        click.echo(f"more: --cursor {page['next']}", err=True)


@ticket.command("attach")
@click.argument("number")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--note", help="What it shows (e.g. 维修前 before the repair).")
@AT
@JSON
@pass_ctx
def attach(ctx: Context, number: str, file: Path, note: str | None, at: str | None,
           as_json: bool) -> None:
    """Add a photo (JPEG, PNG, WebP) or a PDF to an open ticket; photo metadata is removed."""
    from core import attachments

    view = attachments.attach(ctx.desk, number, file.name, file.read_bytes(), note=note,
                              actor=ctx.actor, at=at)
    if as_json:
        echo_json(view)
    else:
        click.echo(f"{number}: attachment {view['id']} {view['name']} ({view['size']} bytes)")


@ticket.command("attachments")
@click.argument("number")
@click.option("--save", "save", type=int, metavar="ID", help="Write this attachment's bytes.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where --save writes (default: its own name, here).")
@JSON
@pass_ctx
def attachments_(ctx: Context, number: str, save: int | None, output: Path | None,
                 as_json: bool) -> None:
    """A ticket's photos and files; --save ID writes one out."""
    from core import attachments

    if save is not None:
        view, data = attachments.fetch(ctx.desk, save, actor=ctx.actor)
        if view["ticket"] != number.strip():
            raise click.UsageError(f"attachment {save} is not on {number}")
        target = output or Path(view["name"])
        target.write_bytes(data)
        click.echo(f"wrote {target} ({len(data)} bytes, sha256 checked)")
        return
    rows = attachments.listing(ctx.desk, number, actor=ctx.actor)
    if as_json:
        echo_json(rows)
    elif rows:
        table([(r["id"], r["name"], r["type"], r["size"], r["by"] or "", r["at"],
                r["note"] or "") for r in rows],
              ["id", "name", "type", "bytes", "by", "at", "note"])
    else:
        click.echo("no attachments")


def _action(name: str, fn: Callable[..., dict[str, Any]], what: str,
            *options: Callable[[Any], Any]) -> click.Command:
    """A command `ticket NAME NUMBER [options] [--at] [--json]` calling `fn`."""
    @click.argument("number")
    @AT
    @JSON
    @pass_ctx
    def command(ctx: Context, number: str, at: str | None, as_json: bool, **kw: Any) -> None:
        view = fn(ctx.desk, number, actor=ctx.actor, at=at, **kw)
        _done(ctx, view, as_json, what)

    command.__doc__ = fn.__doc__.splitlines()[0] if fn.__doc__ else what
    for option in reversed(options):
        command = option(command)
    return ticket.command(name)(command)


_action("dispatch", tickets.dispatch, "dispatched",
        click.option("--to", required=True, help="A staff member or a department."),
        click.option("--note"))
_action("start", tickets.start, "started")
_action("contact", tickets.contact, "contact logged",
        click.option("--note", required=True, help="What was said to the customer."),
        click.option("--method", help="phone 电话, visit 上门, sms 短信, wechat 微信, "
                     "letter 信函, email 邮件."))
_action("resolve", tickets.resolve, "resolved",
        click.option("--result", required=True, help="What was done."))
_action("report", tickets.report, "reported back",
        click.option("--satisfied/--dissatisfied", required=True, default=None,
                     help="The customer's answer when told the result."),
        click.option("--satisfaction", type=int, help="1 (very dissatisfied) … 5."),
        click.option("--signed", is_flag=True, help="The customer signed."),
        click.option("--note"))
_action("close", tickets.close, "closed")
_action("reopen", tickets.reopen, "reopened", click.option("--reason", required=True))
_action("escalate", tickets.escalate, "escalated", click.option("--reason", required=True))
_action("reclassify", tickets.reclassify, "reclassified",
        click.option("--category"), click.option("--severity"), click.option("--nature"),
        click.option("--topic", help="A new topic; matched again, the match kept in the "
                     "history."),
        click.option("--reason", required=True))
_action("pause", tickets.pause, "clocks paused",
        click.option("--reason", required=True, help="e.g. waiting for the customer."))
_action("resume", tickets.resume, "clocks resumed", click.option("--reason"))


@ticket.command("handover")
@click.option("--from", "from_staff", required=True, help="The owner going off shift.")
@click.option("--to", "to_staff", required=True, help="The owner taking over.")
@click.option("--note")
@AT
@JSON
@pass_ctx
def handover(ctx: Context, from_staff: str, to_staff: str, note: str | None, at: str | None,
             as_json: bool) -> None:
    """Shift change (交接班): hand every open ticket of one owner to another."""
    numbers = tickets.handover(ctx.desk, from_staff, to_staff, note=note, actor=ctx.actor, at=at)
    if as_json:
        echo_json({"handed_over": numbers})
    else:
        click.echo(f"{len(numbers)} open ticket(s) handed over from {from_staff} to {to_staff}")


@ticket.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--batch", default=5000, show_default=True, type=LIMIT)
@click.option("--progress/--no-progress", default=None,
              help="Progress on stderr (default: when stderr is a terminal).")
@JSON
@pass_ctx
def import_(ctx: Context, file: Path, batch: int, progress: bool | None, as_json: bool) -> None:
    """Import a site's existing ledger (CSV): every row checked first, then all or nothing;
    rows imported before (same number, or same content) are skipped."""
    import sys
    import time

    from core.ledger import import_csv

    started = time.monotonic()

    def told(stage: str, done: int, total: int) -> None:
        elapsed = time.monotonic() - started
        share = f" ({100 * done // total}%)" if total else ""
        click.echo(f"{stage} {done:,}/{total:,} rows{share}, {elapsed:.1f} s", err=True)

    show = sys.stderr.isatty() if progress is None else progress
    with ctx.desk.write():
        result = import_csv(ctx.desk, file, batch=batch, by=ctx.actor, actor=ctx.actor,
                            progress=told if show else None)
    if as_json:
        echo_json(result)
    else:
        click.echo(f"imported {result['imported']} tickets from {file}; skipped "
                   f"{result['skipped']} already imported")



COMMANDS = (ticket,)
