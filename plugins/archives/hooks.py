"""Hook implementations of the archives plugin: each delegates to the plugin's modules."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.kit import hookimpl
from plugins.archives.models import MODELS

if TYPE_CHECKING:
    from core.kit import Desk

VERSIONS = Path(__file__).parent / "migrations" / "versions"
log = logging.getLogger("propdesk.archives")


@hookimpl
def register_config(register: Any) -> None:
    from plugins.archives.settings import ArchiveSettings

    register("archives", ArchiveSettings)


@hookimpl
def register_models(register: Any) -> None:
    for model in MODELS:
        register(model)


@hookimpl
def register_migrations(register: Any) -> None:
    register(VERSIONS)


@hookimpl
def register_commands(cli: Any) -> None:
    from plugins.archives.cli import archive

    cli.add_command(archive)


@hookimpl
def register_routes(router: Any) -> None:
    from plugins.archives.api import add_routes

    add_routes(router)


@hookimpl
def ticket_transitioned(ticket: dict[str, Any], action: str, to_state: str,
                        desk: Desk) -> None:
    """A closed complaint, repair or paid service goes into the household's file, and so
    does a follow-up (回访) recorded after the closing that leaves it closed."""
    if not (action == "close" or (action == "followup" and to_state == "closed")):
        return
    from plugins.archives import service

    service.file_closed_ticket(desk, ticket, followup=action == "followup")


@hookimpl
def archive_record_offered(record: dict[str, Any], desk: Desk) -> None:
    """Another plugin's record (e.g. a key loan) goes into the household's file."""
    from plugins.archives import service

    service.file_record(desk, record)
