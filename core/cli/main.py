"""`propdesk`: the top-level group, its shared options and error handling."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from core.cli.context import Context
from core.errors import DomainError, refusal

log = logging.getLogger("propdesk")


class PropdeskGroup(click.Group):
    """Maps user errors to one line on stderr and exit code 2; never a traceback.

    Plugins add their commands through `register_commands` (the toolkits `train` and `sim`
    too, as lazy groups): loaded when a name is not a core command or the list is shown,
    so a core command starts without them; again when the configuration or the allow-list
    (`PROPDESK_LOAD_PLUGINS`, `PROPDESK_PLUGINS_DIR`) changes, so one group serves every site.
    """

    _plugged: frozenset[str] = frozenset()
    _loaded_for: tuple[str | None, ...] | None = None

    def list_commands(self, ctx: click.Context) -> list[str]:
        _core_commands(self)
        self._plugin_commands(ctx)
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands:
            _core_commands(self, name)
        if name not in self.commands or name in self._plugged:
            self._plugin_commands(ctx)
        return super().get_command(ctx, name)

    def _plugin_commands(self, ctx: click.Context) -> None:
        from core.config import load_config
        from core.plugins import shared_plugin_manager

        path = ctx.find_root().params.get("config") or os.environ.get("PROPDESK_CONFIG")
        key = (path, os.environ.get("PROPDESK_LOAD_PLUGINS"),
               os.environ.get("PROPDESK_PLUGINS_DIR"))
        if key == self._loaded_for:
            return
        for name in self._plugged:
            self.commands.pop(name, None)
        before = dict(self.commands)
        config = load_config(path)
        shared_plugin_manager(config.plugins.enabled or None,
                              config.plugins.dir).hook.register_commands(cli=self)
        self._plugged = frozenset(n for n, c in self.commands.items() if before.get(n) is not c)
        self._loaded_for = key

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.Abort:
            click.echo("aborted", err=True)
            sys.exit(1)
        except (click.ClickException, DomainError) as exc:
            # usage errors (missing or invalid options), a bad propdesk.toml while listing
            # the commands: the one mapping the API uses too (`core.errors.refusal`)
            found = refusal(exc)
            assert found is not None
            click.echo(f"error: {found.line()}", err=True)
            sys.exit(found.exit_code)
        sys.exit(code if isinstance(code, int) else 0)  # ctx.exit(n) returns n here

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.Abort, click.exceptions.Exit):
            raise
        except Exception as exc:
            found = refusal(exc)  # the user's mistake: one line naming the field, exit 2
            if found is not None:
                click.echo(f"error: {found.line()}", err=True)
                sys.exit(found.exit_code)
            if os.environ.get("PROPDESK_DEBUG"):
                raise
            if isinstance(exc, (OperationalError, ProgrammingError)):
                click.echo(f"error: database: {str(exc.orig).splitlines()[0]}", err=True)
                sys.exit(1)
            log.debug("internal error", exc_info=True)  # a bug, not the user's fault
            click.echo(f"error: internal: {type(exc).__name__}: {exc} "
                       "(PROPDESK_DEBUG=1 shows details)", err=True)
            sys.exit(1)


@click.group(cls=PropdeskGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", envvar="PROPDESK_DATABASE_URL", metavar="URL",
              help="Database URL (default sqlite:///propdesk.db).")
@click.option("--config", envvar="PROPDESK_CONFIG", type=click.Path(dir_okay=False),
              help="Site configuration (default ./propdesk.toml).")
@click.option("--as", "actor", envvar="PROPDESK_STAFF", metavar="STAFF",
              help="Act as this staff member (recorded in the history).")
@click.version_option(package_name="propdesk")
@click.pass_context
def cli(ctx: click.Context, db: str | None, config: str | None, actor: str | None) -> None:
    """propdesk — customer service desk for residential property management (物业客服中心)."""
    logging.basicConfig(level=logging.WARNING, format="warning: %(message)s")
    ctx.obj = Context(db, config, actor)


#: the module of core's commands by name: a command imports its own module only, so
#: `propdesk ticket show` does not load the reports, the server or the token commands
CORE_MODULES = {"init": "admin", "db": "admin", "unit": "admin", "staff": "admin",
                "sla": "admin", "calendar": "admin", "plugins": "admin", "serve": "service",
                "watch": "service", "token": "service", "webhook": "service",
                "ticket": "tickets", "followup": "followups", "report": "reports",
                "capa": "reports", "notify": "notify", "topics": "topics"}
_ALL = ("admin", "service", "tickets", "followups", "reports", "notify", "topics")


def _core_commands(group: click.Group, name: str | None = None) -> None:
    """Add the commands of `name`'s module (every core module when None or unknown)."""
    import importlib

    module = CORE_MODULES.get(name) if name else None
    for mod_name in (module,) if module else _ALL:
        mod = importlib.import_module(f"core.cli.{mod_name}")
        for command in mod.COMMANDS:
            if command.name not in group.commands:
                group.add_command(command)


def main() -> None:
    """Console entry point (plugins' commands join through `register_commands`)."""
    cli()


if __name__ == "__main__":
    main()
