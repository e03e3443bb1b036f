"""`propdesk topics test TEXT`: how the site's topic taxonomy classes some words."""

from __future__ import annotations

import click

from core.cli.context import Context
from core.cli.output import echo_json

pass_ctx = click.make_pass_decorator(Context)


@click.group()
def topics() -> None:
    """The topic taxonomy (话题): what repeats, group complaints and reports count."""


@topics.command("test")
@click.argument("text")
@click.option("--summary", help="A summary to fall back on when TEXT matches no keyword.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def test(ctx: Context, text: str, summary: str | None, as_json: bool) -> None:
    """Show every topic's score, the winner and the keyword that decided."""
    from core.topics import explain

    found = explain(ctx.desk, text, summary, actor=ctx.actor)
    if as_json:
        echo_json(found)
        return
    click.echo(f"{found['text'] or text}: {found['code']} ({found['label']})"
               + (f", keyword {found['keyword']!r}" if found["keyword"] else "")
               + (f" from the {found['source']}" if found["source"] else ""))
    for code, score in found["scores"].items():
        click.echo(f"  {code:<20} {score}")
    if found["shadowed"]:
        click.echo(f"  not counted (inside a place name): {', '.join(found['shadowed'])}")
    click.echo(f"counts for repeats as: {found['counts_as']}")


COMMANDS = (topics,)
