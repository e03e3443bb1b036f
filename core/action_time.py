"""The one rule for the time of an action, for core and plugins alike.

A record made after the fact carries its real time (`--at`), but never a time that has
not come yet (beyond the tolerance between a desk PC's clock and the server's), and
never a time before what it follows: the last event of the record it changes, or the
request an approval answers. Backdating an approval before its proposal, or a purge
dated two years ahead, is refused here, once, whoever calls.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from core.errors import TimeConflict
from core.times import FUTURE_TOLERANCE, parse_time

if TYPE_CHECKING:
    from core.desk import Desk


def action_time(desk: Desk, at: str | datetime | None, *,
                not_before: datetime | None = None, what: str = "the record's last event",
                field: str = "at") -> datetime:
    """When the action happens: `at` (ISO 8601, naive = site time) or now.

    Refused: a time in the future beyond `FUTURE_TOLERANCE`; a time before `not_before`
    (`what` names it in the message, e.g. "the request it approves").
    """
    now = desk.now()
    when = parse_time(at, desk.tz, field) if at is not None else now
    if when > now + FUTURE_TOLERANCE:
        raise TimeConflict(field, f"{_local(desk, when)} is in the future: a time that has "
                          "not come yet cannot be recorded")
    if not_before is not None and when < not_before:
        raise TimeConflict(field, f"{_local(desk, when)} is before {what} "
                          f"({_local(desk, not_before)})")
    return when


def _local(desk: Desk, value: datetime) -> str:
    return value.astimezone(desk.tz).isoformat(timespec="minutes")
