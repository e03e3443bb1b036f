"""Photos and files on a ticket (a repair's before/after photos, a signed slip).

The bytes go to a closed content-addressed store (`core.blobstore`), the record and an
`attached` event to the ticket in one unit of work. Only JPEG, PNG and WebP photos and PDF
files are taken, up to `[service] attachment_limit` bytes; photos are decoded and written
anew without their metadata (EXIF: the phone's GPS position, its owner). They are served
only to the roles that see owners' personal data, and offered to the household's archive
when the ticket closes (`archive_record_offered`).
"""

from __future__ import annotations

import io
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import hookimpl, permissions
from core.actions import Action, act, load
from core.blobstore import BlobStore
from core.errors import DomainError, NotFound
from core.models import Attachment, Ticket
from core.times import show

if TYPE_CHECKING:
    from core.desk import Desk

TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP",
         "application/pdf": None}


class TooLarge(DomainError):
    status = 413


def store(desk: Desk) -> BlobStore:
    """`PROPDESK_ATTACHMENTS_DIR`, `[service] attachments_dir`, or `attachments/` beside a
    SQLite database file (else in the working folder)."""
    chosen = os.environ.get("PROPDESK_ATTACHMENTS_DIR") or desk.config.service.attachments_dir
    if chosen:
        return BlobStore(Path(chosen))
    url = desk.engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return BlobStore(Path(url.database).resolve().parent / "attachments")
    return BlobStore(Path("attachments"))


def sniff(data: bytes) -> str:
    """The media type from the bytes themselves (a name or header can lie)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    raise DomainError("file", "only JPEG, PNG and WebP photos and PDF files are accepted")


def clean(data: bytes, media_type: str) -> bytes:
    """A photo decoded and written anew, upright and without metadata; a PDF as it is."""
    fmt = TYPES[media_type]
    if fmt is None:
        return data
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            upright = ImageOps.exif_transpose(img)
            bare = Image.new(upright.mode, upright.size)
            bare.paste(upright)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise DomainError("file", f"not a readable {fmt} image: {exc}") from None
    out = io.BytesIO()
    bare.save(out, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()


EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp",
              "application/pdf": "pdf"}


def attach(desk: Desk, number: str, name: str | None, data: bytes, *, note: str | None = None,
           actor: str | None = None, at: str | datetime | None = None) -> dict[str, Any]:
    """Add a photo or file to an open ticket; the ticket's history says who, when, what.

    Who may is decided before the file is looked at (the desk, or whoever the ticket is
    dispatched to); a name is optional (`attachment.jpg` by its type)."""
    with desk.write() as s:
        staff = permissions.resolve(s, actor)
        permissions.check(staff, "attach", load(s, number), {})
        name = Path(str(name or "").replace("\\", "/")).name.strip()
        if len(name) > 128:
            raise DomainError("name", "at most 128 characters")
        limit = desk.config.service.attachment_limit
        if len(data) > limit:
            raise TooLarge("file", f"{len(data)} bytes: over the limit of {limit} bytes")
        if not data:
            raise DomainError("file", "is empty")
        media_type = sniff(data)
        name = name or f"attachment.{EXTENSIONS[media_type]}"
        content = clean(data, media_type)
        sha = store(desk).put(content)  # content-addressed: a rolled-back unit leaves a blob
        made: list[Attachment] = []

        def body(a: Action) -> None:
            row = Attachment(ticket_id=a.ticket.id, name=name, media_type=media_type,
                             size=len(content), digest=sha, note=note, actor=a.actor, at=a.at)
            a.session.add(row)
            a.session.flush()
            made.append(row)
            a.record("attached", {"attachment": row.id, "name": name, "type": media_type,
                                  "size": len(content), "sha256": sha, "note": note})

        ticket = act(desk, number, "attach", actor, at, {"name": name, "note": note}, body)
        return _view(made[0], ticket["number"], desk)


def _may_see(desk: Desk, actor: str | None) -> None:
    staff = permissions.authorise(desk, actor, None)
    if not permissions.sees_phones(staff):
        assert staff is not None
        raise permissions.Forbidden("as", f"{staff.name} ({staff.role}) may not see "
                                    "customers' photos and files")


def _view(a: Attachment, number: str, desk: Desk) -> dict[str, Any]:
    return {"id": a.id, "ticket": number, "name": a.name, "type": a.media_type,
            "size": a.size, "sha256": a.digest, "note": a.note, "by": a.actor,
            "at": show(a.at, desk.tz)}


def listing(desk: Desk, number: str, actor: str | None = None) -> list[dict[str, Any]]:
    _may_see(desk, actor)
    with desk.read() as s:
        ticket = load(s, number)
        rows = s.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id)
                         .order_by(Attachment.id))
        return [_view(a, ticket.number, desk) for a in rows]


def fetch(desk: Desk, attachment_id: int, actor: str | None = None
          ) -> tuple[dict[str, Any], bytes]:
    """One attachment's record and bytes (verified against its digest)."""
    _may_see(desk, actor)
    with desk.read() as s:
        row = s.get(Attachment, attachment_id)
        if row is None:
            raise NotFound("attachment", f"no attachment {attachment_id}")
        number = s.scalar(select(Ticket.number).where(Ticket.id == row.ticket_id))
        view = _view(row, str(number), desk)
    data = store(desk).get(view["sha256"])
    if data is None:
        raise NotFound("attachment", f"attachment {attachment_id} is missing from the store "
                       "or altered (its checksum does not match)")
    return view, data


@hookimpl
def action_applied(action: Action, name: str, desk: Desk) -> None:
    """On close, each photo and file is offered to the household's archive file."""
    t = action.ticket
    if name != "close" or t.unit is None:
        return
    for a in action.session.scalars(select(Attachment).where(Attachment.ticket_id == t.id)):
        desk.notify("archive_record_offered", record={
            "unit": t.unit.code, "kind": "daily", "title": f"{t.number} 附件 {a.name}",
            "at": show(a.at, desk.tz), "source": "attachments",
            "data": {"ticket": t.number, "name": a.name, "type": a.media_type,
                     "size": a.size, "sha256": a.digest}})
