"""Shared fixtures: a migrated database per test (SQLite copy, or PostgreSQL truncated)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text

from core import db
from core.config import Config
from core.desk import Desk
from core.plugins import make_plugin_manager

PG_URL = os.environ.get("PROPDESK_TEST_DATABASE_URL")
#: a fixed "now" for service tests: Friday 2026-11-20 10:00 in Shanghai
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def migration_locations() -> list[str]:
    """Every installed plugin's Alembic branch, as `propdesk init` migrates them."""
    from core.plugins import collect

    return [str(p) for p in collect(make_plugin_manager().hook.register_migrations)]


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per session: a SQLite file to copy, or the PostgreSQL database itself."""
    if PG_URL:
        engine = db.make_engine(db.database_url(PG_URL))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.upgrade(engine, migration_locations())
        engine.dispose()
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine, migration_locations())
    engine.dispose()
    return str(path)


@pytest.fixture
def db_url(_template: str, tmp_path: Path) -> Iterator[str]:
    if PG_URL:
        yield db.database_url(PG_URL)
        truncate(db.database_url(PG_URL))
    else:
        path = tmp_path / "propdesk.db"
        shutil.copy(_template, path)
        yield f"sqlite:///{path}"


def truncate(url: str) -> None:
    """Empty every table of a PostgreSQL test database, keeping its schema."""
    engine = db.make_engine(url)
    with engine.begin() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname='public' "
            "AND tablename <> 'alembic_version'"))]
        if tables:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


class Clock:
    """A settable "now" for the services."""

    def __init__(self, at: datetime = NOW) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_desk(url: str, clock: Clock, config: Config | None = None, pm: Any = None) -> Desk:
    return Desk(config=config or Config(), engine=db.make_engine(url),
                pm=pm or make_plugin_manager(), now=clock)


@pytest.fixture
def desk(db_url: str, clock: Clock) -> Iterator[Desk]:
    d = make_desk(db_url, clock)
    yield d
    d.engine.dispose()


@pytest.fixture
def site(desk: Desk) -> Desk:
    """A desk with a few units and staff."""
    from core import directory

    for code, owner in [("1-1-101", "王先生"), ("1-1-502", "李女士"), ("2-1-301", "张先生")]:
        directory.add_unit(desk, code, owner, "13812345678")
    for name, role, dept in [("王芳", "frontdesk", "客服部"), ("李娜", "frontdesk", "客服部"),
                             ("刘洋", "supervisor", "客服部"), ("陈静", "manager", "项目部"),
                             ("赵强", "technician", "工程部")]:
        directory.add_staff(desk, name, role, dept)
    return desk


@pytest.fixture
def run(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # noqa: ANN201
    """Invoke the real `propdesk` command against the test database."""
    from core.cli.main import cli

    monkeypatch.setenv("PROPDESK_DATABASE_URL", db_url)
    monkeypatch.delenv("PROPDESK_CONFIG", raising=False)
    monkeypatch.delenv("PROPDESK_STAFF", raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str, **kw: Any) -> Result:
        return runner.invoke(cli, list(args), catch_exceptions=False, **kw)

    return invoke
