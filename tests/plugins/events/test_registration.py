"""Registration: capacity, the waiting list, one per household, refusals that write nothing,
and capacity held under concurrent registrations (separate engines, one per thread)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from core.desk import Desk
from core.errors import DomainError
from core.kit import Forbidden
from plugins.events import registration, service
from tests.conftest import Clock, make_desk
from tests.plugins.events.conftest import approved_event, counts, t

pytestmark = pytest.mark.usefixtures("after_the_fact")

AT = t("2026-11-20 10:00")


def test_waiting_list_promoted_when_a_seat_is_cancelled(site: Desk) -> None:
    session = approved_event(site, capacity=2)["sessions"][0]["id"]
    a = registration.register(site, session, unit="1-1-101", channel="电话", at=AT)
    b = registration.register(site, session, unit="1-1-502", channel="online", at=AT)
    c = registration.register(site, session, unit="2-1-301", channel="前台", at=AT)
    assert [a["status"], b["status"], c["status"]] == ["confirmed", "confirmed", "waiting"]
    assert c["waiting_position"] == 1 and a["channel"] == "phone"
    registration.cancel(site, a["id"], at=t("2026-11-21 10:00"))
    assert registration.registration_view(site, c["id"])["status"] == "confirmed"
    kinds = [(n["unit"], n["kind"]) for n in registration.notices(site)]
    assert kinds == [("1-1-101", "confirmed"), ("1-1-502", "confirmed"),
                     ("2-1-301", "waiting"), ("2-1-301", "promoted")]
    assert registration.mark_sent(site, [1, 2], at=AT) == 2
    assert len(registration.notices(site)) == 2


def test_full_session_without_waiting_list_is_refused(site: Desk) -> None:
    session = approved_event(site, capacity=1, waitlist=False)["sessions"][0]["id"]
    registration.register(site, session, unit="1-1-101", channel="desk", at=AT)
    before = counts(site)
    with pytest.raises(DomainError) as full:
        registration.register(site, session, unit="1-1-502", channel="desk", at=AT)
    assert full.value.field == "session" and "full" in str(full.value)
    assert counts(site) == before


def test_past_session_is_refused(site: Desk) -> None:
    session = approved_event(site)["sessions"][0]["id"]
    before = counts(site)
    with pytest.raises(DomainError) as past:
        registration.register(site, session, unit="1-1-101", channel="desk",
                              at=t("2026-12-20 09:30"))
    assert past.value.field == "session" and "past" in str(past.value)
    assert counts(site) == before


def test_a_household_registers_once_unless_the_event_allows_more(site: Desk) -> None:
    session = approved_event(site)["sessions"][0]["id"]
    registration.register(site, session, unit="1-1-101", channel="desk", at=AT)
    before = counts(site)
    with pytest.raises(DomainError) as twice:
        registration.register(site, session, unit="1-1-101", channel="online", at=AT)
    assert twice.value.field == "unit" and "already registered" in str(twice.value)
    assert counts(site) == before
    family = approved_event(site, per_household=2)["sessions"][0]["id"]
    for _ in range(2):
        registration.register(site, family, unit="1-1-101", channel="desk", at=AT)
    with pytest.raises(DomainError, match="limit 2"):
        registration.register(site, family, unit="1-1-101", channel="desk", at=AT)


def test_unknown_channel_and_unapproved_event_are_refused(site: Desk) -> None:
    session = approved_event(site)["sessions"][0]["id"]
    with pytest.raises(DomainError) as bad:
        registration.register(site, session, unit="1-1-101", channel="fax", at=AT)
    assert bad.value.field == "channel"
    assert counts(site)["events_registrations"] == 0


def test_check_in_no_shows_and_reminders(site: Desk) -> None:
    session = approved_event(site)["sessions"][0]["id"]
    regs = [registration.register(site, session, unit=u, channel="desk", at=AT)["id"]
            for u in ("1-1-101", "1-1-502", "2-1-301")]
    assert registration.remind(site, at=t("2026-12-19 10:00")) == 3
    assert registration.remind(site, at=t("2026-12-19 11:00")) == 0  # once per session
    with pytest.raises(DomainError, match="not begun"):
        registration.mark_no_shows(site, session, at=t("2026-12-20 08:00"))
    registration.check_in(site, regs[0], at=t("2026-12-20 09:05"))
    assert registration.mark_no_shows(site, session, at=t("2026-12-20 12:00")) == 2
    assert registration.registration_view(site, regs[1])["status"] == "no_show"


def test_capacity_holds_under_concurrent_registrations(site: Desk, units: list[str],
                                                       db_url: str, clock: Clock) -> None:
    """Forty households race for thirty seats, each thread with its own engine."""
    event = approved_event(site, capacity=30)
    session = event["sessions"][0]["id"]
    barrier = threading.Barrier(len(units))
    results: list[Any] = []

    def attempt(code: str) -> None:
        desk = make_desk(db_url, clock)
        try:
            barrier.wait()
            results.append(registration.register(desk, session, unit=code, channel="online",
                                                 at=AT)["status"])
        except Exception as exc:  # noqa: BLE001 - the test reports any failure below
            results.append(exc)
        finally:
            desk.engine.dispose()

    threads = [threading.Thread(target=attempt, args=(code,)) for code in units]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert sorted(map(str, results)) == ["confirmed"] * 30 + ["waiting"] * 10
    seats = service.event_view(site, event["id"])["sessions"][0]
    assert (seats["confirmed"], seats["waiting"]) == (30, 10)


def test_calling_off_an_event_cancels_every_seat_and_tells_every_household(
        site: Desk, run, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.cli.main import cli
    from plugins.events import hooks

    monkeypatch.setattr(cli, "commands", dict(cli.commands))
    hooks.register_commands(cli)
    session = approved_event(site, capacity=2)["sessions"][0]["id"]
    for unit in ("1-1-101", "1-1-502", "2-1-301"):  # two seats and one waiting
        registration.register(site, session, unit=unit, channel="电话", at=AT)
    before = counts(site)
    with pytest.raises(Forbidden) as nobody:
        registration.cancel_event(site, 1, reason="台风预警", actor="王芳", at=AT)
    assert nobody.value.field == "as"  # front desk may not call off an event
    assert counts(site) == before
    with pytest.raises(DomainError) as why:
        registration.cancel_event(site, 1, reason=" ", actor="刘洋", at=AT)
    assert why.value.field == "reason"
    view = registration.cancel_event(site, 1, reason="台风预警", actor="刘洋",
                                     at=t("2026-11-22 08:00"))
    assert (view["status"], view["cancelled_by"], view["cancel_reason"],
            view["households_told"]) == ("cancelled", "刘洋", "台风预警", 3)
    assert view["sessions"][0]["confirmed"] == view["sessions"][0]["waiting"] == 0
    told = [(n["unit"], n["kind"]) for n in registration.notices(site)
            if n["kind"] == "cancelled"]
    assert told == [("1-1-101", "cancelled"), ("1-1-502", "cancelled"),
                    ("2-1-301", "cancelled")]
    with pytest.raises(DomainError):
        registration.register(site, session, unit="1-1-101", channel="电话", at=AT)
    again = run("--as", "刘洋", "events", "call-off", "1", "--reason", "再次")
    assert again.exit_code == 2 and "cancelled" in again.output
