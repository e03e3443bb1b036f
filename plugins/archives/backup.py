"""Integrity and backup: verify every checksum; a dated zip of content + metadata; restore.

The zip holds `metadata.json` (files, documents, and for the record the requests, access
log and destruction register) and `blobs/<sha256>`. Restore brings back files, documents
and content (a missing or tampered blob is rewritten from the backup); the logs are
append-only evidence and are not rewritten.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core import kit
from plugins.archives import settings, store
from plugins.archives.access import access_report
from plugins.archives.models import ArchiveDocument, ArchiveFile
from plugins.archives.retention import register
from plugins.archives.service import document_view, file_view, locked, require_keeper

FORMAT = "propdesk-archive-backup/1"


def verify(desk: kit.Desk, actor: str | None = None) -> dict[str, Any]:
    """Check every stored document's blob against its SHA-256."""
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
                             "sha256": doc.sha256, "problem": problem})
    return {"checked": len(rows), "problems": problems}


def backup(desk: kit.Desk, folder: str | Path, actor: str | None = None) -> Path:
    """Write `archive-backup-YYYYMMDD-HHMMSS.zip` into the folder; refuses a broken store."""
    with desk.read() as s:
        staff = require_keeper(s, actor, "back up the archive")
    checked = verify(desk, actor)
    if checked["problems"]:
        first = checked["problems"][0]
        raise kit.DomainError("store", f"{len(checked['problems'])} document(s) fail verification "
                          f"(document {first['document']}: {first['problem']}); fix first")
    root = settings.store_dir(desk)
    stamp = desk.now().astimezone(desk.tz)
    with desk.read() as s:
        files = []
        for found in s.scalars(select(ArchiveFile).order_by(ArchiveFile.id)):
            view = file_view(desk, s, found, staff)
            view["documents"] = [document_view(desk, d) | {"recorded_by": d.recorded_by,
                                                        "record_key": d.record_key}
                                 for d in s.scalars(select(ArchiveDocument).where(
                                     ArchiveDocument.file_id == found.id)
                                     .order_by(ArchiveDocument.id))]
            view["access"] = access_report(desk, found.number, actor)
            files.append(view)
    meta = {"format": FORMAT, "site": desk.config.site.code, "at": kit.show(stamp, desk.tz),
            "files": files, "destructions": register(desk, actor)}
    out = Path(folder) / f"archive-backup-{stamp:%Y%m%d-%H%M%S}.zip"
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("metadata.json", json.dumps(meta, ensure_ascii=False, indent=2))
        shas = {d["sha256"] for f in files for d in f["documents"] if not d["destroyed"]}
        for sha in sorted(shas):
            zf.write(store.path_of(root, sha), f"blobs/{sha}")
    return out


def restore(desk: kit.Desk, path: str | Path, actor: str | None = None) -> dict[str, int]:
    """Bring back files, documents and content that are missing; all or nothing."""
    with desk.read() as s:
        require_keeper(s, actor, "restore the archive")
    source = Path(path)
    if not source.is_file():
        raise kit.DomainError("path", f"no such backup: {source}")
    try:
        with zipfile.ZipFile(source) as zf:
            meta = json.loads(zf.read("metadata.json"))
            blobs = {n.removeprefix("blobs/"): zf.read(n) for n in zf.namelist()
                     if n.startswith("blobs/")}
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError) as exc:
        raise kit.DomainError("path", f"{source}: not an archive backup ({exc})") from None
    if meta.get("format") != FORMAT:
        raise kit.DomainError("path", f"{source}: unknown backup format {meta.get('format')!r}")
    for sha, data in blobs.items():
        if store.digest(data) != sha:
            raise kit.DomainError("path", f"{source}: blob {sha[:12]}… fails its checksum")
    counts = {"files": 0, "documents": 0, "blobs": 0}
    with desk.write() as s:
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
    root = settings.store_dir(desk)
    for sha, data in blobs.items():
        if store.check(root, sha):
            store.remove(root, sha)
            store.put(root, data)
            counts["blobs"] += 1
    return counts


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
