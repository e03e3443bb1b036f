"""Built-in behaviour, registered through the same plugin manager as any plugin."""

from __future__ import annotations

from typing import Any

from core import hookimpl
from core.labels import builtin_categories


@hookimpl
def register_categories(register: Any) -> None:
    for term in builtin_categories():
        register(term.code, term.zh, term.en, term.aliases)


@hookimpl(trylast=True)
def select_sla_policy(ticket: dict[str, Any], clock: str, config: Any) -> str:
    _key, policy = config.policy_for(ticket["category"], ticket.get("severity"))
    return getattr(policy, clock) or "none"
