"""`propdesk notify list | send | test`: the outbox, sending now, a test message."""

from __future__ import annotations

import click

from core.cli.context import Context
from core.cli.output import echo_json, table
from core.cli.params import LIMIT
from core.notifiers import service

pass_ctx = click.make_pass_decorator(Context)
JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.group()
def notify() -> None:
    """Notifications to staff (e-mail, WeCom, DingTalk, SMS): the outbox and its sending."""


@notify.command("list")
@click.option("--status", type=click.Choice(["pending", "sent", "failed"]))
@click.option("--limit", default=50, show_default=True, type=LIMIT)
@JSON
@pass_ctx
def list_(ctx: Context, status: str | None, limit: int, as_json: bool) -> None:
    """The latest notifications, newest first, with their status and last error."""
    rows = service.listing(ctx.desk, status, limit, actor=ctx.actor)
    if as_json:
        echo_json(rows)
    else:
        table([(r["id"], r["event"], r["channel"], r["ticket"] or "", ",".join(r["recipients"]),
                r["status"], r["attempts"], r["last_error"] or "") for r in rows],
              ["id", "event", "channel", "ticket", "to", "status", "tries", "error"])


@notify.command("send")
@JSON
@pass_ctx
def send(ctx: Context, as_json: bool) -> None:
    """Send every due notification now (the service does it every second by itself)."""
    counts = service.send_due(ctx.desk, actor=ctx.actor)
    if as_json:
        echo_json(counts)
    else:
        for chan, c in counts.items():
            click.echo(f"{chan}: {c['sent']} sent, {c['retry']} to retry, {c['failed']} failed")
        if not counts:
            click.echo("no channel configured ([plugins.notify.channels])")


@notify.command("test")
@click.argument("channel", type=click.Choice(["email", "wecom", "dingtalk", "sms"]))
@click.option("--to", "to", required=True, help="Staff member to notify.")
@JSON
@pass_ctx
def test(ctx: Context, channel: str, to: str, as_json: bool) -> None:
    """Send a test message on one channel to one staff member, now."""
    row = service.send_test(ctx.desk, channel, to, actor=ctx.actor)
    if as_json:
        echo_json(row)
    else:
        click.echo(f"{channel} to {to}: {row['status']}"
                   + (f" ({row['last_error']})" if row["last_error"] else ""))


COMMANDS = (notify,)
