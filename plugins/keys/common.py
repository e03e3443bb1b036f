"""What every part of the key plugin shares: vocabularies, settings, roles (decided here,
once, for every channel), the audit trail, the key's states and the lock every change of
them takes, the time rule, and the plain-dict views the CLI, the API and the archive see."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload

from core import kit
from core.kit import ConfigError, DomainError, Duration, NotFound, Staff, Vocabulary, show
from plugins.keys.models import Key, KeyAudit, KeyLoan, KeyLoss

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from core.kit import Desk


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
LEADS = kit.LEADS
MANAGER = frozenset({"manager"})
_KEEPERS_ONLY = ": the key custodian (钥匙管理员) and supervisors only"
#: action → (what the refusal says the caller tried, the roles allowed). The CLI without
#: --as is the site operator, allowed everything except what needs a named person: the
#: manager's approval of a loss (`losses.approve_loss`)
RULES: dict[str, tuple[str, frozenset[str]]] = {
    "read": ("read the key register" + _KEEPERS_ONLY, KEEPERS),
    "register": ("register keys" + _KEEPERS_ONLY, KEEPERS),
    "lend": ("lend keys" + _KEEPERS_ONLY, KEEPERS),
    "return": ("take keys back" + _KEEPERS_ONLY, KEEPERS),
    "count": ("count the key cabinet" + _KEEPERS_ONLY, KEEPERS),
    "spot_check": ("spot-check the key cabinet: supervisors and the site manager only",
                   LEADS),
    "report_loss": ("report a lost key" + _KEEPERS_ONLY, KEEPERS),
    "withdraw_loss": ("withdraw a loss report" + _KEEPERS_ONLY, KEEPERS),
    "approve_loss": ("approve a lost key: the site manager (项目经理) approves", MANAGER),
    "lock_change": ("record a lock change" + _KEEPERS_ONLY, KEEPERS),
    "vacant": ("record vacant-unit tasks" + _KEEPERS_ONLY, KEEPERS),
    "check": ("run the key loan check" + _KEEPERS_ONLY, KEEPERS),
}


def authorise(s: Session, actor: str | None, action: str) -> Staff | None:
    """The acting staff member, if their role allows `action` (None: the operator).
    An unknown name is refused here, for reads as for writes, whoever calls."""
    staff = kit.actor(s, actor)
    what, roles = RULES[action]
    kit.require(staff, what, roles)
    return staff


def actor_name(staff: Staff | None) -> str:
    return staff.name if staff else "operator"


# ------------------------------------------------------------------------------- audit


def audit(s: Session, *, at: datetime, actor: str, action: str, entity: str, entity_id: int,
          key: Key | None = None, unit: str | None = None,
          before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    """One append-only row per change: who, when (the real time and the recording time),
    what it was and what it became."""
    s.add(KeyAudit(at=at, recorded_at=kit.utcnow(), actor=actor, action=action, entity=entity,
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


def action_time(desk: Desk, at: str | datetime | None, s: Session, key: Key | None = None,
                what: str = "the key's last record", field: str = "at") -> datetime:
    """The time of an action on `key`: the one time rule (`kit.action_time`), never before
    the key's last record in the audit trail."""
    return kit.action_time(desk, at, not_before=last_event(s, key) if key else None,
                           what=what, field=field)


def last_event(s: Session, key: Key) -> datetime | None:
    """When the key's last change happened (the loan clock's own notes aside: a key can
    come back before the check noticed it was late, and be recorded afterwards)."""
    return s.scalar(select(func.max(KeyAudit.at)).where(
        KeyAudit.tag == key.tag, KeyAudit.action.not_in(CLOCK_NOTES)))


#: audit actions the loan check writes by itself
CLOCK_NOTES = ("at_risk", "overdue")


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


def get_key(s: Session, tag: str) -> Key:
    """A key to read (no lock)."""
    key = s.scalar(select(Key).where(Key.tag == (tag or "").strip()))
    if key is None:
        raise NotFound("tag", f"no key tagged {tag!r} in the register")
    return key


def lock_key(s: Session, tag: str | None = None, key_id: int | None = None) -> Key:
    """A key to change, row-locked until the unit of work commits, and read afresh: every
    change of a key's state is checked against the state it is in now. (Its unit loads
    separately: PostgreSQL locks no row on the nullable side of an outer join.)"""
    query = select(Key).options(lazyload(Key.unit))
    query = query.where(Key.id == key_id) if key_id is not None else query.where(
        Key.tag == (tag or "").strip())
    key = s.scalar(kit.lock(query).execution_options(populate_existing=True))
    if key is None:
        raise NotFound("tag", f"no key tagged {tag!r} in the register")
    return key


def open_loan(s: Session, key: Key) -> KeyLoan | None:
    return s.scalar(select(KeyLoan).where(KeyLoan.key_id == key.id,
                                          KeyLoan.closed_at.is_(None))
                    .execution_options(populate_existing=True))


def pending_loss(s: Session, key: Key) -> KeyLoss | None:
    """The key's loss report still awaiting the site manager's approval."""
    return s.scalar(select(KeyLoss).where(KeyLoss.key_id == key.id,
                                          KeyLoss.status == "reported"))


#: the key's states each action starts from: the one table every command is held to
STARTS_FROM: dict[str, frozenset[str]] = {
    "lend": frozenset({"in_cabinet"}),
    "return": frozenset({"on_loan"}),
    "hand_back": frozenset({"in_cabinet"}),
    "report_loss": frozenset({"in_cabinet", "on_loan"}),
    "approve_loss": frozenset({"in_cabinet", "on_loan"}),
}
DOING = {"lend": "lent", "return": "taken back", "hand_back": "returned to its owner",
         "report_loss": "reported lost", "approve_loss": "written off"}


def check_state(s: Session, desk: Desk, key: Key, action: str) -> None:
    """Refuse `action` unless the (locked) key is in a state it starts from; a key reported
    lost moves no further until the report is withdrawn or approved."""
    if key.status not in STARTS_FROM[action]:
        raise kit.TransitionRefused("tag", state_refusal(s, desk, key, action))
    loss = pending_loss(s, key) if action != "approve_loss" else None
    if loss is not None and action == "report_loss":
        raise kit.TransitionRefused("tag", f"key {key.tag} is already reported lost (loss "
                                    f"{loss.id}), awaiting the site manager's approval")
    if loss is not None:
        raise kit.TransitionRefused(
            "tag", f"key {key.tag} is reported lost (loss {loss.id}, awaiting the site "
            f"manager's approval): it cannot be {DOING[action]}; if it turned up, withdraw "
            f"the report first (propdesk keys loss withdraw {loss.id})")


def state_refusal(s: Session, desk: Desk, key: Key, action: str) -> str:
    label = STATUSES.label(key.status)
    if action == "lend" and key.status == "on_loan":
        loan = open_loan(s, key)
        if loan is not None:
            return (f"key {key.tag} is already out: lent to {loan.borrower} at "
                    f"{show(loan.lent_at, desk.tz)}, due {show(loan.due_at, desk.tz)}")
    if action == "return":
        return f"key {key.tag} is not on loan: it is {label}"
    if action == "hand_back":
        return (f"key {key.tag} is {label}: only a key in the cabinet can be returned to "
                "its owner")
    return f"key {key.tag} is {label}: it cannot be {DOING[action]}"


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


def key_read(key: Key, tz: ZoneInfo, reader: Staff | None) -> dict[str, Any]:
    """A key as a reader sees it: with the owner's name and phone for a unit's key (who
    the custodian asks before lending it), the phone masked unless the reader sees phones.
    (The audit trail keeps `key_view`, without the phone.)"""
    unit = key.unit
    view = key_view(key, tz) | {"owner": unit.owner_name if unit else None,
                                "owner_phone": unit.owner_phone if unit else None}
    if not kit.sees_phones(reader):
        view["owner_phone"] = kit.mask_phone(view["owner_phone"])
    return view


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

