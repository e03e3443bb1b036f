"""Units and staff: the people and places tickets refer to."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import Conflict, DomainError, NotFound
from core.labels import ROLES
from core.models import Staff, Unit
from core.permissions import authorise, resolve, view_for
from core.textcheck import check_text

if TYPE_CHECKING:
    from core.desk import Desk

UNIT_CODE = re.compile(
    r"^(?P<building>[0-9A-Za-z]+)-(?P<entrance>[0-9A-Za-z]+)-(?P<room>[0-9A-Za-z]+)$")
PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,19}$")


def parse_unit_code(code: str) -> tuple[str, str]:
    """`3-1-502` → ("3-1-502", building "3"); anything else names the field."""
    code = code.strip()
    match = UNIT_CODE.match(code)
    if not match:
        raise DomainError("unit", f"bad unit code {code!r}: use building-entrance-room, "
                          "e.g. 3-1-502")
    return code, match.group("building")


def check_phone(phone: str | None) -> str | None:
    """A Chinese phone number (mobile, landline with its area code, 400/800 service
    number) checked against the numbering plan (`phonenumbers`, Google's maintained
    metadata); stored as national digits: `13812345678`, `02112345678`, `4008108888`."""
    if phone is None or not phone.strip():
        return None
    check_text("phone", phone, free=False)
    if not PHONE.match(phone.strip()):
        raise DomainError("phone", f"not a phone number: {phone!r}")
    import phonenumbers  # its numbering plans load only where a number is checked

    try:
        number = phonenumbers.parse(phone, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or number.country_code != 86 or not phonenumbers.is_valid_number(number):
        raise DomainError("phone", f"not a valid Chinese phone number: {phone!r} (a mobile "
                          "such as 13812345678, a landline with its area code such as "
                          "021-12345678, or a 400/800 number)")
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(ch for ch in national if ch.isdigit())


def add_unit(desk: Desk, code: str, owner: str | None = None,
             phone: str | None = None, *, actor: str | None = None) -> dict[str, Any]:
    check_text("owner", owner, free=False)
    code, building = parse_unit_code(code)
    phone = check_phone(phone)
    with desk.write() as s:
        staff = authorise(desk, actor, "unit")
        if s.scalar(select(Unit.id).where(Unit.code == code)):
            raise Conflict("unit", f"unit {code} already exists")
        unit = Unit(code=code, building=building, owner_name=owner or None, owner_phone=phone)
        s.add(unit)
    return view_for(staff, unit_view(unit))


def import_units(desk: Desk, path: Path, *, actor: str | None = None) -> int:
    """A CSV with columns code, owner, phone: all rows or none."""
    authorise(desk, actor, "unit")
    rows = []
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or "code" not in reader.fieldnames:
            raise DomainError("file", f"{path}: needs a header with a 'code' column")
        for line, row in enumerate(reader, start=2):
            try:
                code, building = parse_unit_code(row.get("code") or "")
                phone = check_phone(row.get("phone"))
            except DomainError as exc:
                raise DomainError(exc.field, f"line {line}: {exc.message}") from None
            rows.append({"code": code, "building": building,
                         "owner_name": row.get("owner") or None, "owner_phone": phone})
    with desk.write() as s:
        authorise(desk, actor, "unit")
        existing = set(s.scalars(select(Unit.code)))
        seen: set[str] = set()
        for line, row in enumerate(rows, start=2):
            if row["code"] in existing or row["code"] in seen:
                raise DomainError("unit", f"line {line}: unit {row['code']} already exists")
            seen.add(row["code"])
        if rows:
            s.execute(Unit.__table__.insert(), rows)
    return len(rows)


def add_staff(desk: Desk, name: str, role: str, department: str | None = None, *,
              actor: str | None = None) -> dict[str, Any]:
    check_text("name", name, free=False)
    check_text("department", department, free=False)
    name = name.strip()
    if not name:
        raise DomainError("name", "a staff member needs a name")
    role = ROLES.parse(role)
    with desk.write() as s:
        authorise(desk, actor, "staff")
        if s.scalar(select(Staff.id).where(Staff.name == name)):
            raise Conflict("name", f"staff member {name} already exists")
        staff = Staff(name=name, role=role, department=department or None, active=True)
        s.add(staff)
    return staff_view(staff)


def get_unit(s: Session, code: str) -> Unit:
    unit = s.scalar(select(Unit).where(Unit.code == code.strip()))
    if unit is None:
        raise NotFound("unit", f"no unit {code!r}")
    return unit


def get_staff(s: Session, name: str, field: str = "staff") -> Staff:
    staff = s.scalar(select(Staff).where(Staff.name == name.strip()))
    if staff is None:
        raise NotFound(field, f"no staff member {name!r}")
    return staff


def departments(s: Session) -> set[str]:
    return {d for d in s.scalars(select(Staff.department).distinct()) if d}


def list_units(desk: Desk, actor: str | None = None) -> list[dict[str, Any]]:
    """Every unit; owners' phones masked for readers who do not see them."""
    with desk.read() as s:
        reader = resolve(s, actor)
        return [view_for(reader, unit_view(u))
                for u in s.scalars(select(Unit).order_by(Unit.code))]


def list_staff(desk: Desk, actor: str | None = None) -> list[dict[str, Any]]:
    with desk.read() as s:
        resolve(s, actor)
        return [staff_view(m) for m in s.scalars(select(Staff).order_by(Staff.name))]


def unit_view(unit: Unit) -> dict[str, Any]:
    return {"code": unit.code, "building": unit.building, "owner": unit.owner_name,
            "phone": unit.owner_phone}


def staff_view(staff: Staff) -> dict[str, Any]:
    return {"name": staff.name, "role": staff.role, "department": staff.department,
            "active": staff.active}


def desk_owner(s: Session, name: str, field: str = "by") -> str:
    """The first-contact owner of information a staff member passes on (SPEC §2: "any
    staff member who receives information must pass it to the receiving desk"): `name`
    when a desk role, else the desk's first active supervisor (then manager, then front
    desk). The one who heard it is kept by the caller (e.g. as `reporter`)."""
    from core.permissions import OWNER_ROLES

    staff = get_staff(s, name, field)
    if staff.role in OWNER_ROLES:
        return staff.name
    for role in ("supervisor", "manager", "frontdesk"):
        found = s.scalar(select(Staff.name).where(Staff.role == role, Staff.active)
                         .order_by(Staff.id).limit(1))
        if found is not None:
            return str(found)
    raise NotFound(field, f"{staff.name} ({staff.role}) cannot own a ticket and the site "
                   "has no desk staff to pass it to")
