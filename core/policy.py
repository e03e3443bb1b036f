"""The SLA policy function: how long a clock runs for a ticket, as the service decides it.

One function for the service, the staffing simulation and the training answer keys, so
a plugin's `select_sla_policy` (the README's 4-hour leak rule) moves all three alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

from core import sla
from core.config import Config
from core.errors import ConfigError

Policy = Callable[[dict[str, Any], str], "sla.Duration | None"]


def sla_policy(pm: pluggy.PluginManager, config: Config, fields: dict[str, Any], clock: str,
               desk: Any = None) -> sla.Duration | None:
    """The duration of `clock` ("reply" or "resolve") for a ticket's classification
    (`fields`: category, severity, nature, channel, topic); None: no such clock."""
    answer = pm.hook.select_sla_policy(ticket=fields, clock=clock, config=config, desk=desk)
    if answer in (None, "", "none"):
        return None
    try:
        return sla.Duration.parse(answer)
    except ValueError as exc:
        raise ConfigError(f"sla.policies ({clock})", str(exc)) from None


def policy_function(config: Config, pm: pluggy.PluginManager | None = None) -> Policy:
    """`sla_policy` bound to a site's plugins and configuration, for callers without a
    database (simulations, training): the same plugins the service would load."""
    if pm is None:
        from core.plugins import make_plugin_manager

        pm = make_plugin_manager(config.plugins.enabled or None, config.plugins.dir)
    bound = pm

    def policy(fields: dict[str, Any], clock: str) -> sla.Duration | None:
        return sla_policy(bound, config, fields, clock)
    return policy
