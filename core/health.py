"""What `/health` checks: the database accepts a write, its disk has room, the background
loops ran lately. Each failing check is named, so a monitor says what is wrong.

The write check is a real write (a row in `health_probes`, in a transaction rolled
back): a database that answers `SELECT 1` but is full or read-only is not healthy.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, text

from core import db
from core.errors import storage_failure
from core.models import HealthProbe
from core.times import show, utcnow

if TYPE_CHECKING:
    from core.desk import Desk

#: the probe row is about the size of a ticket with its first events: a database that
#: cannot take it cannot take a ticket either
PROBE_BYTES = 8192
#: SQLite: fewer pages than this left under `max_page_count` is full (a batch of tickets,
#: its events and index pages need about as many)
MIN_PAGES = 64


def check_write(desk: Desk) -> str | None:
    """None when the database took a write (rolled back at once), else why not."""
    try:
        with db.writer(desk.engine).connect() as conn:
            trans = conn.begin()
            try:
                conn.execute(insert(HealthProbe), {"at": utcnow(), "pad": "x" * PROBE_BYTES})
                if conn.dialect.name == "sqlite":
                    left = _pages_left(conn)
                    if left < MIN_PAGES:
                        return (f"storage: database or disk is full ({left} pages left "
                                "under max_page_count)")
            finally:
                trans.rollback()
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        why = storage_failure(exc)
        first = str(getattr(exc, "orig", None) or exc).splitlines()
        return why or f"{type(exc).__name__}: {(first[0] if first else '')[:200]}"
    return None


def _pages_left(conn: Any) -> int:
    """Pages SQLite may still use: up to `max_page_count`, plus those on its free list."""
    pragma = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar() or 0
              for name in ("page_count", "max_page_count", "freelist_count")}
    return pragma["max_page_count"] - pragma["page_count"] + pragma["freelist_count"]


def data_directory(desk: Desk) -> Path | None:
    """The folder the database writes to, when it is on this machine."""
    url = desk.engine.url
    if url.get_backend_name() == "sqlite":
        name = url.database
        if not name or name == ":memory:" or name.startswith("file::memory:"):
            return None
        return Path(name.removeprefix("file:").split("?")[0]).resolve().parent
    if url.host not in (None, "", "localhost", "127.0.0.1", "::1"):
        return None
    try:  # needs a superuser or pg_read_all_settings; otherwise not visible
        with desk.engine.connect() as conn:
            found = conn.execute(text("SELECT setting FROM pg_settings "
                                      "WHERE name = 'data_directory'")).scalar()
    except Exception:  # noqa: BLE001 - the write check reports a dead database
        return None
    return Path(found) if found and os.path.isdir(found) else None


def check_disk(desk: Desk) -> tuple[dict[str, Any], str | None]:
    """The database's disk: (what was seen, why it fails or None)."""
    minimum = desk.config.service.min_free_bytes
    folder = data_directory(desk)
    if folder is None:
        return {"path": None, "min_free_bytes": minimum,
                "note": "the database's disk is not visible from here"}, None
    try:
        free = shutil.disk_usage(folder).free
    except OSError as exc:
        return {"path": str(folder), "min_free_bytes": minimum}, f"{folder}: {exc.strerror}"
    seen = {"path": str(folder), "free_bytes": free, "min_free_bytes": minimum}
    if free < minimum:
        return seen, (f"{free} bytes free on {folder}, below [service] min_free_bytes "
                      f"({minimum})")
    return seen, None


def report(desk: Desk, queue: Any = None) -> tuple[int, dict[str, Any]]:
    """(status code, body) of `/health`: 200 ok, or 503 naming every failing check."""
    problems: dict[str, str] = {}
    write = check_write(desk)
    if write is not None:
        problems["database"] = write
    disk, why = check_disk(desk)
    if why is not None:
        problems["disk"] = why
    now = utcnow()
    loops = {}
    for name, (interval, last) in desk.heartbeats.items():
        loops[name] = show(last, desk.tz)
        if last is None or (now - last).total_seconds() > 3 * interval + 60:
            problems[name] = "no successful pass lately" if last else "no successful pass yet"
    body = {"status": "degraded" if problems else "ok", "problems": problems,
            "checks": {"write": write or "ok", "disk": disk},
            "background": loops, "intake": {"batches": queue.batches if queue else 0,
                                            "requests": queue.requests if queue else 0}}
    return (503 if problems else 200), body
