"""`propdesk serve`, `watch`, `token ...`, `webhook ...`."""

from __future__ import annotations

import os
import threading

import click

from core import deadlines, tokens, webhooks
from core.cli.context import Context
from core.cli.output import echo_json, table
from core.cli.params import ID, LIMIT, PORT, WORKERS, Seconds
from core.permissions import authorise

pass_ctx = click.make_pass_decorator(Context)
JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.command()
@click.option("--host", help="Address to listen on (default [service] host, 127.0.0.1).")
@click.option("--port", type=PORT, help="Port (default [service] port, 8000).")
@click.option("--workers", type=WORKERS, default=1, show_default=True, help="Server processes.")
@click.option("--no-watch", is_flag=True, help="Do not run the SLA watcher and webhook sender.")
@click.option("--check", is_flag=True,
              help="Only check that the address is free (exit 2 if taken), then exit.")
@pass_ctx
def serve(ctx: Context, host: str | None, port: int | None, workers: int,
          no_watch: bool, check: bool) -> None:
    """Serve the HTTP API (OpenAPI at /docs) with the SLA watcher in the background."""
    from core.config import load_config

    if ctx.actor:  # a named actor is checked first, as on every command
        authorise(ctx.desk, ctx.actor, "operate")
    cfg = load_config(ctx.config_path).service
    host, port = host or cfg.host, port or cfg.port
    address_free(host, port)  # a second `make run` stops here, before the database is opened
    if check:
        return
    import uvicorn

    desk = ctx.desk
    authorise(desk, ctx.actor, "operate")
    os.environ["PROPDESK_DATABASE_URL"] = desk.engine.url.render_as_string(hide_password=False)
    if ctx.config_path:
        os.environ["PROPDESK_CONFIG"] = str(ctx.config_path)
    os.environ["PROPDESK_BACKGROUND"] = "0" if no_watch else "1"
    click.echo(f"propdesk serving {desk.config.site.name} on http://{host}:{port} "
               f"(docs: /docs)", err=True)
    uvicorn.run("core.api.main:app_from_env", factory=True, host=host, port=port,
                workers=workers, log_level="warning")


def address_free(host: str, port: int) -> None:
    """Refuse a taken address in one line (uvicorn would log it after announcing itself)."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise click.UsageError(f"port: {host}:{port} is not free ({exc.strerror}); "
                                   "is another `propdesk serve` running? "
                                   "Stop it or pass --port N") from None


@click.command()
@click.option("--interval", type=Seconds(), help="Seconds between passes "
              "(default [service] watch_interval, 30).")
@click.option("--once", is_flag=True, help="One pass, then exit.")
@JSON
@pass_ctx
def watch(ctx: Context, interval: float | None, once: bool, as_json: bool) -> None:
    """The SLA watcher on its own: record at-risk and breached clocks, send webhooks."""
    desk = ctx.desk
    authorise(desk, ctx.actor, "operate")

    sender = webhooks.Sender(desk)

    def one_pass() -> None:
        result = deadlines.check(desk)
        if once:  # wait for every receiver, to say what was delivered
            sent = webhooks.deliver_due(desk)
            done = f"{sent['delivered']} webhook(s) delivered"
        else:  # one lane per receiver: a slow one never holds up the next pass
            sent = {"lanes": sender.run_pass()}
            done = f"{sent['lanes']} webhook lane(s) sending"
        if as_json:
            echo_json(result | {"webhooks": sent})
        else:
            click.echo(f"{len(result['breached'])} breached, {len(result['at_risk'])} at risk, "
                       + done + (f", {len(result['repriced'])} deadline(s) repriced"
                                 if result["repriced"] else ""))
    if once:
        one_pass()
        return
    from core.watcher import every

    stop = threading.Event()
    try:
        every(interval or desk.config.service.watch_interval, stop, one_pass, "watch")
    except KeyboardInterrupt:
        stop.set()
    finally:
        sender.join(timeout=desk.config.service.webhook_timeout)


@click.group()
def token() -> None:
    """API tokens (shown once; only a hash is stored)."""


@token.command("create")
@click.option("--staff", required=True, help="Whose token it is.")
@click.option("--label")
@click.option("--expires", metavar="WHEN", help="30d, 12h, a date (2027-03-31) or never "
              "(default: [service] token_days, 90 days).")
@JSON
@pass_ctx
def token_create(ctx: Context, staff: str, label: str | None, expires: str | None,
                 as_json: bool) -> None:
    row = tokens.create(ctx.desk, staff, label, actor=ctx.actor, expires=expires)
    if as_json:
        echo_json(row)
    else:
        click.echo(row["token"])
        click.echo(f"token {row['id']} for {row['staff']} ({row['role']}), expires "
                   f"{row['expires_at'] or 'never'}: shown once, keep it safe", err=True)


@token.command("revoke")
@click.argument("token_id", type=ID)
@pass_ctx
def token_revoke(ctx: Context, token_id: int) -> None:
    tokens.revoke(ctx.desk, token_id, actor=ctx.actor)
    click.echo(f"token {token_id} revoked")


@token.command("list")
@JSON
@pass_ctx
def token_list(ctx: Context, as_json: bool) -> None:
    rows = tokens.list_tokens(ctx.desk, actor=ctx.actor)
    if as_json:
        echo_json(rows)
    else:
        table([(r["id"], r["staff"], r["role"], r["label"], r["created_at"],
                r["expires_at"] or "never", r["last_used_at"] or "-", r["status"])
               for r in rows], ["id", "staff", "role", "label", "created", "expires",
                                "last used", "status"])


@click.group()
def webhook() -> None:
    """Outbound webhooks: signed (HMAC-SHA256), retried with backoff, logged."""


@webhook.command("add")
@click.argument("url")
@click.option("--events", required=True, help="Comma-separated: " + ", ".join(webhooks.EVENTS)
              + " or *.")
@click.option("--secret", help="Shared secret (default: generated and printed once).")
@click.option("--unmasked", is_flag=True, help="Full phone numbers in the payloads "
              "(a manager's grant, recorded; default: masked 138****5678).")
@JSON
@pass_ctx
def webhook_add(ctx: Context, url: str, events: str, secret: str | None, unmasked: bool,
                as_json: bool) -> None:
    row = webhooks.subscribe(ctx.desk, url, [e.strip() for e in events.split(",") if e.strip()],
                             secret, actor=ctx.actor, unmasked=unmasked)
    if as_json:
        echo_json(row)
    else:
        phones = (f"full phone numbers granted by {row['unmasked_by']}" if row["unmasked"]
                  else "phones masked")
        click.echo(f"webhook {row['id']} → {row['url']} ({', '.join(row['events'])}; "
                   f"{phones}); secret: {row['secret']}")


@webhook.command("phones")
@click.argument("webhook_id", type=ID)
@click.argument("mode", type=click.Choice(["full", "masked"]))
@JSON
@pass_ctx
def webhook_phones(ctx: Context, webhook_id: int, mode: str, as_json: bool) -> None:
    """Grant full phone numbers to a subscription (a manager) or mask them again."""
    row = webhooks.set_unmasked(ctx.desk, webhook_id, mode == "full", actor=ctx.actor)
    if as_json:
        echo_json(row)
    else:
        click.echo(f"webhook {row['id']}: " + (f"full phone numbers, granted by "
                   f"{row['unmasked_by']} at {row['unmasked_at']}" if row["unmasked"]
                   else "phones masked"))


@webhook.command("remove")
@click.argument("webhook_id", type=ID)
@pass_ctx
def webhook_remove(ctx: Context, webhook_id: int) -> None:
    webhooks.unsubscribe(ctx.desk, webhook_id, actor=ctx.actor)
    click.echo(f"webhook {webhook_id} removed")


@webhook.command("redeliver")
@click.argument("delivery_id", type=ID)
@JSON
@pass_ctx
def webhook_redeliver(ctx: Context, delivery_id: int, as_json: bool) -> None:
    """Send a failed (or delivered) delivery again, as the same message (webhook-id)."""
    row = webhooks.redeliver(ctx.desk, delivery_id, actor=ctx.actor)
    if as_json:
        echo_json(row)
    else:
        click.echo(f"delivery {row['id']} ({row['event']}) is pending again")


@webhook.command("list")
@JSON
@pass_ctx
def webhook_list(ctx: Context, as_json: bool) -> None:
    rows = webhooks.subscriptions(ctx.desk, actor=ctx.actor)
    if as_json:
        echo_json(rows)
    else:
        table([(r["id"], r["url"], ",".join(r["events"]), r["active"],
                f"full (by {r['unmasked_by']}, {r['unmasked_at']})" if r["unmasked"]
                else "masked") for r in rows],
              ["id", "url", "events", "active", "phones"])


@webhook.command("deliveries")
@click.option("--status", type=click.Choice(["pending", "delivered", "failed"]))
@click.option("--limit", default=50, show_default=True, type=LIMIT)
@JSON
@pass_ctx
def webhook_deliveries(ctx: Context, status: str | None, limit: int, as_json: bool) -> None:
    """The delivery log, newest first."""
    rows = webhooks.deliveries(ctx.desk, status, limit, actor=ctx.actor)
    if as_json:
        echo_json(rows)
    else:
        table([(r["id"], r["event"], r["status"], r["attempts"], r["last_status"],
                r["last_error"] or "", r["created_at"]) for r in rows],
              ["id", "event", "status", "attempts", "http", "error", "created"])


COMMANDS = (serve, watch, token, webhook)
