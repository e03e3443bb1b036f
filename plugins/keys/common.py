"""What every part of the key plugin shares: vocabularies, settings, roles, the audit
trail, time input and the plain-dict views the CLI, the API and the archive see."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.directory import get_staff
from core.errors import ConfigError, DomainError, NotFound
from core.labels import Vocabulary
from core.models import Staff
from core.permissions import Forbidden
from core.sla import Duration
from core.times import FUTURE_TOLERANCE, parse_time, show, utcnow
from plugins.keys.models import Key, KeyAudit, KeyLoan

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from core.desk import Desk


def _vocab(name: str, rows: list[tuple[str, str, str] | tuple[str, str, str, tuple[str, ...]]]
           ) -> Vocabulary:
    vocab = Vocabulary(name)
    for row in rows:
        vocab.add(*row)
    return vocab


KINDS = _vocab("kind", [
    ("spare", "业主备用", "owner's spare", ("备用",)),
    ("entrusted", "空置房托管", "entrusted for a vacant unit", ("托管", "vacant")),
    ("public_area", "公共区域", "public area", ("公共", "public")),
])
STATUSES = _vocab("status", [
    ("in_cabinet", "在柜", "in the cabinet", ("in",)),
    ("on_loan", "借出", "on loan", ("out",)),
    ("lost", "遗失", "lost"),
    ("returned", "已退还业主", "returned to the owner"),
])
AUTH_METHODS = _vocab("authorised_how", [
    ("written", "书面", "written and signed", ("签字", "signed")),
    ("phone", "电话", "by phone"),
    ("in_person", "当面", "in person", ("面签",)),
    ("online", "网络", "online", ("微信", "wechat", "app")),
    ("entrustment", "托管委托书", "under the written entrustment", ("委托书",)),
])
CONDITIONS = _vocab("condition", [
    ("good", "完好", "good"),
    ("damaged", "损坏", "damaged"),
    ("incomplete", "缺件", "incomplete set"),
])
TASK_KINDS = _vocab("task", [
    ("inspection", "巡查", "inspection"),
    ("airing", "通风", "airing"),
    ("cleaning", "保洁", "cleaning"),
])
#: keys that open a private home: lending one needs the owner's authorisation
PRIVATE_KINDS = frozenset({"spare", "entrusted"})

# ------------------------------------------------------------------------------- settings

#: the core's config has no [keys] section; the plugin reads its one setting from here
DUE_ENV = "PROPDESK_KEYS_LOAN_DUE"


@dataclass(frozen=True)
class KeySettings:
    """Plugin-level settings: the loan period (default 4 h, wall clock)."""

    loan_due: Duration = Duration(4, "h")

    @classmethod
    def from_env(cls) -> KeySettings:
        raw = os.environ.get(DUE_ENV, "").strip()
        if not raw:
            return cls()
        return cls(loan_due=wall_duration(raw, DUE_ENV, ConfigError))


def wall_duration(raw: str, field: str, error: type[DomainError] = DomainError) -> Duration:
    """`30m`, `4h`, `2d`: a key is due back after wall-clock time, not working days."""
    try:
        duration = Duration.parse(raw)
    except ValueError as exc:
        raise error(field, str(exc)) from None
    if duration.working_days or duration.wall.total_seconds() <= 0:
        raise error(field, f"{raw!r}: give a wall-clock period such as 30m, 4h or 1d")
    return duration


# ------------------------------------------------------------------------------- roles

KEEPERS = frozenset({"custodian", "supervisor", "manager"})
LEADS = frozenset({"supervisor", "manager"})
#: action → roles allowed (the CLI without --as is the site operator, allowed everything
#: except what needs a named person: the manager's approval of a loss)
ROLES: dict[str, frozenset[str]] = {
    "read": KEEPERS, "register": KEEPERS, "lend": KEEPERS, "return": KEEPERS,
    "count": KEEPERS, "report_loss": KEEPERS, "lock_change": KEEPERS, "vacant": KEEPERS,
    "check": KEEPERS, "spot_check": LEADS, "approve_loss": frozenset({"manager"}),
}


def authorise(s: Session, actor: str | None, action: str) -> Staff | None:
    """The acting staff member, if their role allows `action` (None: the operator)."""
    if actor is None:
        return None
    staff = get_staff(s, actor, "as")
    if staff.role not in ROLES[action]:
        raise Forbidden("as", f"{staff.name} ({staff.role}) may not {action.replace('_', ' ')}"
                        " keys: key custodian (钥匙管理员) and supervisors only"
                        if action != "approve_loss" else
                        f"{staff.name} ({staff.role}) may not approve a lost key: "
                        "the site manager (项目经理) approves")
    return staff


def actor_name(staff: Staff | None) -> str:
    return staff.name if staff else "operator"


# ------------------------------------------------------------------------------- audit


def audit(s: Session, *, at: datetime, actor: str, action: str, entity: str, entity_id: int,
          key: Key | None = None, unit: str | None = None,
          before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    """One append-only row per change: who, when (the real time and the recording time),
    what it was and what it became."""
    s.add(KeyAudit(at=at, recorded_at=utcnow(), actor=actor, action=action, entity=entity,
                   entity_id=entity_id, tag=key.tag if key else None,
                   unit=unit or (key.unit.code if key and key.unit else None),
                   before=_jsonable(before), after=_jsonable(after)))


def _jsonable(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}


def snapshot(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(row, f) for f in fields}


# ------------------------------------------------------------------------------- input


def when(desk: Desk, at: str | datetime | None, field: str = "at",
         not_before: datetime | None = None, what: str = "") -> datetime:
    """The time of an action: now, or a past time (not before `not_before`)."""
    now = desk.now()
    value = parse_time(at, desk.tz, field) if at is not None else now
    if value > now + FUTURE_TOLERANCE:
        raise DomainError(field, "a time in the future cannot be recorded")
    if not_before is not None and value < not_before:
        raise DomainError(field, f"{show(value, desk.tz)} is before {what} "
                          f"({show(not_before, desk.tz)})")
    return value


def text_field(value: str | None, field: str, required: bool = True,
               limit: int = 500) -> str | None:
    value = (value or "").strip() or None
    if value is None and required:
        raise DomainError(field, "must not be empty")
    if value is not None and len(value) > limit:
        raise DomainError(field, f"at most {limit} characters")
    return value


def parse_day(value: str | date, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise DomainError(field, f"not a date: {value!r} (YYYY-MM-DD)") from None


def get_key(s: Session, tag: str, lock: bool = False) -> Key:
    query = select(Key).where(Key.tag == (tag or "").strip())
    key = s.scalar(query.with_for_update(of=Key) if lock else query)
    if key is None:
        raise NotFound("tag", f"no key tagged {tag!r} in the register")
    return key


def open_loan(s: Session, key: Key) -> KeyLoan | None:
    return s.scalar(select(KeyLoan).where(KeyLoan.key_id == key.id,
                                          KeyLoan.closed_at.is_(None)))


# ------------------------------------------------------------------------------- views


def key_view(key: Key, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "tag": key.tag, "kind": key.kind, "unit": key.unit.code if key.unit else None,
        "area": key.area, "description": key.description, "copies": key.copies,
        "status": key.status, "entrusted_by": key.entrusted_by,
        "entrusted_on": key.entrusted_on.isoformat() if key.entrusted_on else None,
        "entrustment_ref": key.entrustment_ref, "registered_by": key.registered_by,
        "registered_at": show(key.registered_at, tz),
    }


def loan_view(loan: KeyLoan, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": loan.id, "tag": loan.key.tag,
        "unit": loan.key.unit.code if loan.key.unit else None, "area": loan.key.area,
        "borrower": loan.borrower, "borrower_kind": loan.borrower_kind,
        "id_number": loan.id_number, "company": loan.company, "purpose": loan.purpose,
        "ticket": loan.ticket, "authorised_by": loan.authorised_by,
        "authorised_how": loan.authorised_how, "authorised_at": show(loan.authorised_at, tz),
        "lent_by": loan.lent_by, "lent_at": show(loan.lent_at, tz), "policy": loan.policy,
        "due_at": show(loan.due_at, tz), "at_risk_at": show(loan.at_risk_at, tz),
        "at_risk_noted_at": show(loan.at_risk_noted_at, tz),
        "overdue_at": show(loan.overdue_at, tz), "closed_at": show(loan.closed_at, tz),
        "outcome": loan.outcome, "returned_by": loan.returned_by,
        "received_by": loan.received_by, "condition": loan.condition,
        "condition_note": loan.condition_note,
    }

