"""Helpers for a plugin's click commands: the shared context, output, errors.

A command parses its options, opens the unit of work with `ctx.desk.write()` when it
changes anything, calls its service with `actor=ctx.actor`, and prints. It decides
nothing itself: the service checks who may, when, and what.
"""

from __future__ import annotations

from core.cli.context import Context
from core.cli.output import echo_json, hm, short, table

__all__ = ["Context", "echo_json", "hm", "short", "table"]
