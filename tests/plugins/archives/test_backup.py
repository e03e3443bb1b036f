"""Integrity and backup: `archive verify` catches a tampered file; a backup is approved by
the site manager who did not ask, run once, recorded, masked; the store is closed to
crafted digests (restore, verify, destroy touch nothing outside it)."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from core import directory, tickets
from core.desk import Desk
from core.errors import DomainError
from plugins.archives import backup, retention, service, store
from plugins.archives.models import ArchiveAccess, ArchiveBackup, ArchiveDocument, ArchiveFile
from tests.plugins.archives.conftest import count, counts, paper

PHONE = "13812345678"  # every owner's phone on the test site (tests/conftest.py)


@pytest.fixture
def two_docs(arch: Desk, tmp_path: Path) -> list[dict]:
    service.open_file(arch, "1-1-502", actor="孙丽", at="2026-01-05 10:00")
    return [service.add_document(arch, "1-1-502", paper(tmp_path, n, body), kind=k, title=t,
                                 dated="2026-01-05", actor="孙丽")
            for n, body, k, t in (("a.pdf", b"%PDF a", "household", "登记表"),
                                  ("b.jpg", b"\xff\xd8 jpeg", "move_in", "入住照片"))]


def approved(desk: Desk, folder: Path, unmasked: bool = False) -> int:
    """A backup asked for by the archivist and approved by the site manager."""
    ask = backup.request_backup(desk, str(folder), "月度备份", actor="孙丽",
                                at="2026-11-20 09:00")["id"]
    backup.decide_backup(desk, ask, approve=True, actor="陈静", unmasked=unmasked,
                         at="2026-11-20 09:30")
    return ask


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


# -- the approval ---------------------------------------------------------------------------

def test_the_documented_backup_without_an_approval_says_what_it_needs(
        two_docs: list[dict], run, tmp_path: Path) -> None:
    out = run("--as", "孙丽", "archive", "backup", str(tmp_path / "backups"))
    assert out.exit_code == 2
    assert out.stderr.startswith("error: approval: a backup needs the site manager's "
                                 "approval") and len(out.stderr.splitlines()) == 1
    assert not (tmp_path / "backups").exists()


def test_a_backup_is_asked_approved_by_another_run_once_and_recorded(
        two_docs: list[dict], arch: Desk, run, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    asked = run("--as", "孙丽", "archive", "backup-request", str(folder), "--reason", "月度备份",
                "--at", "2026-11-20 09:00")
    assert asked.exit_code == 0, asked.output
    assert asked.output.startswith("backup request 1: to ") and "项目经理" in asked.output
    early = run("--as", "陈静", "archive", "backup-approve", "1", "--at", "2026-11-20 08:00")
    assert early.exit_code == 2 and early.stderr.startswith("error: at: ")
    by_archivist = run("--as", "周敏", "archive", "backup-approve", "1")
    assert by_archivist.exit_code == 2 and by_archivist.stderr.startswith("error: as: ")
    not_yet = run("--as", "孙丽", "archive", "backup", "--approval", "1")
    assert not_yet.exit_code == 2 and not_yet.stderr.startswith("error: approval: backup 1 "
                                                                "is pending")
    ok = run("--as", "陈静", "archive", "backup-approve", "1", "--at", "2026-11-20 09:30")
    assert ok.exit_code == 0 and ok.output.strip() == "backup 1 approved by 陈静"
    elsewhere = run("--as", "孙丽", "archive", "backup", str(tmp_path / "usb"), "--approval", "1")
    assert elsewhere.exit_code == 2 and elsewhere.stderr.startswith("error: folder: ")
    done = run("--as", "孙丽", "archive", "backup", "--approval", "1")
    assert done.exit_code == 0, done.output
    assert "(2 documents, phones masked)" in done.output
    [zipped] = folder.glob("archive-backup-2026[01][0-9][0-3][0-9]-*.zip")
    again = run("--as", "孙丽", "archive", "backup", "--approval", "1")
    assert again.exit_code == 2 and "it runs once" in again.stderr
    assert list(folder.iterdir()) == [zipped]
    # one access row per document released, naming who ran it and who approved
    log = [r for r in json.loads(run("archive", "access", "1-1-502", "--json").output)
           if r["action"] == "backup"]
    assert sorted(r["document"] for r in log) == sorted(d["id"] for d in two_docs)
    assert {(r["actor"], r["requester"], r["approved_by"], r["backup"]) for r in log} == {
        ("孙丽", "孙丽", "陈静", 1)}
    [row] = json.loads(run("archive", "backups", "--json").output)
    assert (row["status"], row["requested_by"], row["decided_by"], row["run_by"],
            row["destination"], row["path"], row["documents"], row["unmasked"]) == (
        "done", "孙丽", "陈静", "孙丽", str(folder.resolve()), str(zipped), 2, False)
    assert row["run_at"] is not None


def test_nobody_approves_their_own_backup(two_docs: list[dict], arch: Desk, run,
                                          tmp_path: Path) -> None:
    assert run("--as", "陈静", "archive", "backup-request", str(tmp_path)).exit_code == 0
    own = run("--as", "陈静", "archive", "backup-approve", "1")
    assert own.exit_code == 2
    assert own.stderr.strip() == ("error: as: 陈静 asked for backup 1: nobody approves their "
                                  "own request")
    refuse_own = run("--as", "陈静", "archive", "backup-refuse", "1")
    assert refuse_own.exit_code == 2 and refuse_own.stderr.startswith("error: as: ")
    with arch.read() as s:
        assert s.scalar(select(ArchiveBackup.status)) == "pending"
    directory.add_staff(arch, "黄总", "manager", "项目部")
    assert run("--as", "黄总", "archive", "backup-refuse", "1").output.strip() == \
        "backup 1 refused by 黄总"
    refused = run("--as", "陈静", "archive", "backup", "--approval", "1")
    assert refused.exit_code == 2 and "backup 1 is refused" in refused.stderr


def _closed_repair(desk: Desk) -> None:
    """A repair closed at 1-1-502: its handling record (with the owner's phone) is filed."""
    n = tickets.intake(desk, category="repair", unit="1-1-502", summary="厨房水管漏水",
                       by="王芳", at="2026-11-19 09:00")["number"]
    tickets.dispatch(desk, n, "赵强", at="2026-11-19 09:10")
    tickets.start(desk, n, at="2026-11-19 09:20")
    tickets.resolve(desk, n, "更换软管", at="2026-11-19 10:00")
    tickets.report(desk, n, True, at="2026-11-19 10:30")
    tickets.close(desk, n, at="2026-11-19 11:00")


def _zip_text(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())


@pytest.mark.parametrize("unmasked", [False, True])
def test_phones_in_a_backup_are_masked_unless_the_approval_says_so(
        two_docs: list[dict], arch: Desk, tmp_path: Path, unmasked: bool) -> None:
    _closed_repair(arch)
    assert any(d["source"] == "tickets" for d in
               service.show_file(arch, "1-1-502")["contents"]["daily"])
    view = backup.run_backup(arch, approved(arch, tmp_path / "out", unmasked), actor="孙丽")
    body = _zip_text(Path(view["path"]))
    assert view["unmasked"] is unmasked
    assert (PHONE in body) is unmasked
    if not unmasked:
        assert "138****5678" in body
        meta = json.loads(zipfile.ZipFile(view["path"]).read("metadata.json"))
        assert meta["masked"] is True and meta["approval"]["approved_by"] == "陈静"
    assert count(arch, ArchiveAccess) == 3


def test_backup_and_restore_round_trip(two_docs: list[dict], arch: Desk, run,
                                       tmp_path: Path, store_dir: Path) -> None:
    before = service.show_file(arch, "GD-1-1-502")
    zipped = Path(backup.run_backup(arch, approved(arch, tmp_path / "backups"),
                                    actor="孙丽")["path"])
    shutil.rmtree(store_dir)  # lose the content (the access log keeps the documents' rows)
    restored = run("--as", "孙丽", "archive", "restore", str(zipped))
    assert restored.exit_code == 0, restored.output
    assert "0 files, 0 documents, 2 blobs, 0 masked" in restored.output
    after = service.show_file(arch, "GD-1-1-502")
    assert after == before
    assert backup.verify(arch)["problems"] == []
    again = run("--as", "孙丽", "archive", "restore", str(zipped))  # nothing missing now
    assert "0 files, 0 documents, 0 blobs" in again.output


def test_restore_brings_back_files_and_documents(two_docs: list[dict], arch: Desk,
                                                 tmp_path: Path, store_dir: Path) -> None:
    """A database that lost the file entirely (a fresh one) gets it back from the zip."""
    before = service.show_file(arch, "GD-1-1-502")
    zipped = Path(backup.run_backup(arch, approved(arch, tmp_path / "b"), actor="孙丽")["path"])
    meta = json.loads(zipfile.ZipFile(zipped).read("metadata.json"))
    shutil.rmtree(store_dir)
    assert meta["files"][0]["number"] == "GD-1-1-502"
    # the access log is evidence and keeps its rows: emulate a fresh site by a new number
    meta["files"][0]["number"] = "GD-1-1-502-R"
    meta["files"][0]["unit"] = "2-1-301"
    _write(tmp_path / "fresh.zip", meta, {d["sha256"]: b for d, b in
                                         zip(two_docs, (b"%PDF a", b"\xff\xd8 jpeg"),
                                             strict=True)})
    assert backup.restore(arch, tmp_path / "fresh.zip", actor="孙丽") == {
        "files": 1, "documents": 2, "blobs": 2, "masked": 0}
    restored = service.show_file(arch, "GD-1-1-502-R")
    strip = [{k: v for k, v in d.items() if k != "id"} for view in (before, restored)
             for kind in view["contents"].values() for d in kind]
    assert strip[:2] == strip[2:]


def test_backup_refuses_a_broken_store_and_restore_a_bad_file(two_docs: list[dict],
                                                              arch: Desk, tmp_path: Path,
                                                              store_dir: Path) -> None:
    sha = two_docs[0]["sha256"]
    (store_dir / sha[:2] / sha).write_bytes(b"changed")
    ask = approved(arch, tmp_path / "out")
    with pytest.raises(DomainError) as err:
        backup.run_backup(arch, ask, actor="孙丽")
    assert err.value.field == "store"
    assert not (tmp_path / "out").exists() and count(arch, ArchiveAccess) == 0
    junk = paper(tmp_path, "junk.zip", b"not a zip")
    with pytest.raises(DomainError) as err:
        backup.restore(arch, junk)
    assert err.value.field == "path"


# -- the store is closed --------------------------------------------------------------------

def _write(path: Path, meta: dict, blobs: dict[str, bytes], extra: dict[str, bytes] | None
           = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("metadata.json", json.dumps(meta, ensure_ascii=False))
        for sha, data in blobs.items():
            zf.writestr(f"blobs/{sha}", data)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


@pytest.fixture
def sentinel(tmp_path: Path) -> Path:
    """A file outside the store that nothing the archive does may touch."""
    outside = tmp_path / "outside"
    outside.mkdir()
    found = outside / "passwd"
    found.write_bytes(b"root:x:0:0")
    return found


def _crafted(path: Path, sha: str, blobs: dict[str, bytes] | None = None,
             extra: dict[str, bytes] | None = None) -> Path:
    meta = {"format": backup.FORMAT, "files": [{
        "number": "GD-2-1-301", "unit": "2-1-301", "status": "current",
        "importance": "general", "legal_hold": False, "opened_at": "2026-01-05T09:00:00+08:00",
        "documents": [{"sha256": store.digest(b"ok"), "kind": "household", "title": "正常",
                       "date": "2026-01-05T09:00:00+08:00", "source": "desk",
                       "filename": "ok.pdf", "size": 2, "important": False,
                       "destroyed": False},
                      {"sha256": sha, "kind": "household", "title": "伪造",
                       "date": "2026-01-05T09:00:00+08:00", "source": "desk",
                       "filename": "x.pdf", "size": 4, "important": False,
                       "destroyed": False}]}]}
    return _write(path, meta, blobs if blobs is not None else {store.digest(b"ok"): b"ok"},
                  extra)


def test_a_crafted_backup_is_refused_whole_and_touches_nothing(
        two_docs: list[dict], arch: Desk, run, tmp_path: Path, store_dir: Path,
        sentinel: Path) -> None:
    relative = "../../" + str(sentinel.relative_to(tmp_path))
    tables, blobs = counts(arch), sorted(p for p in store_dir.rglob("*"))
    crafted = [
        _crafted(tmp_path / "c1.zip", relative),
        _crafted(tmp_path / "c2.zip", str(sentinel)),
        _crafted(tmp_path / "c3.zip", "A" * 64),  # uppercase: not what digest() makes
        _crafted(tmp_path / "c4.zip", store.digest(b"fine"),
                 extra={"blobs/../../outside/passwd": b"pwned"}),
        _crafted(tmp_path / "c5.zip", store.digest(b"fine"),
                 extra={"../outside/passwd": b"pwned"}),
    ]
    for path in crafted:
        out = run("--as", "孙丽", "archive", "restore", str(path))
        assert out.exit_code == 2, out.output
        assert out.stderr.startswith(f"error: path: {path.name}: "), out.stderr
        assert len(out.stderr.splitlines()) == 1
    assert "documents[1].sha256: not a SHA-256 digest" in run(
        "--as", "孙丽", "archive", "restore", str(crafted[0])).stderr
    assert sentinel.read_bytes() == b"root:x:0:0"
    assert counts(arch) == tables  # nothing written: not the good file, not its document
    assert sorted(p for p in store_dir.rglob("*")) == blobs
    assert not (tmp_path / "outside" / "pwned").exists()


def _planted(desk: Desk, sha: str) -> None:
    """A document row whose digest is a path, as a tampered database would hold it."""
    with desk.write() as s:
        found = s.scalar(select(ArchiveFile))
        s.add(ArchiveDocument(file_id=found.id, kind="daily", title="planted", source="x",
                              dated_at=desk.now(), filename="x.pdf", sha256=sha, size=1,
                              important=False, destroyed=False, recorded_at=desk.now()))


def test_verify_cannot_probe_paths_and_destroy_never_unlinks_outside(
        two_docs: list[dict], arch: Desk, run, tmp_path: Path, store_dir: Path,
        sentinel: Path) -> None:
    _planted(arch, "../../" + str(sentinel.relative_to(tmp_path)))
    _planted(arch, "../../outside/absent")
    there = run("archive", "verify", "--json")
    sentinel_bytes = sentinel.read_bytes()
    sentinel.unlink()
    gone = run("archive", "verify", "--json")
    sentinel.write_bytes(sentinel_bytes)
    assert there.exit_code == gone.exit_code == 1
    assert there.output == gone.output  # the same answer whether the path exists or not
    problems = json.loads(there.output)["problems"]
    assert [p["problem"] for p in problems] == ["invalid digest"] * 2
    assert "passwd" not in there.output and "absent" not in there.output
    # the file is then destroyed: the planted rows go with it, the sentinel stays
    retention.change_household(arch, "1-1-502", "sale", actor="孙丽", at="2026-01-06")
    with arch.write() as s:  # due now (its retention shortened through the database)
        found = s.scalar(select(ArchiveFile))
        found.retain_until = found.changed_at
    retention.approve_destruction(arch, "1-1-502", actor="陈静", at="2026-11-20 09:00")
    assert retention.destroy(arch, "1-1-502", witness="周敏", reason="保管期满",
                             actor="孙丽")["file"] == "GD-1-1-502"
    assert sentinel.read_bytes() == b"root:x:0:0"
    assert not list(store_dir.rglob("*.pdf"))


def test_a_symlink_out_of_the_store_is_refused(two_docs: list[dict], arch: Desk,
                                               store_dir: Path, sentinel: Path) -> None:
    """A valid digest whose folder was replaced by a link elsewhere resolves outside."""
    sha = two_docs[0]["sha256"]
    shutil.rmtree(store_dir / sha[:2])
    (sentinel.parent / sha).write_bytes(b"%PDF a")
    (store_dir / sha[:2]).symlink_to(sentinel.parent, target_is_directory=True)
    assert store.check(store_dir, sha) == "outside the store"
    assert store.get(store_dir, sha) is None
    with pytest.raises(DomainError) as err:
        store.remove(store_dir, sha)
    assert err.value.field == "sha256"
    assert (sentinel.parent / sha).exists() and sentinel.exists()


def test_the_operator_runs_an_approved_backup_as_anyone_would(
        two_docs: list[dict], arch: Desk, tmp_path: Path) -> None:
    view = backup.run_backup(arch, approved(arch, tmp_path / "o"))
    assert view["run_by"] == "operator"
    with arch.read() as s:
        assert {a.actor for a in s.scalars(select(ArchiveAccess))} == {"operator"}
