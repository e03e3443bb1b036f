"""Time input and output: ISO 8601 in, naive means site time; stored in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from core.errors import DomainError

#: clocks of a desk PC and a server disagree a little; beyond this a time is "in the future"
FUTURE_TOLERANCE = timedelta(minutes=2)


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_time(text: str | datetime, tz: ZoneInfo, field: str = "at") -> datetime:
    """An aware UTC datetime from ISO 8601 text; a naive value is read in the site zone."""
    if isinstance(text, datetime):
        value = text
    else:
        raw = str(text).strip()
        try:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise DomainError(field, f"not an ISO 8601 time: {text!r} "
                              "(e.g. 2026-10-01T09:30 or 2026-10-01 09:30+08:00)") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def show(value: datetime | None, tz: ZoneInfo) -> str | None:
    """ISO 8601 with the site's offset, seconds precision."""
    return None if value is None else value.astimezone(tz).isoformat(timespec="seconds")
