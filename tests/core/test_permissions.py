"""Every role's allowed and refused actions (SPEC §1), through the services."""

from __future__ import annotations

import pytest

from core import directory, tickets
from core.desk import Desk
from core.errors import DomainError
from core.permissions import Forbidden, mask_phone, redact

ROLES = ["frontdesk", "technician", "supervisor", "manager", "archivist", "trainer",
         "integrator"]
# action → roles allowed (on a ticket dispatched to someone else)
EXPECTED = {
    "intake": {"frontdesk", "supervisor", "manager"},
    "dispatch": {"frontdesk", "supervisor", "manager"},
    "contact": {"frontdesk", "supervisor", "manager"},
    "start": {"supervisor", "manager"},
    "escalate": {"supervisor", "manager"},
}


@pytest.fixture
def crew(site: Desk) -> Desk:
    for role in ROLES:
        directory.add_staff(site, f"{role}-1", role, "工程部" if role == "technician" else None)
    directory.add_staff(site, "technician-2", "technician", "工程部")
    return site


def _ticket(d: Desk, **kw: object) -> str:
    args = {"category": "repair", "summary": "漏水", "by": "王芳", "unit": "1-1-502",
            "at": "2026-11-19 09:00"} | kw
    return tickets.intake(d, **args)["number"]  # type: ignore[arg-type]


def _allowed(fn) -> bool:  # noqa: ANN001
    try:
        fn()
    except Forbidden:
        return False
    return True


@pytest.mark.parametrize("role", ROLES)
def test_intake_by_role(crew: Desk, role: str) -> None:
    ok = _allowed(lambda: tickets.intake(crew, category="repair", summary="x",
                                         actor=f"{role}-1"))
    assert ok == (role in EXPECTED["intake"])


@pytest.mark.parametrize("role", ROLES)
def test_dispatch_contact_escalate_by_role(crew: Desk, role: str) -> None:
    actor = f"{role}-1"
    n = _ticket(crew)
    for action, fn in [
        ("dispatch", lambda: tickets.dispatch(crew, n, "technician-2", actor=actor)),
        ("contact", lambda: tickets.contact(crew, n, "已联系", actor=actor)),
        ("escalate", lambda: tickets.escalate(crew, n, "超时", actor=actor)),
    ]:
        if action != "dispatch" and n and not _ticket_is_dispatched(crew, n):
            tickets.dispatch(crew, n, "technician-2")
        assert _allowed(fn) == (role in EXPECTED[action]), action


def _ticket_is_dispatched(d: Desk, n: str) -> bool:
    from core.queries import show_ticket

    return show_ticket(d, n)["state"] == "dispatched"


def test_a_technician_starts_and_resolves_only_what_is_theirs(crew: Desk) -> None:
    mine, theirs, dept = _ticket(crew), _ticket(crew), _ticket(crew)
    tickets.dispatch(crew, mine, "technician-1")
    tickets.dispatch(crew, theirs, "technician-2")
    tickets.dispatch(crew, dept, "工程部")
    assert _allowed(lambda: tickets.start(crew, mine, actor="technician-1"))
    assert _allowed(lambda: tickets.resolve(crew, mine, "done", actor="technician-1"))
    assert not _allowed(lambda: tickets.start(crew, theirs, actor="technician-1"))
    assert _allowed(lambda: tickets.start(crew, dept, actor="technician-1"))  # own department
    assert not _allowed(lambda: tickets.report(crew, mine, True, actor="technician-1"))
    tickets.report(crew, mine, True, actor="frontdesk-1")
    assert not _allowed(lambda: tickets.close(crew, mine, actor="technician-1"))
    frontdesk = _ticket(crew)
    tickets.dispatch(crew, frontdesk, "technician-2")
    assert not _allowed(lambda: tickets.start(crew, frontdesk, actor="frontdesk-1"))


@pytest.mark.parametrize(("role", "ok"), [("frontdesk", False), ("supervisor", True),
                                          ("manager", True), ("technician", False)])
def test_only_leads_close_a_major_complaint(crew: Desk, role: str, ok: bool) -> None:
    n = _ticket(crew, category="complaint", severity="major")
    tickets.dispatch(crew, n, "technician-2")
    tickets.start(crew, n)
    tickets.resolve(crew, n, "已处理")
    tickets.report(crew, n, True)
    assert _allowed(lambda: tickets.close(crew, n, actor=f"{role}-1")) == ok
    minor = _ticket(crew, category="complaint", severity="minor")
    tickets.dispatch(crew, minor, "technician-2")
    tickets.start(crew, minor)
    tickets.resolve(crew, minor, "已处理")
    tickets.report(crew, minor, True)
    assert _allowed(lambda: tickets.close(crew, minor, actor=f"{role}-1")) == (
        role in {"frontdesk", "supervisor", "manager"})


@pytest.mark.parametrize("role", ["frontdesk", "supervisor"])
def test_only_leads_change_a_severity(crew: Desk, role: str) -> None:
    n = _ticket(crew, category="complaint", severity="minor")
    ok = _allowed(lambda: tickets.reclassify(crew, n, "媒体曝光", severity="major",
                                             actor=f"{role}-1"))
    assert ok == (role == "supervisor")
    assert _allowed(lambda: tickets.reclassify(crew, _ticket(crew), "实为咨询",
                                               category="inquiry", actor=f"{role}-1"))


def test_handover_own_tickets_only_unless_a_lead(crew: Desk) -> None:
    _ticket(crew)
    assert not _allowed(lambda: tickets.handover(crew, "王芳", "李娜", actor="frontdesk-1"))
    assert _allowed(lambda: tickets.handover(crew, "王芳", "李娜", actor="王芳"))
    assert _allowed(lambda: tickets.handover(crew, "李娜", "王芳", actor="supervisor-1"))


def test_a_refusal_names_who_and_writes_nothing(crew: Desk) -> None:
    n = _ticket(crew)
    with pytest.raises(DomainError) as err:
        tickets.escalate(crew, n, "x", actor="trainer-1")
    assert err.value.field == "as" and "trainer-1 (trainer) may not escalate" in err.value.message
    from core.queries import show_ticket

    assert [e["kind"] for e in show_ticket(crew, n)["events"]] == ["received"]


def test_masked_phones() -> None:
    assert mask_phone("13812345678") == "138****5678"
    view = {"number": "x", "contact_phone": "13812345678"}
    assert redact(view, "trainer")["contact_phone"] == "138****5678"
    assert redact(view, "archivist")["contact_phone"] == "138****5678"
    assert redact(view, "integrator")["contact_phone"] == "138****5678"
    assert redact(view, "technician")["contact_phone"] == "13812345678"
    assert redact(view, None) is view


def test_read_services_mask_and_refuse_unknown_names(crew: Desk) -> None:
    from core import queries
    from core.errors import NotFound

    n = _ticket(crew)
    assert queries.show_ticket(crew, n, actor="archivist-1")["contact_phone"] == "138****5678"
    assert queries.show_ticket(crew, n, actor="technician-1")["contact_phone"] == "13812345678"
    assert queries.show_ticket(crew, n)["contact_phone"] == "13812345678"  # the operator
    rows = queries.list_tickets(crew, actor="integrator-1")
    assert rows and all(r["contact_phone"] == "138****5678" for r in rows)
    assert directory.list_units(crew, actor="trainer-1")[0]["phone"] == "138****5678"
    for read in (lambda: queries.show_ticket(crew, n, actor="路人甲"),
                 lambda: queries.list_tickets(crew, actor="路人甲"),
                 lambda: directory.list_staff(crew, actor="路人甲"),
                 lambda: queries.calendar_month(crew, "2026-10", actor="路人甲")):
        with pytest.raises(NotFound) as err:
            read()
        assert (err.value.field, err.value.message) == ("as", "no staff member '路人甲'")


@pytest.mark.parametrize("role", ROLES)
def test_directory_writes_by_role(crew: Desk, role: str) -> None:
    assert _allowed(lambda: directory.add_unit(crew, f"7-7-{ROLES.index(role)}",
                                               actor=f"{role}-1")) == (
        role in {"frontdesk", "supervisor", "manager"})
    assert _allowed(lambda: directory.add_staff(crew, f"new-{role}", "frontdesk",
                                                actor=f"{role}-1")) == (
        role in {"supervisor", "manager"})


def test_an_action_answers_its_caller_masked(site) -> None:  # noqa: ANN001
    """The view an action returns is the caller's: an archivist the ticket was dispatched to
    sees the owner's phone masked, while plugins heard the whole ticket."""
    from core import directory, tickets

    directory.add_staff(site, "周敏", "archivist", "档案室")
    n = tickets.intake(site, category="repair", unit="1-1-502", summary="档案柜锁坏",
                       by="王芳")["number"]
    tickets.dispatch(site, n, "周敏", actor="王芳")
    view = tickets.contact(site, n, "已联系业主", actor="周敏")
    assert "13812345678" not in str(view) and "138****5678" in str(view)
    assert "13812345678" in str(tickets.contact(site, n, "再次联系", actor="王芳"))
