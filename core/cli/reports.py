"""`propdesk report ...` (statistics) and `propdesk capa ...` (corrective actions)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from core import capa as capa_service
from core.cli.context import Context
from core.cli.output import echo_json, short, table
from core.errors import DomainError
from core.reports.render import FORMATS

pass_ctx = click.make_pass_decorator(Context)


@click.group()
def report() -> None:
    """Customer information statistics (客户信息统计分析): month, quarter, half year."""


def _report_command(kind: str, example: str, what: str) -> click.Command:
    @click.argument("period", metavar="PERIOD")
    @click.option("--format", "fmt", default="text", show_default=True,
                  type=click.Choice(FORMATS),
                  help="Output format; pdf and xlsx are files: give -o FILE.")
    @click.option("--charts", "charts_dir", type=click.Path(file_okay=False, path_type=Path),
                  help="Also write the charts as PNG files into this folder.")
    @click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
                  help="Write the report to a file instead of the terminal.")
    @pass_ctx
    def command(ctx: Context, period: str, fmt: str, charts_dir: Path | None,
                output: Path | None) -> None:
        from core.reports import report as build
        from core.reports.render import BINARY_FORMATS, render, render_binary

        if fmt in BINARY_FORMATS and output is None and sys.stdout.isatty():
            # refused before any work: a PDF or workbook printed on a terminal is garbage
            raise DomainError("output", f"a {fmt} report is a file: write it with -o FILE "
                                        f"(or redirect the output)")
        figures = build(ctx.desk, kind, period, actor=ctx.actor)
        charts: list[str] = []
        if charts_dir is not None:
            from core.reports.charts import write_charts

            charts = [str(p) for p in write_charts(figures, charts_dir)]
        if fmt in BINARY_FORMATS:
            data = render_binary(figures, fmt, config=ctx.desk.config)
            if output is not None:
                _write(output, data)
            else:
                sys.stdout.buffer.write(data)  # piped or redirected: the bytes as they are
                sys.stdout.flush()
        else:
            text = render(figures, fmt, charts, config=ctx.desk.config)
            if output is not None:
                _write(output, text.encode("utf-8"))
            else:
                click.echo(text, nl=False)
        if output is not None:
            click.echo(f"wrote {output}")
        for path in charts:
            click.echo(f"chart: {path}", err=True)

    command.__doc__ = f"The {what} report for PERIOD (e.g. {example})."
    return report.command(kind)(command)


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:  # a missing folder, no permission: the user's path, not a bug
        raise DomainError("output", f"{path}: {exc.strerror or exc}") from exc


_report_command("monthly", "2026-10", "monthly")
_report_command("quarterly", "2026-Q4", "quarterly")
_report_command("half", "2026-H2", "half-yearly")


@click.group()
def capa() -> None:
    """Corrective and preventive actions (纠正与预防措施) opened by repeat matters."""


@capa.command("list")
@click.option("--state", help="open/待处理, verified/已验证, closed/已关闭.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def list_(ctx: Context, state: str | None, as_json: bool) -> None:
    """Corrective actions, newest first."""
    rows = capa_service.list_capa(ctx.desk, state, actor=ctx.actor)
    if as_json:
        echo_json(rows)
    elif not rows:
        click.echo("no corrective actions")
    else:
        table([(c["number"], c["state"], c["topic_label"], c["unit"] or c["location"],
                len(c["tickets"]), c["owner"] or "", short(c["actions"], 30))
               for c in rows],
              ["number 编号", "state 状态", "topic 主题", "where 位置", "tickets 次数",
               "owner 负责人", "actions 措施"])


@capa.command("show")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def show(ctx: Context, number: str, as_json: bool) -> None:
    """One corrective action with its history."""
    c = capa_service.show_capa(ctx.desk, number, actor=ctx.actor)
    if as_json:
        echo_json(c)
        return
    click.echo(f"{c['number']}  {c['state']}  {c['source_label']}\n"
               f"  topic 主题: {c['topic_label']}   where 位置: {c['unit'] or c['location']}\n"
               f"  tickets 工单: {', '.join(c['tickets'])}\n"
               f"  owner 负责人: {c['owner'] or '-'}\n  cause 原因: {c['cause'] or '-'}\n"
               f"  actions 措施: {c['actions'] or '-'}\n"
               f"  verification 验证: {c['verification'] or '-'}\n"
               f"  opened: {c['opened_at']}   closed: {c['closed_at'] or '-'}")
    for h in c["history"]:
        click.echo(f"    {h['at']}  {h['by']}  {h['change']}")


@capa.command("update")
@click.argument("number")
@click.option("--owner", help="Staff member responsible.")
@click.option("--cause", help="The cause found (原因分析).")
@click.option("--actions", help="Corrective and preventive actions taken (措施).")
@click.option("--verification", help="How their effect was verified (验证).")
@click.option("--close", is_flag=True, help="Close it (needs actions and verification).")
@click.option("--at", "at", metavar="TIME")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def update(ctx: Context, number: str, as_json: bool, **kw: object) -> None:
    """Fill in owner, cause, actions, verification; close when verified."""
    c = capa_service.update(ctx.desk, number, actor=ctx.actor, **kw)  # type: ignore[arg-type]
    if as_json:
        echo_json(c)
    else:
        click.echo(f"{c['number']}: {c['state']}")


COMMANDS = (report, capa)
