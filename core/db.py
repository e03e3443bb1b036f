"""Engine, sessions and migrations from a database URL."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:  # alembic loads only where a migration runs, not for every command
    from alembic.config import Config as AlembicConfig

DEFAULT_URL = "sqlite:///propdesk.db"
MIGRATIONS = Path(__file__).parent / "migrations"


def database_url(explicit: str | None = None) -> str:
    """`--db`, else `$PROPDESK_DATABASE_URL`, else `propdesk.db` in the working folder."""
    url = explicit or os.environ.get("PROPDESK_DATABASE_URL") or DEFAULT_URL
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    try:
        cur.execute("PRAGMA journal_mode=WAL")
    except Exception as exc:  # a read-only file or disk: still serve reads (writes get 503)
        if "readonly" not in str(exc):
            raise
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
    # SQLAlchemy, not the driver, begins transactions (see `_sqlite_begin`)
    dbapi_conn.isolation_level = None


#: execution option of the engine that write transactions use (`writer`)
WRITE = "propdesk_write"


def _sqlite_begin(conn: Any) -> None:
    """A write transaction takes SQLite's write lock at once (`BEGIN IMMEDIATE`), so a
    check made inside it cannot be overtaken by another process; reads begin deferred."""
    immediate = conn.get_execution_options().get(WRITE)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def writer(engine: Engine) -> Engine:
    """The engine (same pool) whose transactions are write transactions."""
    return engine.execution_options(**{WRITE: True})


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    """The one session factory; callers own the transaction (`with sessions.begin()`)."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine, extra_locations: Iterable[str] = ()) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    locations = [str(MIGRATIONS / "versions"), *map(str, extra_locations)]
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, extra_locations: Iterable[str] = ()) -> None:
    """Migrate the core and every plugin branch to its head."""
    from alembic import command

    command.upgrade(alembic_config(engine, extra_locations), "heads")


def is_initialised(engine: Engine) -> bool:
    return inspect(engine).has_table("alembic_version")
