"""The staffing simulations as a plugin: `propdesk sim …` joins through `register_commands`.

The command is a lazy group: simpy, numpy, matplotlib and dask load only when `sim` runs
or shows its help, so every other command starts as fast as before.
"""

from __future__ import annotations

from typing import Any

from core.kit import hookimpl
from core.kit.cli import LazyGroup


@hookimpl
def register_commands(cli: Any) -> None:
    cli.add_command(LazyGroup(
        "sim", "simulations.cli:sim",
        short_help="Staffing simulations 排班模拟: will this roster meet the SLA targets?"))
