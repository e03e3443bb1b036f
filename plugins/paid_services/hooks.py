"""Hook implementations of the paid_services plugin: thin, they delegate to the services."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.kit import hookimpl
from plugins.paid_services import decisions, rules, scoring
from plugins.paid_services.models import MODELS

VERSIONS = Path(__file__).parent / "migrations" / "versions"


@hookimpl
def register_models(register: Any) -> None:
    for model in MODELS:
        register(model)


@hookimpl
def register_migrations(register: Any) -> None:
    register(VERSIONS)


@hookimpl
def classify_ticket(ticket: dict[str, Any], config: Any, desk: Any) -> dict[str, Any] | None:
    return decisions.classify(ticket, config, desk)


@hookimpl
def ticket_created(ticket: dict[str, Any], desk: Any) -> None:
    decisions.record_for_new_ticket(ticket, desk)


@hookimpl
def validate_transition(ticket: dict[str, Any], action: str, actor: str | None,
                        data: dict[str, Any], desk: Any) -> None:
    rules.veto(ticket, action, desk)


@hookimpl
def followup_recorded(ticket: dict[str, Any], followup: dict[str, Any], desk: Any) -> None:
    scoring.on_followup(ticket, followup, desk)


@hookimpl
def register_commands(cli: Any) -> None:
    from plugins.paid_services.cli import paid

    cli.add_command(paid)


@hookimpl
def register_routes(router: Any) -> None:
    from plugins.paid_services.api import add_routes

    add_routes(router)
