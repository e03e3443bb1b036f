"""The Alembic revisions build exactly what the models describe, and go down cleanly."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from core import db
from core.models import Base
from tests.conftest import migration_locations


def _loaded_tables() -> set[str]:
    """The core's tables and those the plugins loaded here register (`register_models`);
    a test elsewhere may have imported other plugins' models into the shared metadata."""
    from core.plugins import collect, make_plugin_manager

    core = {m.class_.__table__.name for m in Base.registry.mappers
            if m.class_.__module__.startswith("core.")}
    return core | {m.__table__.name for m in collect(make_plugin_manager().hook.register_models)}


def test_models_and_migrations_agree(db_url: str) -> None:
    expected = _loaded_tables()

    def include(obj: object, name: str | None, type_: str, *_: object) -> bool:
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table is None or table in expected

    engine = db.make_engine(db_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def test_downgrade_and_upgrade_round_trip(db_url: str) -> None:
    engine = db.make_engine(db_url)
    cfg = db.alembic_config(engine, migration_locations())
    command.downgrade(cfg, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    db.upgrade(engine, migration_locations())
    assert {"tickets", "ticket_events", "sla_clocks", "units", "staff", "followups",
            "counters"} <= set(inspect(engine).get_table_names())
    assert db.is_initialised(engine)
    engine.dispose()


def test_upgrading_a_database_that_holds_tickets_keeps_them(db_url: str) -> None:
    """Every revision after the first runs on a store with data (foreign keys and all)."""
    from sqlalchemy import text

    engine = db.make_engine(db_url)
    command.downgrade(db.alembic_config(engine, migration_locations()), "0001_core")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO staff (id, name, role, active) VALUES (1, '王芳', "
                          "'frontdesk', true)"))
        conn.execute(text(
            "INSERT INTO tickets (id, number, channel, category, nature, summary, owner_id, "
            "state, received_at, recorded_at, reopen_count, escalation_level) VALUES "
            "(1, 'GD-20261001-0001', 'phone', 'repair', 'general', '漏水', 1, 'received', "
            "'2026-10-01 01:00:00', '2026-10-01 01:00:00', 0, 0)"))
        conn.execute(text("INSERT INTO ticket_events (ticket_id, kind, at, actor, data, "
                          "recorded_at) VALUES (1, 'received', '2026-10-01 01:00:00', '王芳', "
                          "'{}', '2026-10-01 01:00:00')"))
    db.upgrade(engine, migration_locations())
    with engine.connect() as conn:
        assert conn.execute(text("SELECT number, version FROM tickets")).all() == [
            ("GD-20261001-0001", 1)]
        assert conn.execute(text("SELECT count(*) FROM ticket_events")).scalar_one() == 1
    engine.dispose()
