"""DDL helpers shared by the Alembic revisions of the core and its plugins.

Revisions already applied call these by name, so their behaviour is frozen: to change the
DDL, add a new function and use it in a new revision.
"""

from __future__ import annotations

VERBS = ("UPDATE", "DELETE")


def append_only(table: str) -> None:
    """The database itself refuses UPDATE and DELETE on `table` (a legal record)."""
    from alembic import op  # here, not at import: the plugin kit re-exports this module

    if op.get_bind().dialect.name == "sqlite":
        for verb in VERBS:
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
    else:
        op.execute(
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger AS $$ BEGIN "
            f"RAISE EXCEPTION '{table} is append-only'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )


def drop_append_only(table: str) -> None:
    """Undo `append_only` (before dropping or rebuilding the table)."""
    from alembic import op

    if op.get_bind().dialect.name == "sqlite":
        for verb in VERBS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb.lower()}")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
