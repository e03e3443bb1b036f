"""Hook implementations of the events plugin: tables, migrations, CLI and HTTP routes.

Each hook only delegates; the rules live in `service.py`, `registration.py` and `after.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.kit import hookimpl
from plugins.events.models import MODELS

VERSIONS = Path(__file__).parent / "migrations" / "versions"


@hookimpl
def register_models(register: Any) -> None:
    for model in MODELS:
        register(model)


@hookimpl
def register_migrations(register: Any) -> None:
    register(VERSIONS)


@hookimpl
def register_commands(cli: Any) -> None:
    from plugins.events.cli import events

    cli.add_command(events)


@hookimpl
def register_routes(router: Any) -> None:
    from plugins.events.api import add_routes

    add_routes(router)
