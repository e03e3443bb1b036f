"""The background loops of the service: the SLA watcher and the webhook sender."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from core import deadlines, webhooks
from core.notifiers import outbox as notifiers
from core.times import utcnow

if TYPE_CHECKING:
    from core.desk import Desk

log = logging.getLogger("propdesk.watcher")


def every(seconds: float, stop: threading.Event, work: Callable[[], Any], name: str,
          beat: Callable[[], None] | None = None) -> None:
    """Run `work` every `seconds` until `stop`; a failing pass is logged, never fatal.
    `beat` is called after each pass that succeeded (the health check reads it)."""
    while not stop.is_set():
        try:
            work()
            if beat is not None:
                beat()
        except Exception:  # the next pass tries again
            log.exception("%s pass failed", name)
        stop.wait(seconds)


def start_background(desk: Desk, stop: threading.Event) -> list[threading.Thread]:
    """The SLA watcher (every `[service] watch_interval` s), the webhook sender and the
    notifier (1 s: each starts its lanes, one per receiver or channel, and never waits
    for a slow one)."""
    sender = webhooks.Sender(desk)
    desk.state["webhook-sender"] = sender
    loops = [
        ("sla-watcher", desk.config.service.watch_interval, lambda: deadlines.check(desk)),
        ("webhook-sender", 1.0, sender.run_pass),
        ("notifier", 1.0, lambda: notifiers.deliver_due(desk)),
    ]
    threads = []
    for name, interval, work in loops:
        desk.heartbeats[name] = (interval, None)

        def beat(name: str = name, interval: float = interval) -> None:
            desk.heartbeats[name] = (interval, utcnow())

        thread = threading.Thread(target=every, args=(interval, stop, work, name, beat),
                                  name=name, daemon=True)
        thread.start()
        threads.append(thread)
    return threads
