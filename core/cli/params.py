"""Option types that refuse what cannot work: a zero, negative or not-a-number interval
(a busy loop), a limit of -1, a port of 0. Click names the option in its one-line error
(`error: Invalid value for '--interval': ...`, exit 2)."""

from __future__ import annotations

import math
from typing import Any

import click


class Seconds(click.ParamType):
    """A finite number of seconds above 0 and at most `most`."""

    name = "seconds"

    def __init__(self, most: float = 86400) -> None:
        self.most = most

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not math.isfinite(seconds) or not 0 < seconds <= self.most:
            self.fail(f"{value!r}: use a number of seconds above 0 and at most "
                      f"{self.most:g}", param, ctx)
        return seconds


#: how many rows to show
LIMIT = click.IntRange(1, 100_000)
#: a record's id (the databases' integer range)
ID = click.IntRange(1, 2**31 - 1)
PORT = click.IntRange(1, 65535)
WORKERS = click.IntRange(1, 64)
