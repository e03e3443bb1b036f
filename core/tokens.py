"""API tokens: shown once at creation, stored as SHA-256, revocable, expiring.

A token expires `[service] token_days` after it is made (or when `token create --expires`
says); an expired one is refused with 401 saying so. Its last use is recorded (at most
once a minute, and never at the cost of the request: a database that refuses writes
still answers reads).
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import datetime, timedelta
from time import monotonic
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from core.directory import get_staff
from core.errors import DomainError, NotFound, TimeConflict
from core.models import ApiToken, Staff
from core.permissions import authorise
from core.times import parse_time, show

if TYPE_CHECKING:
    from core.desk import Desk

log = logging.getLogger("propdesk.tokens")
PREFIX = "pd_"
#: last use is written when the recorded one is older than this
LAST_USE_EVERY = timedelta(minutes=1)
_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([hd])\s*$")


class Unauthenticated(DomainError):
    """No live token: unknown, revoked or expired (HTTP 401)."""

    status = 401


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def expiry(desk: Desk, expires: str | None, now: datetime) -> datetime | None:
    """When a token made `now` expires: `expires` is `30d`, `12h`, a date or time (naive:
    site time), or `never`; without it, `[service] token_days` (0: never)."""
    if expires is None:
        days = desk.config.service.token_days
        return now + timedelta(days=days) if days > 0 else None
    text = expires.strip()
    if text.lower() == "never":
        return None
    span = _SPAN.match(text)
    if span:
        amount, unit = float(span.group(1)), span.group(2)
        if amount <= 0 or amount > 3650 * (24 if unit == "h" else 1):
            raise DomainError("expires", f"{text!r}: use more than 0 and at most 10 years")
        when = now + (timedelta(hours=amount) if unit == "h" else timedelta(days=amount))
    else:
        try:
            when = parse_time(text, desk.tz, "expires")
        except DomainError:
            raise DomainError("expires", f"{text!r}: use 30d, 12h, a date such as "
                              "2027-03-31, or never") from None
    if when <= now:
        raise TimeConflict("expires", f"{text!r} is not in the future")
    return when


def create(desk: Desk, staff: str, label: str | None = None,
           actor: str | None = None, expires: str | None = None) -> dict[str, Any]:
    """A new token for `staff`; the plain token is in the result and nowhere else."""
    token = PREFIX + secrets.token_urlsafe(32)
    now = desk.now()
    expires_at = expiry(desk, expires, now)
    with desk.write() as s:
        authorise(desk, actor, "token")
        member = get_staff(s, staff)
        if not member.active:
            raise DomainError("staff", f"{staff} is not active")
        row = ApiToken(staff=member, token_hash=digest(token), label=label,
                       created_at=now, expires_at=expires_at)
        s.add(row)
        s.flush()
        return {"id": row.id, "staff": member.name, "role": member.role, "token": token,
                "expires_at": show(expires_at, desk.tz)}


def revoke(desk: Desk, token_id: int, actor: str | None = None) -> None:
    with desk.write() as s:
        authorise(desk, actor, "token")
        row = s.get(ApiToken, token_id)
        if row is None:
            raise NotFound("id", f"no token {token_id}")
        if row.revoked_at is None:
            row.revoked_at = desk.now()
    desk.token_cache.clear()


def list_tokens(desk: Desk, actor: str | None = None) -> list[dict[str, Any]]:
    """Every token (never the token itself): for whoever may manage them."""
    now = desk.now()
    with desk.read() as s:
        authorise(desk, actor, "token")
        return [{"id": t.id, "staff": t.staff.name, "role": t.staff.role, "label": t.label,
                 "created_at": show(t.created_at, desk.tz),
                 "expires_at": show(t.expires_at, desk.tz),
                 "last_used_at": show(t.last_used_at, desk.tz),
                 "revoked_at": show(t.revoked_at, desk.tz),
                 "status": _status(t, now)}
                for t in s.scalars(select(ApiToken).order_by(ApiToken.id))]


def _status(t: ApiToken, now: datetime) -> str:
    if t.revoked_at is not None:
        return "revoked"
    if t.expires_at is not None and t.expires_at <= now:
        return "expired"
    return "live"


def authenticate(desk: Desk, token: str) -> Staff | None:
    """The active staff member a live token belongs to, or None (see `check`)."""
    try:
        return check(desk, token)
    except Unauthenticated:
        return None


def check(desk: Desk, token: str) -> Staff:
    """The active staff member a live token belongs to; `Unauthenticated` (401) saying
    why otherwise (unknown or revoked, or expired when).

    A token found live is remembered for `[service] token_cache_seconds` (never past its
    expiry); a revocation through this desk forgets every remembered token at once.
    """
    staff = cached(desk, token)
    if staff is not None:
        return staff
    staff, expires_at = _lookup(desk, token)
    if desk.config.service.token_cache_seconds > 0:
        desk.token_cache[digest(token)] = (monotonic(), staff, expires_at)
    return staff


def cached(desk: Desk, token: str) -> Staff | None:
    """The staff member of a token found live within `token_cache_seconds`, or None."""
    hit = desk.token_cache.get(digest(token))
    if hit is None or monotonic() - hit[0] >= desk.config.service.token_cache_seconds:
        return None
    expires_at = hit[2] if len(hit) > 2 else None
    if expires_at is not None and expires_at <= desk.now():
        return None
    return hit[1]


def _lookup(desk: Desk, token: str) -> tuple[Staff, datetime | None]:
    now = desk.now()
    with desk.read() as s:
        row = s.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
        if row is None or row.revoked_at is not None or not row.staff.active:
            raise Unauthenticated("Authorization", "unknown or revoked token")
        if row.expires_at is not None and row.expires_at <= now:
            raise Unauthenticated("Authorization", f"token expired at "
                                  f"{show(row.expires_at, desk.tz)}; ask a manager for a "
                                  "new one")
        s.expunge(row.staff)
        token_id, last, expires_at, staff = row.id, row.last_used_at, row.expires_at, row.staff
    if last is None or now - last >= LAST_USE_EVERY:
        _record_use(desk, token_id, now)
    return staff, expires_at


def _record_use(desk: Desk, token_id: int, now: datetime) -> None:
    """Best effort: a full or read-only database must not turn reads away."""
    try:
        with desk.write() as s:
            s.execute(update(ApiToken).where(ApiToken.id == token_id)
                      .values(last_used_at=now))
    except SQLAlchemyError as exc:
        log.warning("token %s: last use not recorded (%s)", token_id,
                    str(getattr(exc, "orig", exc)).splitlines()[0])
