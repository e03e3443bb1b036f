"""Webhooks: phones masked unless a manager granted full numbers; each receiver in its
own lane (a slow one delays only itself). Real loopback receivers throughout."""

from __future__ import annotations

import threading
import time

import pytest

from core import deadlines, directory, followups, tickets, webhooks
from core.config import Config
from core.desk import Desk
from core.errors import DomainError
from core.permissions import Forbidden
from core.watcher import start_background
from tests.security.receivers import Receiver

FULL, OTHER = "13812345678", "13912345678"  # the unit's phone; one typed into a summary
SECRET = "s3cret-s3cret-s3cret"


def _life(site: Desk) -> None:
    """A ticket through every event kind, its summary quoting another mobile number."""
    n = tickets.intake(site, category="complaint", severity="major", unit="1-1-502",
                       summary=f"电梯困人，业主电话{OTHER}", by="王芳", at="2026-11-19 09:00")
    number = n["number"]
    tickets.dispatch(site, number, "赵强", at="2026-11-19 09:10")
    tickets.start(site, number, at="2026-11-19 09:20", actor="赵强")
    tickets.contact(site, number, f"已联系 {FULL}", at="2026-11-19 09:30")
    tickets.resolve(site, number, "已修复", at="2026-11-19 10:00", actor="赵强")
    tickets.report(site, number, True, at="2026-11-19 10:30")
    tickets.close(site, number, at="2026-11-19 11:00", actor="刘洋")
    followups.record(site, number, method="phone", satisfaction=5)
    tickets.intake(site, category="complaint", severity="major", unit="1-1-101",
                   summary="噪音", by="王芳", at="2026-11-19 09:00")
    assert deadlines.check(site)["breached"]  # its 2 h reply clock: sla_breached


def test_a_default_subscription_never_receives_a_full_phone(site: Desk) -> None:
    masked, full = Receiver(), Receiver()
    try:
        webhooks.subscribe(site, masked.url, ["*"], SECRET, actor="集成商"
                           if _integrator(site) else None)
        granted = webhooks.subscribe(site, full.url, ["*"], SECRET, actor="陈静",
                                     unmasked=True)
        assert granted["unmasked"] and granted["unmasked_by"] == "陈静"
        _life(site)
        sent = webhooks.deliver_due(site)
        assert sent["failed"] == 0 and sent["retry"] == 0
        events = {b.split(b'"event": "')[1].split(b'"')[0] for b in masked.bodies}
        assert {b"ticket_created", b"ticket_transitioned", b"followup_recorded"} <= events
        assert any(b"sla_" in b for b in masked.bodies), events
        assert len(masked.bodies) == len(full.bodies) >= 8
        assert FULL not in masked.text() and OTHER not in masked.text()
        assert "138****5678" in masked.text() and "139****5678" in masked.text()
        assert FULL in full.text() and OTHER in full.text()
    finally:
        masked.close()
        full.close()


def _integrator(site: Desk) -> bool:
    directory.add_staff(site, "集成商", "integrator")
    return True


def test_only_a_manager_grants_full_numbers_and_the_grant_is_recorded(site: Desk,
                                                                      clock) -> None:
    directory.add_staff(site, "集成商", "integrator")
    with pytest.raises(Forbidden, match="may not grant a webhook full phone numbers"):
        webhooks.subscribe(site, "http://127.0.0.1:9/x", ["*"], actor="集成商", unmasked=True)
    row = webhooks.subscribe(site, "http://127.0.0.1:9/x", ["*"], actor="集成商")
    assert row["unmasked"] is False and row["unmasked_by"] is None
    with pytest.raises(Forbidden):
        webhooks.set_unmasked(site, row["id"], True, actor="集成商")
    granted = webhooks.set_unmasked(site, row["id"], True, actor="陈静")
    listed = webhooks.subscriptions(site, actor="陈静")[0]
    assert listed["unmasked"] and listed["unmasked_by"] == "陈静"
    assert listed["unmasked_at"] == granted["unmasked_at"] == "2026-11-20T10:00:00+08:00"
    # the integrator may withdraw it (less exposure), never give it
    assert webhooks.set_unmasked(site, row["id"], False, actor="集成商")["unmasked"] is False
    with pytest.raises(DomainError, match="no webhook 99"):
        webhooks.set_unmasked(site, 99, False)


def test_a_queued_delivery_is_masked_when_the_grant_is_withdrawn(site: Desk) -> None:
    full = Receiver()
    try:
        row = webhooks.subscribe(site, full.url, ["ticket_created"], SECRET, actor="陈静",
                                 unmasked=True)
        tickets.intake(site, category="repair", unit="1-1-502", summary="漏水", by="王芳")
        webhooks.set_unmasked(site, row["id"], False, actor="陈静")
        webhooks.deliver_due(site)
        assert len(full.bodies) == 1 and FULL not in full.text()
    finally:
        full.close()


def test_cli_grant_and_list(run) -> None:  # noqa: ANN001
    run("staff", "add", "陈静", "--role", "manager")
    run("staff", "add", "集成商", "--role", "integrator")
    bad = run("--as", "集成商", "webhook", "add", "http://127.0.0.1:9/x", "--events", "*",
              "--unmasked")
    assert bad.exit_code == 2
    assert bad.stderr.startswith("error: as: 集成商 (integrator) may not grant")
    assert "phones masked" in run("--as", "集成商", "webhook", "add", "http://127.0.0.1:9/x",
                                  "--events", "*").stdout
    run("--as", "陈静", "webhook", "phones", "1", "full")
    listed = run("--as", "陈静", "webhook", "list").stdout
    assert "full (by 陈静" in listed


# ------------------------------------------------------------------ lanes


def test_a_slow_receiver_delays_only_itself(site: Desk) -> None:
    """The slow receiver holds every request open until released (up to 60 s); the fast
    one must get all its deliveries while the slow one is still holding the first."""
    site.config = Config.model_validate({"service": {"webhook_timeout": 90}})
    count = 5
    release = threading.Event()
    slow, fast = Receiver(hold=release, expect=count), Receiver(expect=count)
    dead = "http://127.0.0.1:9/dead"  # nothing listens: connection refused
    stop = threading.Event()
    threads: list[threading.Thread] = []
    try:
        for url in (slow.url, dead, fast.url):
            webhooks.subscribe(site, url, ["ticket_created"], SECRET)
        for i in range(count):
            tickets.intake(site, category="inquiry", summary=f"咨询 {i}", by="王芳",
                           answer="已答复")
        started = time.monotonic()
        threads = start_background(site, stop)
        assert fast.enough.wait(30), f"fast receiver got {len(fast.bodies)} of {count}"
        took = time.monotonic() - started
        assert slow.entered.is_set() and not release.is_set()
        assert len(slow.bodies) == 0  # still holding its first request
        assert took < 5.0, f"the fast receiver waited {took:.2f} s"
        print(f"fast receiver: {count} deliveries in {took:.2f} s while the slow one held "
              "its first")
        release.set()
        assert slow.enough.wait(30), f"slow receiver got {len(slow.bodies)} of {count}"
        rows = webhooks.deliveries(site, limit=100)
        by_sub = {r["subscription"]: set() for r in rows}
        for r in rows:
            by_sub[r["subscription"]].add(r["status"])
        assert by_sub[2] == {"pending"}  # the dead one: retried later, never blocking
        assert any(r["last_error"] for r in rows if r["subscription"] == 2)
    finally:
        stop.set()
        release.set()
        for thread in threads:
            thread.join(timeout=10)
        site.state["webhook-sender"].join(timeout=10)
        slow.close()
        fast.close()
