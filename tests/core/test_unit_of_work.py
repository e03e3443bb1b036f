"""The unit of work: one transaction per user action, joined by nested services,
notifications only after the commit, as real (traceable) hook calls."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from core import hookimpl, tickets
from core.desk import Desk
from core.errors import DomainError, TransitionRefused
from core.models import Ticket, TicketEvent
from core.plugins import make_plugin_manager
from tests.conftest import Clock, make_desk


class Recorder:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.opened: list[Any] = []
        self.received: list[list[str]] = []
        self.applied: list[tuple[str, str, bool]] = []

    @hookimpl
    def ticket_created(self, ticket: dict[str, Any]) -> None:
        self.calls.append(f"created {ticket['number']}")

    @hookimpl
    def ticket_transitioned(self, ticket: dict[str, Any], action: str) -> None:
        self.calls.append(f"{action} {ticket['number']}")

    @hookimpl
    def site_opened(self, desk: Desk) -> None:
        self.opened.append(desk)

    @hookimpl
    def tickets_received(self, tickets: list[Ticket], session: Any, desk: Desk) -> None:
        assert desk.work is not None and desk.work.session is session  # inside the unit
        self.received.append([t.summary for t in tickets])

    @hookimpl
    def action_applied(self, action: Any, name: str, from_state: str, desk: Desk) -> None:
        self.applied.append((name, from_state, desk.work is not None))


@pytest.fixture
def recorded(db_url: str, clock: Clock) -> tuple[Desk, Recorder]:
    pm = make_plugin_manager()
    rec = Recorder()
    pm.register(rec, name="recorder")
    desk = make_desk(db_url, clock, pm=pm)
    from core import directory

    directory.add_staff(desk, "王芳", "frontdesk", "客服部")
    directory.add_staff(desk, "赵强", "technician", "工程部")
    return desk, rec


def _count(desk: Desk, kind: str) -> int:
    with desk.read() as s:
        return s.scalar(select(func.count()).select_from(TicketEvent)
                        .where(TicketEvent.kind == kind)) or 0


def test_hook_site_opened(recorded: tuple[Desk, Recorder]) -> None:
    desk, rec = recorded
    assert rec.opened == [desk]
    assert "webhooks" in desk.state  # the built-in's own use: this site's outbox


def test_hook_tickets_received(recorded: tuple[Desk, Recorder]) -> None:
    desk, rec = recorded
    tickets.intake(desk, category="repair", summary="水管漏水", by="王芳")
    assert rec.received == [["水管漏水"]]


def test_hook_action_applied(recorded: tuple[Desk, Recorder]) -> None:
    desk, rec = recorded
    n = tickets.intake(desk, category="repair", summary="门锁坏", by="王芳")["number"]
    tickets.dispatch(desk, n, "赵强", actor="王芳")
    assert rec.applied == [("dispatch", "received", True)]


def test_a_compound_action_is_all_or_nothing(recorded: tuple[Desk, Recorder]) -> None:
    desk, rec = recorded
    n = tickets.intake(desk, category="repair", summary="灯不亮", by="王芳")["number"]
    rec.calls.clear()
    with pytest.raises(TransitionRefused), desk.write():
        tickets.dispatch(desk, n, "赵强", actor="王芳")   # joins the unit
        tickets.start(desk, n, actor="赵强")
        tickets.close(desk, n, actor="王芳")              # refused: not reported
    assert _count(desk, "dispatched") == 0 and _count(desk, "started") == 0
    assert rec.calls == []  # a rolled-back unit announces nothing
    with desk.read() as s:
        assert s.scalar(select(Ticket.state).where(Ticket.number == n)) == "received"


def test_notifications_fire_after_the_outer_commit(recorded: tuple[Desk, Recorder]) -> None:
    desk, rec = recorded
    n = tickets.intake(desk, category="repair", summary="窗户漏风", by="王芳")["number"]
    rec.calls.clear()
    with desk.write():
        tickets.dispatch(desk, n, "赵强", actor="王芳")
        tickets.start(desk, n, actor="赵强")
        assert rec.calls == []  # nothing announced while the unit is open
    assert rec.calls == [f"dispatch {n}", f"start {n}"]


def test_a_failing_notification_loses_nothing(recorded: tuple[Desk, Recorder]) -> None:
    desk, rec = recorded

    class Broken:
        @hookimpl
        def ticket_created(self, ticket: dict[str, Any]) -> None:
            raise RuntimeError("plugin bug")
    desk.pm.register(Broken(), name="broken")
    view = tickets.intake(desk, category="repair", summary="墙皮脱落", by="王芳")
    assert f"created {view['number']}" in rec.calls  # the others still heard it
    assert _count(desk, "received") == 1


def test_action_time_rule_is_one_for_all(recorded: tuple[Desk, Recorder]) -> None:
    desk, _ = recorded
    n = tickets.intake(desk, category="repair", summary="地漏堵", by="王芳",
                       at="2026-11-20 09:00")["number"]
    with pytest.raises(DomainError, match="in the future"):
        tickets.dispatch(desk, n, "赵强", actor="王芳", at="2027-01-01 09:00")
    with pytest.raises(DomainError, match="before the ticket's last event"):
        tickets.dispatch(desk, n, "赵强", actor="王芳", at="2026-11-20 08:00")


@pytest.mark.slow
def test_trace_hooks_shows_notifications(db_url: str, tmp_path: Path) -> None:
    env = os.environ | {"PROPDESK_DATABASE_URL": db_url, "PROPDESK_TRACE_HOOKS": "1"}
    env.pop("PROPDESK_STAFF", None)
    bin_dir = Path(sys.executable).parent
    subprocess.run([bin_dir / "propdesk", "staff", "add", "王芳", "--role", "frontdesk"],
                   env=env, cwd=tmp_path, check=True, capture_output=True)
    run = subprocess.run([bin_dir / "propdesk", "ticket", "new", "--category", "报修",
                          "--summary", "水管漏水", "--by", "王芳"], env=env, cwd=tmp_path,
                         capture_output=True, text=True, check=True)
    assert "ticket_created" in run.stderr and "tickets_received" in run.stderr, run.stderr


def test_one_plugin_manager_per_process(db_url: str) -> None:
    from core.plugins import shared_plugin_manager

    first, second = Desk.open(db_url), Desk.open(db_url)
    assert first.pm is second.pm is shared_plugin_manager()  # the CLI group's, too
    assert first.state["webhooks"] is not second.state["webhooks"]  # per-site state apart
