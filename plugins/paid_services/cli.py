"""`propdesk paid ...`: price list, warranty dates, quote and consent, work order, payment,
cash-up and the contractor statement. Thin: parse, call a service, print."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from core.kit import DomainError
from core.kit.cli import Context, echo_json
from plugins.paid_services import decisions, jobs, payments, pricing, printing, scoring
from plugins.paid_services.money import yuan

pass_ctx = click.make_pass_decorator(Context)
AT = click.option("--at", "at", metavar="TIME", help="When (ISO 8601; naive = site time).")


def _pairs(values: tuple[str, ...], field: str) -> list[tuple[str, str]]:
    out = []
    for v in values:
        key, sep, rest = v.partition("=")
        if not sep:
            raise DomainError(field, f"write {field} as NAME=VALUE, not {v!r}")
        out.append((key.strip(), rest.strip()))
    return out


def _job_line(job: dict[str, Any]) -> str:
    return (f"{job['number']} {job['ticket']} {job['status']} total {job['total']} 元"
            f" paid {yuan(job['paid_fen'])} 元")


@click.group()
def paid() -> None:
    """Paid services (有偿服务): price list, quote, work order (派工单), payment."""


@paid.command("price-set")
@click.argument("code")
@click.option("--zh", "name_zh", required=True, help="Chinese name.")
@click.option("--en", "name_en", required=True, help="English name.")
@click.option("--unit", required=True, help="Unit of charge (次, 个, 米…).")
@click.option("--labour", required=True, help="Labour price in yuan (e.g. 30 or 12.50).")
@click.option("--materials-included", is_flag=True, help="Materials are in the price.")
@click.option("--approval", required=True, help="Price authority's approval reference.")
@click.option("--effective", required=True, help="First day in force (YYYY-MM-DD).")
@pass_ctx
def price_set(ctx: Context, code: str, name_zh: str, name_en: str, unit: str, labour: str,
              materials_included: bool, approval: str, effective: str) -> None:
    """Add a price item, or a new version of it from --effective."""
    item = pricing.set_price(ctx.desk, code=code, name_zh=name_zh, name_en=name_en, unit=unit,
                             labour=labour, approval=approval, effective=effective,
                             materials_separate=not materials_included, actor=ctx.actor)
    click.echo(f"{item['code']} v{item['version']} {item['labour']} 元/{item['unit']} "
               f"from {item['effective_from']}")


@paid.command("prices")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json"]), default="md")
@click.option("--on", "on", help="The day (default today).")
@click.option("--history", is_flag=True, help="JSON of every version.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def prices(ctx: Context, fmt: str, on: str | None, history: bool, output: Path | None) -> None:
    """The price list in force, for posting (Markdown or HTML)."""
    day = decisions.parse_date(on, "on") if on else None
    if fmt == "json" or history:
        echo_json(pricing.price_list(ctx.desk, day, history, actor=ctx.actor))
        return
    text = pricing.export(ctx.desk, fmt, day, actor=ctx.actor)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")
    else:
        click.echo(text, nl=False)


@paid.command("warranty")
@click.argument("unit")
@click.option("--handover", required=True, help="Handover date (交房).")
@click.option("--until", required=True, help="Last day of the warranty (保修期至).")
@pass_ctx
def warranty(ctx: Context, unit: str, handover: str, until: str) -> None:
    """Set a unit's handover date and warranty end (used at intake to decide paid or free)."""
    row = decisions.set_warranty(ctx.desk, unit, handover, until, ctx.actor)
    click.echo(f"{row['unit']}: handed over {row['handover_date']}, "
               f"warranty until {row['warranty_until']}")


@paid.command("decision")
@click.argument("ticket")
@pass_ctx
def decision(ctx: Context, ticket: str) -> None:
    """The paid/warranty/public-area decisions of a ticket and their reasons."""
    for d in decisions.history(ctx.desk, ticket, actor=ctx.actor):
        click.echo(f"{d['at']} {d['label']}: {d['reason']} ({d['by']})")


@paid.command("quote")
@click.argument("ticket")
@click.option("--item", "items", multiple=True, required=True, metavar="CODE=QTY")
@AT
@pass_ctx
def quote(ctx: Context, ticket: str, items: tuple[str, ...], at: str | None) -> None:
    """Quote a paid-service ticket from the price list."""
    job = jobs.quote(ctx.desk, ticket, _pairs(items, "item"), actor=ctx.actor, at=at)
    click.echo(_job_line(job))


@paid.command("accept")
@click.argument("job")
@click.option("--appointment", required=True, metavar="TIME")
@AT
@pass_ctx
def accept(ctx: Context, job: str, appointment: str, at: str | None) -> None:
    """The customer accepts the quote; the appointment agreed."""
    click.echo(_job_line(jobs.accept(ctx.desk, job, appointment, actor=ctx.actor, at=at)))


@paid.command("refuse")
@click.argument("job")
@click.option("--reason", required=True)
@click.option("--free", is_flag=True, help="Reclassified free (warranty): the work continues.")
@AT
@pass_ctx
def refuse(ctx: Context, job: str, reason: str, free: bool, at: str | None) -> None:
    """The customer refuses the charge: recorded; the ticket closes as declined (or --free)."""
    click.echo(_job_line(jobs.refuse(ctx.desk, job, reason, free=free, actor=ctx.actor, at=at)))


@paid.command("issue")
@click.argument("job")
@click.option("--technician", "technicians", multiple=True, required=True)
@click.option("--contractor", help="Who is paid for the job (default: the department).")
@AT
@pass_ctx
def issue(ctx: Context, job: str, technicians: tuple[str, ...], contractor: str | None,
          at: str | None) -> None:
    """Issue the work order (派工单) to its technicians."""
    click.echo(_job_line(jobs.issue(ctx.desk, job, list(technicians), contractor=contractor,
                                    actor=ctx.actor, at=at)))


@paid.command("confirm-call")
@click.argument("job")
@click.option("--note", required=True)
@AT
@pass_ctx
def confirm_call(ctx: Context, job: str, note: str, at: str | None) -> None:
    """Log the phone call to the customer before leaving."""
    click.echo(_job_line(jobs.confirm_call(ctx.desk, job, note, actor=ctx.actor, at=at)))


@paid.command("arrive")
@click.argument("job")
@click.option("--check", "checks", multiple=True,
              help=f"Checklist item done: {', '.join(jobs.CHECKLIST)}.")
@AT
@pass_ctx
def arrive(ctx: Context, job: str, checks: tuple[str, ...], at: str | None) -> None:
    """Arrival at the home and the in-home checklist."""
    click.echo(_job_line(jobs.arrive(ctx.desk, job, checks, actor=ctx.actor, at=at)))


@paid.command("work")
@click.argument("job")
@click.option("--done", "work_done", required=True)
@click.option("--cause", required=True)
@click.option("--care", required=True, help="Care advice given to the customer.")
@click.option("--material", "materials", multiple=True, metavar="NAME=QTY@PRICE")
@pass_ctx
def work(ctx: Context, job: str, work_done: str, cause: str, care: str,
         materials: tuple[str, ...]) -> None:
    """Record the work done, the cause, care advice and materials (price in yuan)."""
    parsed = []
    for name, rest in _pairs(materials, "material"):
        qty, sep, price = rest.partition("@")
        if not sep:
            raise DomainError("material", f"write NAME=QTY@PRICE, not {name}={rest}")
        parsed.append((name, qty, price))
    click.echo(_job_line(jobs.record_work(ctx.desk, job, work_done=work_done, cause=cause,
                                          care_advice=care, materials=parsed,
                                          actor=ctx.actor)))


@paid.command("sign")
@click.argument("job")
@click.option("--name", required=True, help="The customer who signs.")
@click.option("--image", required=True, help="Reference of the signature image.")
@AT
@pass_ctx
def sign(ctx: Context, job: str, name: str, image: str, at: str | None) -> None:
    """The customer's signature on the work order."""
    click.echo(_job_line(jobs.sign(ctx.desk, job, name, image, actor=ctx.actor, at=at)))


@paid.command("complete")
@click.argument("job")
@AT
@pass_ctx
def complete(ctx: Context, job: str, at: str | None) -> None:
    """Complete a signed job (resolves the ticket; the follow-up is queued)."""
    click.echo(_job_line(jobs.complete(ctx.desk, job, actor=ctx.actor, at=at)))


@paid.command("show")
@click.argument("job")
@pass_ctx
def show(ctx: Context, job: str) -> None:
    """A job as JSON."""
    echo_json(jobs.show_job(ctx.desk, job, actor=ctx.actor))


@paid.command("print")
@click.argument("job")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def print_(ctx: Context, job: str, output: Path | None) -> None:
    """The printable work order, three copies (HTML)."""
    text = printing.work_order_html(ctx.desk, job, actor=ctx.actor)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")
    else:
        click.echo(text, nl=False)


@paid.command("pay")
@click.argument("job")
@click.option("--method", required=True, help="cash/现金, wechat/微信, alipay/支付宝, card.")
@click.option("--receipt", required=True, help="Receipt number (收据号).")
@AT
@pass_ctx
def pay(ctx: Context, job: str, method: str, receipt: str, at: str | None) -> None:
    """The customer pays the total (labour + materials)."""
    click.echo(_job_line(payments.pay(ctx.desk, job, method=method, receipt=receipt,
                                      actor=ctx.actor, at=at)))


@paid.command("refund")
@click.argument("job")
@click.option("--amount", required=True, help="Yuan.")
@click.option("--reason", required=True)
@click.option("--receipt", required=True)
@click.option("--method", default="cash", show_default=True)
@AT
@pass_ctx
def refund(ctx: Context, job: str, amount: str, reason: str, receipt: str, method: str,
           at: str | None) -> None:
    """Refund (part of) a payment."""
    click.echo(_job_line(payments.refund(ctx.desk, job, amount=amount, reason=reason,
                                         receipt=receipt, method=method, actor=ctx.actor,
                                         at=at)))


@paid.command("damage")
@click.argument("job")
@click.option("--description", required=True)
@click.option("--amount", required=True, help="Compensation at cost, yuan.")
@AT
@pass_ctx
def damage(ctx: Context, job: str, description: str, amount: str, at: str | None) -> None:
    """Record damage compensated at cost."""
    row = payments.damage(ctx.desk, job, description=description, amount=amount,
                          actor=ctx.actor, at=at)
    click.echo(f"{row['job']}: damage {row['description']} {row['amount']} 元")


@paid.command("cashup")
@click.argument("day")
@click.option("--counted", "counted", multiple=True, metavar="METHOD=YUAN")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def cashup(ctx: Context, day: str, counted: tuple[str, ...], as_json: bool) -> None:
    """The day's receipts and totals; with --counted, the difference per method."""
    result = payments.cash_up(ctx.desk, day, dict(_pairs(counted, "counted")) if counted
                              else None, actor=ctx.actor)
    if as_json:
        echo_json(result)
        return
    for r in result["receipts"]:
        click.echo(f"{r['receipt']} {r['job']} {r['kind']} {r['method']} {r['amount']}")
    click.echo(f"total {result['total']} 元 ({len(result['receipts'])} receipts)")
    if "balanced" in result:
        click.echo("balanced" if result["balanced"] else
                   f"NOT balanced: {result['difference_fen']} (fen)")


@paid.command("statement")
@click.argument("month")
@click.option("--rates", help="Override percent per satisfaction, e.g. 5=2,4=1,3=-1,2=-2,1=-5.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def statement(ctx: Context, month: str, rates: str | None, as_json: bool) -> None:
    """Contractor bonus and penalty for a month (YYYY-MM)."""
    rows = scoring.statement(ctx.desk, month, scoring.parse_rates(rates) if rates else None,
                             actor=ctx.actor)
    if as_json:
        echo_json(rows)
        return
    for c in rows:
        click.echo(f"{c['contractor']}: {len(c['jobs'])} jobs, bonus {yuan(c['bonus_fen'])}, "
                   f"penalty {yuan(c['penalty_fen'])}, net {c['net']} 元")
