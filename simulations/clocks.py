"""SLA deadlines for simulated tickets, computed by `core.sla` itself.

The simulation counts time in seconds from the scenario's first midnight; the service
counts in aware datetimes. This module converts, and caches what `core.sla.deadline`
says for working-day clocks per day of receipt (a working-day deadline depends only on
that date), so a week of tickets costs a few hundred calls into `core.sla`, not thousands,
and the answer is still exactly the service's.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from core.config import Config
from core.sla import Duration, add_business_seconds, deadline


class Clocks:
    def __init__(self, config: Config, start: datetime) -> None:
        self.config = config
        self.start = start
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

    def policy(self, category: str, severity: str | None
               ) -> tuple[str, Duration | None, Duration | None]:
        key, policy = self.config.policy_for(category, severity)
        reply = Duration.parse(policy.reply) if policy.reply else None
        resolve = Duration.parse(policy.resolve) if policy.resolve else None
        return key, reply, resolve
