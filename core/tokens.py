"""API tokens: shown once at creation, stored as SHA-256, revocable."""

from __future__ import annotations

import hashlib
import secrets
from time import monotonic
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core.directory import get_staff
from core.errors import DomainError, NotFound
from core.models import ApiToken, Staff
from core.permissions import authorise
from core.times import show, utcnow

if TYPE_CHECKING:
    from core.desk import Desk

PREFIX = "pd_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(desk: Desk, staff: str, label: str | None = None,
           actor: str | None = None) -> dict[str, Any]:
    """A new token for `staff`; the plain token is in the result and nowhere else."""
    token = PREFIX + secrets.token_urlsafe(32)
    with desk.write() as s:
        authorise(desk, actor, "token")
        member = get_staff(s, staff)
        if not member.active:
            raise DomainError("staff", f"{staff} is not active")
        row = ApiToken(staff=member, token_hash=digest(token), label=label,
                       created_at=utcnow())
        s.add(row)
        s.flush()
        return {"id": row.id, "staff": member.name, "role": member.role, "token": token}


def revoke(desk: Desk, token_id: int, actor: str | None = None) -> None:
    with desk.write() as s:
        authorise(desk, actor, "token")
        row = s.get(ApiToken, token_id)
        if row is None:
            raise NotFound("id", f"no token {token_id}")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
    desk.token_cache.clear()


def list_tokens(desk: Desk, actor: str | None = None) -> list[dict[str, Any]]:
    """Every token (never the token itself): for whoever may manage them."""
    with desk.read() as s:
        authorise(desk, actor, "token")
        return [{"id": t.id, "staff": t.staff.name, "role": t.staff.role, "label": t.label,
                 "created_at": show(t.created_at, desk.tz),
                 "revoked_at": show(t.revoked_at, desk.tz)}
                for t in s.scalars(select(ApiToken).order_by(ApiToken.id))]


def authenticate(desk: Desk, token: str) -> Staff | None:
    """The active staff member a live token belongs to, or None.

    A token found live is remembered for `[service] token_cache_seconds`; a revocation
    through this desk forgets every remembered token at once.
    """
    staff = cached(desk, token)
    if staff is None:
        staff = _lookup(desk, token)
        if staff is not None and desk.config.service.token_cache_seconds > 0:
            desk.token_cache[digest(token)] = (monotonic(), staff)
    return staff


def cached(desk: Desk, token: str) -> Staff | None:
    """The staff member of a token found live within `token_cache_seconds`, or None."""
    hit = desk.token_cache.get(digest(token))
    if hit is not None and monotonic() - hit[0] < desk.config.service.token_cache_seconds:
        return hit[1]
    return None


def _lookup(desk: Desk, token: str) -> Staff | None:
    with desk.read() as s:
        row = s.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token),
                                              ApiToken.revoked_at.is_(None)))
        if row is None or not row.staff.active:
            return None
        s.expunge(row.staff)
        return row.staff
