"""Webhook redelivery and the notification lanes, sent many times at once (threads on a
barrier): a redelivery takes effect once; concurrent lanes of one channel send each
message exactly once."""

from __future__ import annotations

from pathlib import Path

from core import tickets, webhooks
from core.config import load_config
from core.desk import Desk
from core.errors import Conflict
from core.notifiers import outbox
from tests.concurrency.conftest import together
from tests.conftest import Clock, make_desk
from tests.core.test_notifiers import Robot
from tests.core.test_standard_webhooks import Verifier


def test_ten_redeliveries_at_once_take_effect_once(site: Desk) -> None:
    secret = webhooks.new_secret()
    r = Verifier(secret)
    try:
        webhooks.subscribe(site, r.url, ["ticket_created"], secret)
        tickets.intake(site, category="repair", unit="1-1-502", summary="水管漏水", by="王芳",
                       at="2026-11-20 09:00")
        assert webhooks.deliver_due(site)["delivered"] == 1
        delivery = webhooks.deliveries(site)[0]["id"]
        results = together(10, lambda _: webhooks.redeliver(site, delivery, actor="陈静"))
        done = [x for x in results if isinstance(x, dict)]
        assert len(done) == 1, results
        assert all(isinstance(x, Conflict) for x in results if x not in done), results
        assert webhooks.deliver_due(site)["delivered"] == 1
        assert len(r.verified) == 2
    finally:
        r.shutdown()
        r.server_close()


def test_four_lanes_of_one_channel_send_each_message_once(site: Desk, db_url: str,
                                                          clock: Clock,
                                                          tmp_path: Path) -> None:
    robot = Robot()
    try:
        (tmp_path / "propdesk.toml").write_text(
            f'[plugins.notify.channels.wecom]\nurl = "{robot.url}"\n', encoding="utf-8")
        desk = make_desk(db_url, clock, config=load_config(tmp_path / "propdesk.toml"))
        for i in range(12):  # public safety: important, to the supervisor and manager
            tickets.intake(desk, category="public_safety", unit="1-1-502",
                           summary=f"消防通道堵塞 {i}", by="王芳", at="2026-11-20 09:00")
        queued = outbox.listing(desk, "pending", 500)
        assert len(queued) == 12
        results = together(4, lambda _: outbox.deliver_lane(desk, "wecom"))
        assert sum(x["sent"] for x in results) == 12, results
        assert len(robot.posts) == 12
        assert {r["status"] for r in outbox.listing(desk, None, 500)} == {"sent"}
    finally:
        robot.shutdown()
        robot.server_close()
