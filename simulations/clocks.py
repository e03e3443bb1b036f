"""SLA deadlines for simulated tickets, computed by `core.sla` itself.

The simulation counts time in seconds from the scenario's first midnight; the service
counts in aware datetimes. This module converts, and caches what `core.sla.deadline`
says for working-day clocks per day of receipt (a working-day deadline depends only on
that date), so a week of tickets costs a few hundred calls into `core.sla`, not thousands,
and the answer is still exactly the service's.

How long each clock runs is the service's answer too: `kit.policy_function`, the
`select_sla_policy` hook of the same plugins the service loads (a site's 4-hour leak rule
moves the simulated deadlines as it moves the real ones), unless a caller hands its own.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from typing import Any

from core.kit import Config, Duration, Policy, add_business_seconds, deadline, policy_function

#: the site's policy function per configuration (by content: a scenario unpickled in a
#: worker brings an equal but new Config, and building the plugin manager costs more than
#: a replication of the sample week) and plugin selection (the environment's, as
#: `core.plugins.shared_plugin_manager` keys it)
_POLICIES: dict[tuple[str | None, ...], Policy] = {}
_PLUGIN_ENV = ("PROPDESK_LOAD_PLUGINS", "PROPDESK_PLUGINS_DIR", "PROPDESK_TRACE_HOOKS")


def site_policy(config: Config) -> Policy:
    """The hook-aware SLA policy of this configuration's site (cached per process)."""
    key = (config.model_dump_json(), *(os.environ.get(name) for name in _PLUGIN_ENV))
    cached = _POLICIES.get(key)
    if cached is None:
        cached = _POLICIES[key] = policy_function(config)
    return cached


class Clocks:
    def __init__(self, config: Config, start: datetime, policy: Policy | None = None) -> None:
        self.config = config
        self.start = start
        self.sla_policy = policy or site_policy(config)
        self.cal = config.working_calendar
        self.hours = config.business_hours
        self._working: dict[tuple[date, Duration], float] = {}

    def at(self, t: float) -> datetime:
        return self.start + timedelta(seconds=t)

    def seconds(self, when: datetime) -> float:
        return (when - self.start).total_seconds()

    def due(self, t: float, duration: Duration) -> float:
        """Seconds (from the start) at which a clock started at `t` is due."""
        if not duration.working_days:
            return t + duration.wall.total_seconds()
        start = self.at(t)
        key = (self.hours.local(start).date(), duration)
        due = self._working.get(key)
        if due is None:
            result = deadline(start, duration, self.cal, self.hours).due_at
            assert result is not None
            due = self._working[key] = self.seconds(result)
        return due

    def after_working_minutes(self, t: float, minutes: float) -> float:
        """`t` plus `minutes` of business time (a department works office hours)."""
        return self.seconds(add_business_seconds(self.at(t), minutes * 60, self.cal, self.hours))

    def policy(self, category: str, severity: str | None, **fields: Any
               ) -> tuple[str, Duration | None, Duration | None]:
        """The attainment group (`config.policy_for`'s key, for the charts) and both clocks'
        durations as the service would set them; `fields`: channel, nature, topic."""
        key, _ = self.config.policy_for(category, severity)
        ticket = {"category": category, "severity": severity, "nature": None,
                  "channel": None, "topic": None, **fields}
        return key, self.sla_policy(ticket, "reply"), self.sla_policy(ticket, "resolve")
