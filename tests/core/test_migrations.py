"""The Alembic revisions build exactly what the models describe, and go down cleanly."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from core import db
from core.models import Base
from tests.conftest import migration_locations


def test_models_and_migrations_agree(db_url: str) -> None:
    engine = db.make_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
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
