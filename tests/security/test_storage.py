"""Failures are told, never hidden: a full or read-only database answers 503 with a JSON
body, `/health` says what fails, nothing acknowledged is lost, no connection is dropped.

The failures are real: a SQLite database on a small tmpfs that fills up (or, where
mounting is not allowed, SQLite's own page limit), the same filesystem remounted
read-only, and a PostgreSQL database set `default_transaction_read_only`.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, event, select, text

from core import db, directory, tokens
from core.config import Config
from core.desk import Desk
from core.models import Ticket
from core.plugins import make_plugin_manager
from tests.conftest import PG_URL, Clock

pytestmark = pytest.mark.slow
BODY = {"category": "repair", "unit": "1-1-502", "summary": "厨房水管漏水" * 20}


def _site(url: str, config: Config, listen: Any = None) -> tuple[Desk, str]:
    engine = db.make_engine(url)
    if listen is not None:
        event.listen(engine, "connect", listen)
    desk = Desk(config=config, engine=engine, pm=make_plugin_manager(), now=Clock())
    directory.add_unit(desk, "1-1-502", "李女士", "13812345678")
    directory.add_staff(desk, "王芳", "frontdesk")
    return desk, tokens.create(desk, "王芳")["token"]


def _flood(base: str, token: str, until_refused: int = 30,
           workers: int = 4) -> tuple[list[str], list[httpx.Response], list[str]]:
    """POST tickets from several threads until each has been refused `until_refused`
    times in a row; returns (acknowledged numbers, refusals, transport errors)."""
    acked: list[str] = []
    refused: list[httpx.Response] = []
    dropped: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        in_a_row = 0
        with httpx.Client(base_url=base, timeout=60,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            for _ in range(20000):
                try:
                    r = client.post("/tickets", json=BODY)
                except httpx.HTTPError as exc:
                    with lock:
                        dropped.append(f"{type(exc).__name__}: {exc}")
                    continue
                with lock:
                    if 200 <= r.status_code < 300:
                        acked.append(r.json()["number"])
                        in_a_row = 0
                    else:
                        refused.append(r)
                        in_a_row += 1
                if in_a_row >= until_refused:
                    return
    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    return acked, refused, dropped


def _stored(url: str) -> set[str]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return set(conn.scalars(select(Ticket.number)))
    finally:
        engine.dispose()


def _assert_told(refused: list[httpx.Response], dropped: list[str], errors: Any) -> None:
    assert not dropped, dropped[:3]
    assert refused, "the database never refused a write"
    for r in refused:
        assert r.status_code == 503, (r.status_code, r.text)
        body = r.json()
        assert body["field"] == "database" and body["error"].startswith("storage: "), body
    assert not errors.records, [r.getMessage() for r in errors.records[:3]]


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB tmpfs of our own (we run as root here), unmounted afterwards."""
    if PG_URL:
        pytest.skip("a SQLite file on a small disk: the PostgreSQL run checks read-only")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_503_and_nothing_acknowledged_is_lost(serve: Any, tmpfs: Path,
                                                        _template: str) -> None:
    path = tmpfs / "propdesk.db"
    shutil.copy(_template, path)
    url = f"sqlite:///{path}"
    config = Config.model_validate({"service": {"min_free_bytes": 256 * 1024}})
    desk, token = _site(url, config)
    base = serve(desk)
    assert httpx.get(f"{base}/health").status_code == 200
    acked, refused, dropped = _flood(base, token)
    _assert_told(refused, dropped, serve.errors)
    health = httpx.get(f"{base}/health")
    assert health.status_code == 503, health.text
    problems = health.json()["problems"]
    assert "disk" in problems and "below [service] min_free_bytes" in problems["disk"]
    desk.engine.dispose()
    stored = _stored(url)
    assert acked and set(acked) <= stored, f"{len(set(acked) - stored)} acknowledged lost"
    assert len(stored) == len(set(acked))  # and nothing half-written beside them
    print(f"full disk: {len(acked)} acknowledged, all stored; {len(refused)} refused 503")


def test_sqlite_page_limit_503(serve: Any, _template: str, tmp_path: Path) -> None:
    """SQLite's own `max_page_count`: full at a size we choose, on any filesystem."""
    if PG_URL:
        pytest.skip("SQLite only")
    path = tmp_path / "propdesk.db"
    shutil.copy(_template, path)
    url = f"sqlite:///{path}"
    pages = path.stat().st_size // 4096 + 60

    def limit(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")
    desk, token = _site(url, Config(), listen=limit)
    base = serve(desk)
    acked, refused, dropped = _flood(base, token)
    _assert_told(refused, dropped, serve.errors)
    assert "disk is full" in refused[0].json()["error"]
    health = httpx.get(f"{base}/health")
    assert health.status_code == 503 and "full" in health.json()["problems"]["database"]
    desk.engine.dispose()
    assert acked and set(acked) == _stored(url)


def test_read_only_disk_503(serve: Any, tmpfs: Path, _template: str) -> None:
    """The database's filesystem remounted read-only: reads still answer, writes 503."""
    path = tmpfs / "propdesk.db"
    shutil.copy(_template, path)
    url = f"sqlite:///{path}"
    desk, token = _site(url, Config.model_validate({"service": {"min_free_bytes": 0}}))
    desk.engine.dispose()
    before = _stored(url)
    raw = sqlite3.connect(path)  # no -wal/-shm files to open once the disk is read-only
    raw.execute("PRAGMA journal_mode=DELETE")
    raw.close()
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    try:
        base = serve(desk)
        auth = {"Authorization": f"Bearer {token}"}
        units = httpx.get(f"{base}/units", headers=auth)
        assert units.status_code == 200, units.text  # reads answer
        r = httpx.post(f"{base}/tickets", json=BODY, headers=auth)
        _assert_told([r], [], serve.errors)
        assert "read-only" in r.json()["error"], r.text
        health = httpx.get(f"{base}/health")
        assert health.status_code == 503 and "read-only" in health.json()["problems"]["database"]
        desk.engine.dispose()
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(tmpfs)], check=True)
    assert _stored(url) == before


def test_postgresql_read_only_503(serve: Any, db_url: str) -> None:
    if not PG_URL:
        pytest.skip("PostgreSQL only")
    desk, token = _site(db_url, Config())
    desk.engine.dispose()
    name = desk.engine.url.database
    admin = create_engine(desk.engine.url.set(database="postgres"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    try:
        base = serve(desk)
        auth = {"Authorization": f"Bearer {token}"}
        r = httpx.post(f"{base}/tickets", json=BODY, headers=auth)
        _assert_told([r], [], serve.errors)
        assert "25006" in r.json()["error"]
        health = httpx.get(f"{base}/health")
        assert health.status_code == 503 and "25006" in health.json()["problems"]["database"]
        assert httpx.get(f"{base}/units", headers=auth).status_code == 200  # reads still work
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" RESET default_transaction_read_only'))
        admin.dispose()
        desk.engine.dispose()
    assert _stored(db_url) == set()


def test_postgresql_disk_full_503(serve: Any, db_url: str) -> None:
    """The tickets (and the health probe's table) moved to a tablespace on a 1 MB tmpfs:
    PostgreSQL runs out of room (SQLSTATE 53100) while the rest of the server has it."""
    if not PG_URL:
        pytest.skip("PostgreSQL only")
    # under /tmp itself: the server (user postgres) must reach it; pytest's folders are 0700
    space = Path(tempfile.mkdtemp(prefix="propdesk-pgspace-", dir="/tmp"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=700", "tmpfs",
                           str(space)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    desk, token = _site(db_url, Config())
    moved = ("tickets", "health_probes")
    admin = create_engine(desk.engine.url, isolation_level="AUTOCOMMIT")
    try:
        shutil.chown(space, "postgres", "postgres")
        desk.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"CREATE TABLESPACE sec_full LOCATION '{space}'"))
            for table in moved:
                conn.execute(text(f"ALTER TABLE {table} SET TABLESPACE sec_full"))
        base = serve(desk)
        acked, refused, dropped = _flood(base, token, workers=2)
        _assert_told(refused, dropped, serve.errors)
        assert "53100" in refused[0].json()["error"], refused[0].text
        health = httpx.get(f"{base}/health")
        assert health.status_code == 503 and "53100" in health.json()["problems"]["database"]
        desk.engine.dispose()
        assert acked and set(acked) == _stored(db_url)
        print(f"PostgreSQL disk full: {len(acked)} acknowledged, all stored; "
              f"{len(refused)} refused 503")
    finally:
        desk.engine.dispose()
        with admin.connect() as conn:
            for table in moved:
                conn.execute(text(f"ALTER TABLE {table} SET TABLESPACE pg_default"))
            conn.execute(text("DROP TABLESPACE IF EXISTS sec_full"))
        admin.dispose()
        subprocess.run(["umount", "-l", str(space)], check=False)
        space.rmdir()
