"""Integrity and backup: verify every checksum; an approved, dated zip; restore.

A backup releases every document of every household, so it is an approved operation like
any other release (业户档案属保密资料): a keeper asks for it naming where it goes
(`request_backup`), the site manager who did not ask approves or refuses it
(`decide_backup`, never dated before the request; `unmasked` only when the approval says
so), and it is run once under that approval (`run_backup`): the run is recorded (who,
when, where to, how many documents) with one access row per document released, in the
unit of work that marks the approval used.

The zip holds `metadata.json` (files, documents, and for the record the requests, access
log and destruction register) and `blobs/<sha256>`; in a masked backup a filed record
(JSON) carries owners' phones masked, under `masked/<sha256>.json` (a reading copy:
restore brings back only `blobs/`). Restore checks the WHOLE backup (every name, digest,
field and blob) before it writes anything; the logs are append-only evidence and are not
rewritten.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import kit
from plugins.archives import settings, store
from plugins.archives.access import access_report, masked_record
from plugins.archives.models import ArchiveAccess, ArchiveBackup, ArchiveDocument, ArchiveFile
from plugins.archives.retention import register
from plugins.archives.service import document_view, file_view, locked, require_keeper

FORMAT = "propdesk-archive-backup/1"
HOW = ("a backup needs the site manager's approval: archive backup-request DIR, "
       "archive backup-approve ID (the manager), then archive backup --approval ID")


def verify(desk: kit.Desk, actor: str | None = None) -> dict[str, Any]:
    """Check every stored document's blob against its SHA-256. A digest that is not one is
    reported as invalid without touching the disk (verify probes nothing outside the
    store)."""
    root = settings.store_dir(desk)
    problems = []
    with desk.read() as s:
        require_keeper(s, actor, "verify the archive")
        rows = s.execute(select(ArchiveDocument, ArchiveFile.number)
                         .join(ArchiveFile, ArchiveFile.id == ArchiveDocument.file_id)
                         .where(ArchiveDocument.destroyed.is_(False))
                         .order_by(ArchiveDocument.id)).all()
    for doc, number in rows:
        problem = store.check(root, doc.sha256)
        if problem:
            problems.append({"file": number, "document": doc.id, "title": doc.title,
                             "sha256": doc.sha256 if store.is_digest(doc.sha256) else None,
                             "problem": problem})
    return {"checked": len(rows), "problems": problems}


# -- the approval -------------------------------------------------------------------------

def request_backup(desk: kit.Desk, destination: str, reason: str = "electronic backup",
                   actor: str | None = None, at: str | None = None) -> dict[str, Any]:
    """A keeper asks for a backup, naming the folder it will be written to."""
    if not destination.strip() or len(destination) > 500 or "\x00" in destination:
        raise kit.DomainError("destination", "name the folder the backup goes to "
                              "(at most 500 characters)")
    if not reason.strip():
        raise kit.DomainError("reason", "a backup request needs a reason")
    where = str(Path(destination.strip()).expanduser().resolve())
    with desk.write() as s:
        staff = require_keeper(s, actor, "ask for a backup")
        row = ArchiveBackup(destination=where, reason=reason.strip(), status="pending",
                            requested_by=staff.name if staff else "operator",
                            requested_at=kit.action_time(desk, at), unmasked=False)
        s.add(row)
        s.flush()
        return backup_view(desk, row)


def decide_backup(desk: kit.Desk, backup_id: int, *, approve: bool, actor: str | None,
                  unmasked: bool = False, at: str | None = None) -> dict[str, Any]:
    """The site manager approves or refuses a pending backup request: never their own,
    never dated before the request; `unmasked` (full phones in the backup) only on an
    approval, and recorded."""
    if unmasked and not approve:
        raise kit.DomainError("unmasked", "only an approval releases phones unmasked")
    with desk.write() as s:
        staff = kit.actor(s, actor)
        if staff is None:
            raise kit.DomainError("as", "an approval is signed: name the site manager (--as)")
        kit.require(staff, "decide a backup: the site manager (项目经理) does", {"manager"})
        row = _backup(s, backup_id)
        if row.requested_by == staff.name:
            raise kit.Forbidden("as", f"{staff.name} asked for backup {row.id}: nobody "
                                "approves their own request")
        if row.status != "pending":
            raise kit.TransitionRefused("backup", f"backup {row.id} is already {row.status}"
                                        f" (by {row.decided_by})")
        row.decided_at = kit.action_time(desk, at, not_before=row.requested_at,
                                         what="the request it approves")
        row.status = "approved" if approve else "refused"
        row.decided_by, row.unmasked = staff.name, bool(approve and unmasked)
        return backup_view(desk, row)


def list_backups(desk: kit.Desk, actor: str | None = None) -> list[dict[str, Any]]:
    with desk.read() as s:
        require_keeper(s, actor, "list backups")
        return [backup_view(desk, b)
                for b in s.scalars(select(ArchiveBackup).order_by(ArchiveBackup.id))]


def backup_view(desk: kit.Desk, row: ArchiveBackup) -> dict[str, Any]:
    tz = desk.tz
    return {"id": row.id, "destination": row.destination, "reason": row.reason,
            "status": row.status, "requested_by": row.requested_by,
            "requested_at": kit.show(row.requested_at, tz), "decided_by": row.decided_by,
            "decided_at": kit.show(row.decided_at, tz), "unmasked": row.unmasked,
            "run_by": row.run_by, "run_at": kit.show(row.run_at, tz), "path": row.path,
            "documents": row.documents}


def _backup(s: Session, backup_id: int) -> ArchiveBackup:
    row = locked(s, ArchiveBackup, backup_id)
    if row is None:
        raise kit.NotFound("approval", f"no backup request {backup_id}")
    return row


# -- the run ------------------------------------------------------------------------------

def run_backup(desk: kit.Desk, approval: int | None, folder: str | Path | None = None,
               actor: str | None = None) -> dict[str, Any]:
    """Write `archive-backup-YYYYMMDD-HHMMSS.zip` into the approved folder, once; refuses
    a broken store. One access row per document released, the run recorded."""
    with desk.read() as s:
        require_keeper(s, actor, "back up the archive")
    if approval is None:
        raise kit.DomainError("approval", HOW)
    checked = verify(desk, actor)
    if checked["problems"]:
        first = checked["problems"][0]
        raise kit.DomainError("store", f"{len(checked['problems'])} document(s) fail verification "
                          f"(document {first['document']}: {first['problem']}); fix first")
    root = settings.store_dir(desk)
    out: Path | None = None
    done = False
    try:
        with desk.write() as s:
            staff = require_keeper(s, actor, "back up the archive")
            row = _backup(s, approval)
            if row.status != "approved":
                raise kit.TransitionRefused("approval", f"backup {row.id} is {row.status}"
                                            + (f" (run by {row.run_by})" if row.run_by else "")
                                            + ": " + ("it runs once" if row.status == "done"
                                                      else HOW))
            where = Path(row.destination)
            if folder is not None and Path(folder).expanduser().resolve() != where:
                raise kit.DomainError("folder", f"backup {row.id} was approved for {where}, "
                                      f"not {folder}")
            moment = desk.now()
            meta, blobs, released = _contents(desk, s, row.unmasked, actor)
            meta["at"] = kit.show(moment, desk.tz)
            meta["approval"] = {"id": row.id, "requested_by": row.requested_by,
                                "approved_by": row.decided_by, "unmasked": row.unmasked}
            target = where / f"archive-backup-{moment.astimezone(desk.tz):%Y%m%d-%H%M%S}.zip"
            if target.exists():
                raise kit.Conflict("approval", f"{target} already exists")
            where.mkdir(parents=True, exist_ok=True)
            out = target
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr("metadata.json", json.dumps(meta, ensure_ascii=False, indent=2))
                for name, sha in blobs:
                    data = store.get(root, sha)
                    if data is None:
                        raise kit.DomainError("store", f"blob {sha[:12]}… went missing")
                    zf.writestr(name, data if name.startswith("blobs/") else
                                masked_record(data))
            who = staff.name if staff else "operator"
            s.add_all(ArchiveAccess(file_id=file_id, request_id=None, backup_id=row.id,
                                    document_id=doc_id, action="backup", actor=who,
                                    at=moment) for file_id, doc_id in released)
            row.status, row.run_by, row.run_at = "done", who, moment
            row.path, row.documents = str(out), len(released)
            view = backup_view(desk, row)
        done = True
    finally:  # a run that did not commit leaves no zip behind
        if not done and out is not None:
            out.unlink(missing_ok=True)
    return view


def _contents(desk: kit.Desk, s: Session, unmasked: bool, actor: str | None
              ) -> tuple[dict[str, Any], list[tuple[str, str]],
                                          list[tuple[int, int]]]:
    """The metadata, the zip names of the blobs, and (file, document) of each released."""
    files, names, released = [], {}, []
    for found in s.scalars(select(ArchiveFile).order_by(ArchiveFile.id)):
        view = file_view(desk, s, found)  # in full, then masked unless approved unmasked
        if not unmasked:
            view["owner_phone"] = kit.mask_phone(view["owner_phone"])
        docs = list(s.scalars(select(ArchiveDocument).where(ArchiveDocument.file_id == found.id)
                              .order_by(ArchiveDocument.id)))
        view["documents"] = [document_view(desk, d) | {"recorded_by": d.recorded_by,
                                                       "record_key": d.record_key}
                             for d in docs]
        view["access"] = access_report(desk, found.number, actor)
        files.append(view)
        for d in docs:
            if d.destroyed:
                continue
            released.append((found.id, d.id))
            masked = not unmasked and d.filename.endswith(".json")
            names[f"masked/{d.sha256}.json" if masked else f"blobs/{d.sha256}"] = d.sha256
    meta = {"format": FORMAT, "site": desk.config.site.code, "masked": not unmasked,
            "files": files, "destructions": register(desk, actor)}
    return meta, sorted(names.items()), released


def backup(desk: kit.Desk, folder: str | Path | None = None, actor: str | None = None,
           approval: int | None = None) -> Path:
    """The documented `archive backup [DIR]`, now under an approval: the zip's path."""
    return Path(run_backup(desk, approval, folder, actor)["path"])


# -- restore ------------------------------------------------------------------------------

def restore(desk: kit.Desk, path: str | Path, actor: str | None = None) -> dict[str, int]:
    """Bring back files, documents and content that are missing; all or nothing. The
    whole backup is checked first: nothing is written unless every part of it is sound."""
    with desk.read() as s:
        require_keeper(s, actor, "restore the archive")
    source = Path(path)
    if not source.is_file():
        raise kit.DomainError("path", f"no such backup: {source}")
    try:
        with zipfile.ZipFile(source) as zf:
            meta = json.loads(zf.read("metadata.json"))
            names = zf.namelist()
            _check_names(source, names)
            blobs = {n.removeprefix("blobs/"): zf.read(n) for n in names
                     if n.startswith("blobs/")}
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise kit.DomainError("path", f"{source.name}: not an archive backup ({exc})") from None
    _check_meta(desk, source, meta)
    for sha, data in blobs.items():
        if store.digest(data) != sha:
            raise kit.DomainError("path", f"{source.name}: blob {sha[:12]}… fails its checksum")
    counts = {"files": 0, "documents": 0, "blobs": 0, "masked": 0}
    with desk.write() as s:
        require_keeper(s, actor, "restore the archive")
        for item in meta["files"]:  # every household exists before anything is added
            kit.get_unit(s, item["unit"])
        keys = set(s.scalars(select(ArchiveDocument.record_key)
                             .where(ArchiveDocument.record_key.is_not(None))))
        for item in meta["files"]:
            found = s.scalar(select(ArchiveFile).where(ArchiveFile.number == item["number"]))
            if found is None:
                found = _restore_file(desk, s, item)
                counts["files"] += 1
            else:
                found = locked(s, ArchiveFile, found.id) or found
            have = {(d.sha256, d.title) for d in s.scalars(
                select(ArchiveDocument).where(ArchiveDocument.file_id == found.id))}
            for doc in item["documents"]:
                if (doc["sha256"], doc["title"]) in have or doc.get("record_key") in keys:
                    continue
                s.add(ArchiveDocument(
                    file_id=found.id, kind=doc["kind"], title=doc["title"],
                    dated_at=kit.parse_time(doc["date"], desk.tz, "date"), source=doc["source"],
                    filename=doc["filename"], sha256=doc["sha256"], size=doc["size"],
                    important=doc["important"], destroyed=doc["destroyed"],
                    recorded_by=doc.get("recorded_by"), recorded_at=desk.now(),
                    record_key=doc.get("record_key")))
                counts["documents"] += 1
                if not doc["destroyed"] and doc["sha256"] not in blobs:
                    counts["masked"] += 1
    root = settings.store_dir(desk)
    for sha, data in blobs.items():
        if store.check(root, sha):
            store.remove(root, sha)
            store.put(root, data)
            counts["blobs"] += 1
    return counts


def _check_names(source: Path, names: list[str]) -> None:
    for name in names:
        if name == "metadata.json":
            continue
        kind, _, rest = name.partition("/")
        ok = ((kind == "blobs" and store.is_digest(rest))
              or (kind == "masked" and rest.endswith(".json")
                  and store.is_digest(rest.removesuffix(".json"))))
        if not ok:
            raise kit.DomainError("path", f"{source.name}: unexpected entry {name[:80]!r} "
                                  "(only metadata.json, blobs/<sha256>, masked/<sha256>.json)")


STATUSES = ("current", "former", "destroyed")


def _check_meta(desk: kit.Desk, source: Path, meta: Any) -> None:
    """Every field restore will write, checked before anything is: one line naming where."""
    def bad(where: str, what: str) -> kit.DomainError:
        return kit.DomainError("path", f"{source.name}: {where}: {what}")

    def text(where: str, value: Any, limit: int, optional: bool = False) -> None:
        if value is None and optional:
            return
        if not isinstance(value, str) or not value.strip() or len(value) > limit \
                or "\x00" in value:
            raise bad(where, f"expected text of at most {limit} characters")

    def time(where: str, value: Any, optional: bool = False) -> None:
        if value is None and optional:
            return
        try:
            kit.parse_time(value, desk.tz, "date")
        except (kit.DomainError, TypeError, ValueError):
            raise bad(where, "expected an ISO 8601 time") from None

    def flag(where: str, value: Any) -> None:
        if not isinstance(value, bool):
            raise bad(where, "expected true or false")

    if not isinstance(meta, dict):
        raise bad("metadata.json", "not an object")
    if meta.get("format") != FORMAT:
        raise bad("format", f"unknown backup format {str(meta.get('format'))[:40]!r}")
    if not isinstance(meta.get("files"), list):
        raise bad("files", "expected a list")
    for i, item in enumerate(meta["files"]):
        at = f"files[{i}]"
        if not isinstance(item, dict):
            raise bad(at, "expected an object")
        text(f"{at}.number", item.get("number"), 64)
        text(f"{at}.unit", item.get("unit"), 32)
        if item.get("status") not in STATUSES:
            raise bad(f"{at}.status", f"one of {', '.join(STATUSES)}")
        if item.get("importance") not in settings.IMPORTANCE:
            raise bad(f"{at}.importance", "general, important or permanent")
        flag(f"{at}.legal_hold", item.get("legal_hold"))
        time(f"{at}.opened_at", item.get("opened_at"))
        for key in ("changed_at", "retain_until"):
            time(f"{at}.{key}", item.get(key), optional=True)
        for key, limit in (("change_reason", 16), ("hold_reason", 2000)):
            text(f"{at}.{key}", item.get(key), limit, optional=True)
        if not isinstance(item.get("documents"), list):
            raise bad(f"{at}.documents", "expected a list")
        for j, doc in enumerate(item["documents"]):
            where = f"{at}.documents[{j}]"
            if not isinstance(doc, dict):
                raise bad(where, "expected an object")
            if not store.is_digest(doc.get("sha256")):
                raise bad(f"{where}.sha256", "not a SHA-256 digest (64 lowercase hex digits)")
            if doc.get("kind") not in settings.KINDS:
                raise bad(f"{where}.kind", "not a document kind")
            for key, limit in (("title", 200), ("source", 64), ("filename", 200)):
                text(f"{where}.{key}", doc.get(key), limit)
            time(f"{where}.date", doc.get("date"))
            size = doc.get("size")
            if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size < 2**31:
                raise bad(f"{where}.size", "expected a whole number of bytes")
            flag(f"{where}.important", doc.get("important"))
            flag(f"{where}.destroyed", doc.get("destroyed"))
            text(f"{where}.record_key", doc.get("record_key"), 128, optional=True)
            text(f"{where}.recorded_by", doc.get("recorded_by"), 64, optional=True)


def _restore_file(desk: kit.Desk, s: Any, item: dict[str, Any]) -> ArchiveFile:
    unit = kit.get_unit(s, item["unit"])

    def at(key: str) -> Any:
        return kit.parse_time(item[key], desk.tz, key) if item.get(key) else None

    found = ArchiveFile(number=item["number"], unit_id=unit.id, status=item["status"],
                        importance=item["importance"], opened_at=at("opened_at"),
                        changed_at=at("changed_at"), change_reason=item.get("change_reason"),
                        retain_until=at("retain_until"), legal_hold=item["legal_hold"],
                        hold_reason=item.get("hold_reason"))
    s.add(found)
    s.flush()
    return found
