"""The shared state of one `propdesk` invocation: its options and, on first use, the site."""

from __future__ import annotations

from functools import cached_property
from typing import Any


class Context:
    """Holds the options; opens the site (config, database, plugins) on first use."""

    def __init__(self, db: str | None, config: str | None, actor: str | None) -> None:
        self.db_url, self.config_path, self.actor = db, config, actor

    @cached_property
    def desk(self) -> Any:
        from core.desk import Desk

        return Desk.open(self.db_url, self.config_path)
