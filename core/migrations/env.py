"""Alembic environment: the engine comes from propdesk (core.db.upgrade), never from an ini."""

from __future__ import annotations

from alembic import context

from core.models import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:  # a batch rebuild drops and recreates tables that other tables reference
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()  # the pragma only takes effect outside a transaction
    with connection.begin():
        context.configure(connection=connection, target_metadata=Base.metadata,
                          render_as_batch=sqlite)
        context.run_migrations()
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
