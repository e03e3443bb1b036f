"""The background loops of the service: the SLA watcher and the webhook sender."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from core import deadlines, webhooks

if TYPE_CHECKING:
    from core.desk import Desk

log = logging.getLogger("propdesk.watcher")


def every(seconds: float, stop: threading.Event, work: Callable[[], Any], name: str) -> None:
    """Run `work` every `seconds` until `stop`; a failing pass is logged, never fatal."""
    while not stop.is_set():
        try:
            work()
        except Exception:  # the next pass tries again
            log.exception("%s pass failed", name)
        stop.wait(seconds)


def start_background(desk: Desk, stop: threading.Event) -> list[threading.Thread]:
    """The SLA watcher (every `[service] watch_interval` s) and the webhook sender (1 s)."""
    loops = [
        ("sla-watcher", desk.config.service.watch_interval, lambda: deadlines.check(desk)),
        ("webhook-sender", 1.0, lambda: webhooks.deliver_due(desk)),
    ]
    threads = []
    for name, interval, work in loops:
        thread = threading.Thread(target=every, args=(interval, stop, work, name), name=name,
                                  daemon=True)
        thread.start()
        threads.append(thread)
    return threads
