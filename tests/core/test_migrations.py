"""The Alembic revisions build exactly what the models describe, and go down cleanly."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from core import db
from core.models import Base


def test_models_and_migrations_agree(db_url: str) -> None:
    engine = db.make_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_downgrade_and_upgrade_round_trip(db_url: str) -> None:
    engine = db.make_engine(db_url)
    cfg = db.alembic_config(engine)
    command.downgrade(cfg, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    db.upgrade(engine)
    assert {"tickets", "ticket_events", "sla_clocks", "units", "staff", "followups",
            "counters"} <= set(inspect(engine).get_table_names())
    assert db.is_initialised(engine)
    engine.dispose()
