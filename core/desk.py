"""The service context every channel (CLI, HTTP, plugins) works through."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

import pluggy
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core import db
from core.config import Config, load_config
from core.labels import Vocabulary
from core.plugins import announce, categories, collect, shared_plugin_manager
from core.times import utcnow
from core.work import INFO_KEY, Work, conflict, is_unique_violation


@dataclass
class Desk:
    """Configuration, database and plugins of one site; built once per process."""

    config: Config
    engine: Engine
    pm: pluggy.PluginManager
    now: Callable[[], datetime] = field(default=utcnow)
    #: when this process read its configuration: the newest one wins a calendar change
    #: (`core.repricing`), an older process running beside it does not undo it
    opened_at: datetime = field(default_factory=utcnow, init=False)

    def __post_init__(self) -> None:
        self.pm.hook.site_opened(desk=self)  # e.g. the webhook outbox of this database

    @contextmanager
    def write(self) -> Iterator[Session]:
        """The unit of work (`core.work`): the outermost call opens the write transaction
        and commits it, calls inside it join it. Notifications queued on it fire after the
        commit. On SQLite, writers of this process queue on a lock instead of colliding on
        the database lock, whose busy handler sleeps in growing steps."""
        work = self._work.get()
        if work is not None:
            yield work.session
            return
        token = None
        try:
            with ExitStack() as stack:
                if self.engine.dialect.name == "sqlite":
                    stack.enter_context(self._write_lock)
                session = stack.enter_context(self._writers.begin())
                work = Work(session)
                session.info[INFO_KEY] = work
                token = self._work.set(work)
                yield session
                while work.before_commit:
                    work.before_commit.pop(0)()
                session.flush()
        except IntegrityError as exc:
            if is_unique_violation(exc):
                raise conflict(exc) from exc
            raise
        finally:
            if token is not None:
                self._work.reset(token)
        if work is not None and work.notes:
            with ExitStack() as stack:  # e.g. the webhook outbox: one write for the burst
                for burst in self.bursts:
                    stack.enter_context(burst())
                announce(self, work.notes)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session to read with: the open unit of work's, so a service sees what the
        action has written so far, or a fresh read-only one."""
        work = self._work.get()
        if work is not None:
            yield work.session
            return
        with self.sessions() as session:
            yield session

    @property
    def work(self) -> Work | None:
        """The unit of work open in this thread (or task), if any."""
        return self._work.get()

    def notify(self, hook: str, **kwargs: Any) -> None:
        """Fire a notification hook after the current unit commits (at once outside one)."""
        work = self._work.get()
        if work is not None:
            work.notify(hook, **kwargs)
        else:
            with ExitStack() as stack:
                for burst in self.bursts:
                    stack.enter_context(burst())
                announce(self, [(hook, kwargs)])

    @cached_property
    def _work(self) -> ContextVar[Work | None]:
        return ContextVar(f"propdesk-work-{id(self)}", default=None)

    @cached_property
    def bursts(self) -> list[Callable[[], AbstractContextManager[Any]]]:
        """Context managers wrapped around one unit's announcements (webhook outbox)."""
        return []

    @cached_property
    def _writers(self) -> sessionmaker[Session]:
        return db.make_sessions(db.writer(self.engine))

    @cached_property
    def _write_lock(self) -> threading.Lock:
        return threading.Lock()

    @cached_property
    def state(self) -> dict[str, Any]:
        """What plugins keep per site (e.g. the webhook outbox), by plugin name."""
        return {}

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
        pm = shared_plugin_manager(config.plugins.enabled or None, config.plugins.dir)
        desk = cls(config=config, engine=db.make_engine(db.database_url(db_url)), pm=pm)
        desk.models()
        desk.plugin_settings  # noqa: B018 - a bad [plugins.<name>] value stops the site here
        return desk
