"""The service context every channel (CLI, HTTP, plugins) works through."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pluggy
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core import db
from core.config import Config, load_config
from core.labels import Vocabulary
from core.plugins import categories, collect, make_plugin_manager
from core.times import utcnow

if TYPE_CHECKING:
    from core.intake_queue import IntakeQueue


@dataclass
class Desk:
    """Configuration, database and plugins of one site; built once per process."""

    config: Config
    engine: Engine
    pm: pluggy.PluginManager
    now: Callable[[], datetime] = field(default=utcnow)

    def __post_init__(self) -> None:
        from core.webhooks import WebhookPlugin

        if self.pm.get_plugin("core.webhooks") is None:  # built-in, needs this site's database
            self.pm.register(WebhookPlugin(self), name="core.webhooks")

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction. On SQLite, writers of this process queue on a lock instead
        of colliding on the database lock, whose busy handler sleeps in growing steps."""
        if self.engine.dialect.name == "sqlite":
            with self._write_lock, self.sessions.begin() as session:
                yield session
        else:
            with self.sessions.begin() as session:
                yield session

    @cached_property
    def _write_lock(self) -> threading.Lock:
        return threading.Lock()

    @cached_property
    def intake_queue(self) -> IntakeQueue:
        """Group commit for concurrent intakes (the HTTP service's `POST /tickets`)."""
        from core.intake_queue import IntakeQueue

        return IntakeQueue(self, max_batch=self.config.service.intake_batch)

    @cached_property
    def heartbeats(self) -> dict[str, tuple[float, datetime | None]]:
        """Background loops of this process: name → (interval s, last good pass)."""
        return {}

    @cached_property
    def token_cache(self) -> dict[str, tuple[float, Any]]:
        """API tokens recently found live: digest → (when, staff); see `core.tokens`."""
        return {}

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return db.make_sessions(self.engine)

    @cached_property
    def plugin_settings(self) -> dict[str, Any]:
        """Every plugin's validated settings (`register_config`), by name."""
        from core.plugins import plugin_settings

        return plugin_settings(self.pm, self.config.plugins.tables())

    def settings(self, name: str) -> Any:
        """The settings a plugin declared as `name`, from `[plugins.<name>]` or defaults."""
        return self.plugin_settings[name]

    @cached_property
    def categories(self) -> Vocabulary:
        return categories(self.pm)

    @property
    def tz(self) -> ZoneInfo:
        return self.config.tz

    def migration_locations(self) -> list[str]:
        return [str(p) for p in collect(self.pm.hook.register_migrations)]

    def models(self) -> list[type]:
        """The plugins' models; each must be mapped on the shared `core.models.Base`."""
        from core.models import Base

        models = collect(self.pm.hook.register_models)
        for model in models:
            table = getattr(model, "__table__", None)
            if table is None or Base.metadata.tables.get(table.name) is not table:
                raise TypeError(f"plugin model {model.__name__} is not on core.models.Base")
        return models

    def upgrade(self) -> None:
        self.models()
        db.upgrade(self.engine, self.migration_locations())

    @classmethod
    def open(cls, db_url: str | None = None, config_path: str | None = None,
             config: Config | None = None) -> Desk:
        config = config or load_config(config_path)
        pm = make_plugin_manager(config.plugins.enabled or None, config.plugins.dir)
        desk = cls(config=config, engine=db.make_engine(db.database_url(db_url)), pm=pm)
        desk.models()
        desk.plugin_settings  # noqa: B018 - a bad [plugins.<name>] value stops the site here
        return desk
