"""Group commit for the HTTP service's intake: one writer thread, batches of what has queued.

Concurrent `POST /tickets` requests do not each open a write transaction (on SQLite they
would only queue for the one database lock). They hand their request to this queue; the
writer takes everything waiting, up to `max_batch`, writes it with `intake.intake_many`
in one transaction and answers each request through its future. Nothing waits for a
batch to fill: a lone request is written at once, and requests arriving meanwhile form
the next batch. The thread stops after `idle` seconds without work and starts again
with the next request.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.desk import Desk

log = logging.getLogger("propdesk.intake")
Item = tuple[dict[str, Any], datetime, "Future[dict[str, Any]]"]


class IntakeQueue:
    """Queue intake requests for one writer thread; `submit` returns the ticket's future."""

    def __init__(self, desk: Desk, max_batch: int = 64, idle: float = 5.0) -> None:
        self.desk, self.max_batch, self.idle = desk, max_batch, idle
        self._queue: queue.SimpleQueue[Item] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._running = False
        self.batches = 0  # counters for the benchmark and the curious
        self.requests = 0

    def submit(self, request: dict[str, Any]) -> Future[dict[str, Any]]:
        """Queue one intake (the keyword arguments of `intake.intake`); arrival is now."""
        future: Future[dict[str, Any]] = Future()
        self._queue.put((request, self.desk.now(), future))
        with self._lock:
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="propdesk-intake",
                                 daemon=True).start()
        return future

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self.idle)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._running = False
                        return
                continue
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)

    def _write(self, batch: list[Item]) -> None:
        from core.intake import intake_many

        self.batches += 1
        self.requests += len(batch)
        try:
            results = intake_many(self.desk, [r for r, _, _ in batch],
                                  [at for _, at, _ in batch])
        except Exception as exc:  # noqa: BLE001 - every waiting request gets the error
            from core.errors import storage_failure

            why = storage_failure(exc)
            if why:  # told to each request (503); no traceback for a full disk
                log.warning("intake batch of %s refused: %s", len(batch), why)
            else:
                log.exception("intake batch failed")
            results = [exc] * len(batch)
        for (_, _, future), result in zip(batch, results, strict=True):
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)
