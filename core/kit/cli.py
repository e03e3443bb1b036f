"""Helpers for a plugin's click commands: the shared context, output, errors.

A command parses its options, opens the unit of work with `ctx.desk.write()` when it
changes anything, calls its service with `actor=ctx.actor`, and prints. It decides
nothing itself: the service checks who may, when, and what.
"""

from __future__ import annotations

import importlib
from functools import cached_property
from typing import Any

import click

from core.cli.context import Context
from core.cli.output import echo_json, hm, short, table

__all__ = ["Context", "LazyGroup", "echo_json", "hm", "short", "table"]


class LazyGroup(click.Group):
    """A plugin's command group whose module is imported only when it runs or shows its
    help, so `propdesk ticket show` never pays for a heavy toolkit (simpy, matplotlib).

    `LazyGroup("sim", "simulations.cli:sim", short_help="...")` in `register_commands`;
    the parent's command list shows `short_help` without importing anything.
    """

    def __init__(self, name: str, import_path: str, short_help: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(name=name, short_help=short_help, **kwargs)
        self.import_path = import_path

    @cached_property
    def real(self) -> click.Group:
        """The group itself, imported on first use."""
        module, _, attr = self.import_path.partition(":")
        group = getattr(importlib.import_module(module), attr)
        if not isinstance(group, click.Group):
            raise TypeError(f"{self.import_path} is not a click group")
        return group

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        return self.real.make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        return self.real.invoke(ctx)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self.real.list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self.real.get_command(ctx, name)

    def get_help(self, ctx: click.Context) -> str:
        return self.real.get_help(ctx)
