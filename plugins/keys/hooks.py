"""Hook implementations of the key plugin (钥匙管理): its tables and Alembic branch, its
commands and routes, and the veto that keeps a work order open while its key is out.
Everything else lives in the plugin's services (service, overdue, reconcile, losses,
vacant); the plugin reaches the core only through hooks and the plugin kit (`core.kit`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.kit import TransitionRefused, hookimpl
from plugins.keys.models import MODELS

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
    from plugins.keys.cli import keys

    cli.add_command(keys)


@hookimpl
def register_routes(router: Any) -> None:
    from plugins.keys.api import router as keys_router

    router.include_router(keys_router)


@hookimpl
def deadlines_checked(now: Any, desk: Any) -> None:
    """The watcher's pass also finds loans at risk and overdue (each recorded once)."""
    from plugins.keys.overdue import check

    check(desk, now)


@hookimpl
def validate_transition(ticket: dict[str, Any], action: str, desk: Any) -> None:
    """A work order is not closed while a key lent for it is still out."""
    if action != "close":
        return
    from plugins.keys.service import open_loans_for_ticket

    out = open_loans_for_ticket(desk, ticket["number"])
    if out:
        keys = ", ".join(f"{tag} (with {borrower})" for tag, borrower in out)
        raise TransitionRefused("key", f"ticket {ticket['number']} has a key still out: "
                                f"{keys}; return it first (propdesk keys return TAG)")
