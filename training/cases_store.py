"""Case submissions (案例提交): who handed in which case when, counted against SPEC §8.

Each repair supervisor submits at least one case a month and the desk studies two; the
count is what a training lead checks at month end, so short supervisors are flagged.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core.kit import DomainError, Staff, action_time, get_staff, require, show
from core.kit import actor as kit_actor
from training.access import TRAINERS, authorise
from training.models import CaseSubmission

if TYPE_CHECKING:
    from core.kit import Desk

#: SPEC §8: one case a month from each supervisor; two studied by the desk
PER_SUPERVISOR = 1
DESK_STUDIES = 2
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def submit_case(desk: Desk, case_id: str, title: str, by: str, *, ticket: str | None = None,
                for_desk: bool = False, at: str | datetime | None = None,
                actor: str | None = None) -> dict[str, Any]:
    """Record one submitted case; `for_desk` marks one of the desk's two studied cases.

    Staff submit their own cases; a trainer, supervisor or manager may record one for
    someone else. The time is the one time rule's (`kit.action_time`): not in the future.
    """
    with desk.write() as s:
        staff = kit_actor(s, actor)
        submitter = get_staff(s, by, "by")
        if staff is not None and staff.id != submitter.id:
            require(staff, f"submit a case for {submitter.name}", TRAINERS)
        submitted = action_time(desk, at, what="the submission")
        row = CaseSubmission(case_id=case_id, title=title, staff_id=submitter.id,
                             ticket=ticket, for_desk=for_desk, submitted_at=submitted,
                             recorded_at=desk.now())
        s.add(row)
        s.flush()
        return {"id": row.id, "case": case_id, "title": title, "by": submitter.name,
                "ticket": ticket, "for_desk": for_desk,
                "submitted_at": show(row.submitted_at, desk.tz)}


def submit_case_file(desk: Desk, path: Path, by: str, *, for_desk: bool = False,
                     at: str | datetime | None = None,
                     actor: str | None = None) -> dict[str, Any]:
    """Validate a case file and record it (`submit_case`): who may comes first, then the
    file, in one unit of work."""
    from training.schema import load_case

    with desk.write() as s:
        staff = kit_actor(s, actor)
        if staff is not None and staff.name != by:
            require(staff, f"submit a case for {by}", TRAINERS)
        if not path.is_file():
            raise DomainError("case_file", f"{path}: no such file")
        case = load_case(path)
        ticket = str(case.source.ticket) if case.source.ticket is not None else None
        return submit_case(desk, case.id, case.title, by, ticket=ticket, for_desk=for_desk,
                           at=at, actor=actor)


def month_bounds(month: str, tz: Any) -> tuple[datetime, datetime]:
    """`2026-10` → its first instant and the next month's, in UTC (site-time months)."""
    match = MONTH.match(month.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise DomainError("--month", f"not a month: {month!r} (e.g. 2026-10)")
    year, mon = int(match.group(1)), int(match.group(2))
    start = date(year, mon, 1)
    end = date(year + mon // 12, mon % 12 + 1, 1)
    return tuple(datetime(d.year, d.month, d.day, tzinfo=tz).astimezone(UTC)  # type: ignore[return-value]
                 for d in (start, end))


def submission_counts(desk: Desk, month: str, *, actor: str | None = None) -> dict[str, Any]:
    """Per active supervisor (and anyone else who submitted): count and shortfall; for
    trainers and leads, who check it at month end."""
    start, end = month_bounds(month, desk.tz)
    authorise(desk, actor, "read case submissions", TRAINERS)
    with desk.read() as s:
        rows = s.execute(select(CaseSubmission, Staff).join(Staff)
                         .where(CaseSubmission.submitted_at >= start,
                                CaseSubmission.submitted_at < end)
                         .order_by(CaseSubmission.submitted_at, CaseSubmission.id)).all()
        supervisors = s.scalars(select(Staff).where(Staff.role == "supervisor",
                                                    Staff.active.is_(True))).all()
    people: dict[str, dict[str, Any]] = {
        p.name: {"staff": p.name, "role": p.role, "department": p.department, "count": 0,
                 "required": PER_SUPERVISOR, "cases": []} for p in supervisors}
    for sub, staff in rows:
        entry = people.setdefault(staff.name, {
            "staff": staff.name, "role": staff.role, "department": staff.department,
            "count": 0, "required": 0, "cases": []})
        entry["count"] += 1
        entry["cases"].append(sub.case_id)
    for entry in people.values():
        entry["short"] = entry["count"] < entry["required"]
    desk_cases = [sub.case_id for sub, _ in rows if sub.for_desk]
    return {
        "month": month.strip(),
        "staff": sorted(people.values(), key=lambda e: (not e["required"], e["staff"])),
        "total": len(rows),
        "desk": {"count": len(desk_cases), "required": DESK_STUDIES, "cases": desk_cases,
                 "short": len(desk_cases) < DESK_STUDIES},
        "short": sorted(e["staff"] for e in people.values() if e["short"]),
    }
