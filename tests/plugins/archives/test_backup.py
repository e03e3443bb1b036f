"""Integrity: `archive verify` catches a tampered file; backup and restore round-trip."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import delete

from core.desk import Desk
from core.errors import DomainError
from plugins.archives import backup, service
from plugins.archives.models import ArchiveDocument, ArchiveFile
from tests.plugins.archives.conftest import paper


@pytest.fixture
def two_docs(arch: Desk, tmp_path: Path) -> list[dict]:
    service.open_file(arch, "1-1-502", actor="孙丽", at="2026-01-05 10:00")
    return [service.add_document(arch, "1-1-502", paper(tmp_path, n, body), kind=k, title=t,
                                 dated="2026-01-05", actor="孙丽")
            for n, body, k, t in (("a.pdf", b"%PDF a", "household", "登记表"),
                                  ("b.jpg", b"\xff\xd8 jpeg", "move_in", "入住照片"))]


def test_verify_catches_a_tampered_file(two_docs: list[dict], run, store_dir: Path) -> None:
    ok = run("archive", "verify")
    assert ok.exit_code == 0 and "2 documents checked, 0 problems" in ok.output
    sha = two_docs[1]["sha256"]
    (store_dir / sha[:2] / sha).write_bytes(b"\xff\xd8 edited")
    bad = run("archive", "verify")
    assert bad.exit_code == 1
    assert f"document {two_docs[1]['id']} 入住照片: checksum mismatch" in bad.output
    (store_dir / sha[:2] / sha).unlink()
    assert "missing" in run("archive", "verify").output


def test_backup_and_restore_round_trip(two_docs: list[dict], arch: Desk, run,
                                       tmp_path: Path, store_dir: Path) -> None:
    before = service.show_file(arch, "GD-1-1-502")
    out = run("--as", "孙丽", "archive", "backup", str(tmp_path / "backups"))
    assert out.exit_code == 0, out.output
    [zipped] = (tmp_path / "backups").glob("archive-backup-2026[01][0-9][0-3][0-9]-*.zip")
    shutil.rmtree(store_dir)  # lose the content and the metadata
    with arch.write() as s:
        s.execute(delete(ArchiveDocument))
        s.execute(delete(ArchiveFile))
    restored = run("--as", "孙丽", "archive", "restore", str(zipped))
    assert restored.exit_code == 0, restored.output
    assert "1 files, 2 documents, 2 blobs" in restored.output
    after = service.show_file(arch, "GD-1-1-502")
    strip = [{k: v for k, v in d.items() if k != "id"} for docs in
             (before, after) for kind in docs["contents"].values() for d in kind]
    assert strip[:2] == strip[2:]
    assert {k: v for k, v in after.items() if k != "contents"} == {
        k: v for k, v in before.items() if k != "contents"}
    assert backup.verify(arch)["problems"] == []
    again = run("--as", "孙丽", "archive", "restore", str(zipped))  # nothing missing now
    assert "0 files, 0 documents, 0 blobs" in again.output


def test_backup_refuses_a_broken_store_and_restore_a_bad_file(two_docs: list[dict],
                                                              arch: Desk, tmp_path: Path,
                                                              store_dir: Path) -> None:
    sha = two_docs[0]["sha256"]
    (store_dir / sha[:2] / sha).write_bytes(b"changed")
    with pytest.raises(DomainError) as err:
        backup.backup(arch, tmp_path / "out")
    assert err.value.field == "store"
    junk = paper(tmp_path, "junk.zip", b"not a zip")
    with pytest.raises(DomainError) as err:
        backup.restore(arch, junk)
    assert err.value.field == "path"
