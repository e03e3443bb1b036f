"""Photos and files on tickets: the closed store, metadata stripped, who may see them."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from core import attachments, directory, hookimpl, tickets, tokens
from core.api.app import create_app
from core.blobstore import BlobStore
from core.desk import Desk
from core.errors import DomainError
from core.queries import show_ticket


def photo(fmt: str = "JPEG", gps: bool = True) -> bytes:
    """A small photo carrying EXIF metadata (camera owner, GPS position) as phones write."""
    img = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x013B] = "owner 13812345678"  # Artist
    if gps:
        exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
    out = io.BytesIO()
    img.save(out, format=fmt, exif=exif)
    return out.getvalue()


@pytest.fixture
def repair(site: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PROPDESK_ATTACHMENTS_DIR", str(tmp_path / "store"))
    directory.add_staff(site, "档案员", "archivist")
    directory.add_staff(site, "孙磊", "technician", "工程部")
    n = tickets.intake(site, category="repair", unit="1-1-502", summary="卫生间漏水",
                       by="王芳", at="2026-11-20 09:00")["number"]
    tickets.dispatch(site, n, "赵强", actor="王芳", at="2026-11-20 09:05")
    return n


def test_a_photo_is_stored_without_its_metadata_and_recorded(site: Desk, repair: str) -> None:
    raw = photo()
    assert b"Exif" in raw and b"13812345678" in raw
    view = attachments.attach(site, repair, "维修前.jpg", raw, note="维修前 before",
                              actor="赵强", at="2026-11-20 09:30")
    meta, data = attachments.fetch(site, view["id"], actor="王芳")
    assert meta["type"] == "image/jpeg" and meta["by"] == "赵强"
    assert b"Exif" not in data and b"13812345678" not in data
    with Image.open(io.BytesIO(data)) as img:
        assert img.size == (64, 48) and not img.getexif()
    events = [e for e in show_ticket(site, repair)["events"] if e["kind"] == "attached"]
    assert events[0]["data"]["sha256"] == meta["sha256"] == view["sha256"]
    again = attachments.attach(site, repair, "copy.jpg", raw, actor="王芳")
    assert again["sha256"] == view["sha256"]  # the same content is stored once


@pytest.mark.parametrize(("name", "data", "field"), [
    ("note.txt", b"hello", "file"),
    ("fake.jpg", b"\xff\xd8\xff" + b"not really a photo" * 10, "file"),
    ("x" * 129 + ".jpg", photo(), "name"),
    ("empty.pdf", b"", "file"),
])
def test_what_is_not_a_photo_or_pdf_is_refused(site: Desk, repair: str, name: str,
                                               data: bytes, field: str) -> None:
    with pytest.raises(DomainError) as refused:
        attachments.attach(site, repair, name, data, actor="王芳")
    assert refused.value.field == field
    assert attachments.listing(site, repair) == []


def test_who_may_attach_and_see(site: Desk, repair: str) -> None:
    with pytest.raises(DomainError) as refused:
        attachments.attach(site, repair, "x.jpg", photo(), actor="孙磊")  # not dispatched to
    assert refused.value.field == "as"
    view = attachments.attach(site, repair, "x.jpg", photo(), actor="赵强")
    for role_name in ("档案员",):
        with pytest.raises(DomainError) as hidden:
            attachments.listing(site, repair, actor=role_name)
        assert hidden.value.status == 403
        with pytest.raises(DomainError):
            attachments.fetch(site, view["id"], actor=role_name)
    with pytest.raises(DomainError) as unknown:
        attachments.listing(site, repair, actor="路人甲")
    assert unknown.value.field == "as"


def test_an_altered_blob_is_told_not_served(site: Desk, repair: str, tmp_path: Path) -> None:
    view = attachments.attach(site, repair, "p.png", photo("PNG", gps=False), actor="王芳")
    blob = attachments.store(site).path(view["sha256"])
    blob.write_bytes(b"tampered")
    with pytest.raises(DomainError) as told:
        attachments.fetch(site, view["id"], actor="王芳")
    assert "altered" in str(told.value)


def test_the_store_refuses_digests_that_are_paths(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "store")
    outside = tmp_path / "secret.txt"
    outside.write_text("keep me")
    for crafted in ("../secret.txt", "../../etc/passwd", "a" * 63, "A" * 64, str(outside)):
        with pytest.raises(DomainError) as refused:
            store.path(crafted)
        assert refused.value.field == "digest"
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "ab").symlink_to(tmp_path)  # a folder pointing out of the store
    with pytest.raises(DomainError, match="outside"):
        store.remove("ab" + "0" * 62)
    assert outside.read_text() == "keep me"


class Offered:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    @hookimpl
    def archive_record_offered(self, record: dict[str, Any]) -> None:
        self.records.append(record)


def test_on_close_the_photos_are_offered_to_the_household_file(site: Desk, repair: str
                                                               ) -> None:
    offered = Offered()
    site.pm.register(offered)
    try:
        attachments.attach(site, repair, "维修后.jpg", photo(), actor="赵强",
                           at="2026-11-20 09:30")
        tickets.start(site, repair, actor="赵强", at="2026-11-20 09:31")
        tickets.resolve(site, repair, "更换软管", actor="赵强", at="2026-11-20 09:40")
        tickets.report(site, repair, satisfied=True, actor="王芳", at="2026-11-20 09:45")
        tickets.close(site, repair, actor="王芳", at="2026-11-20 09:50")
    finally:
        site.pm.unregister(offered)
    assert [r["title"] for r in offered.records] == [f"{repair} 附件 维修后.jpg"]
    assert offered.records[0]["unit"] == "1-1-502"
    with pytest.raises(DomainError) as closed:
        attachments.attach(site, repair, "late.jpg", photo(), actor="王芳")
    assert closed.value.field == "state"


def test_the_command_line(site: Desk, repair: str, run, tmp_path: Path) -> None:
    (tmp_path / "before.jpg").write_bytes(photo())
    out = run("--as", "赵强", "ticket", "attach", repair, str(tmp_path / "before.jpg"),
              "--note", "维修前", "--json")
    assert out.exit_code == 0, out.output
    att = json.loads(out.output)["id"]
    listed = run("ticket", "attachments", repair, "--json")
    assert [r["name"] for r in json.loads(listed.output)] == ["before.jpg"]
    saved = run("ticket", "attachments", repair, "--save", str(att), "-o",
                str(tmp_path / "out.jpg"))
    assert saved.exit_code == 0 and b"Exif" not in (tmp_path / "out.jpg").read_bytes()
    (tmp_path / "big.pdf").write_bytes(b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024))
    big = run("ticket", "attach", repair, str(tmp_path / "big.pdf"))
    assert big.exit_code == 2 and big.output.startswith("error: file:")
    hidden = run("--as", "档案员", "ticket", "attachments", repair)
    assert hidden.exit_code == 2 and hidden.output.startswith("error: as:")


@pytest.fixture
def api(site: Desk, repair: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    keys = {n: tokens.create(site, n)["token"] for n in ("王芳", "赵强", "档案员")}
    with TestClient(create_app(site)) as client:
        yield client, keys


def test_over_http(api, repair: str) -> None:
    client, keys = api
    h = {"Authorization": f"Bearer {keys['赵强']}", "Content-Type": "image/jpeg"}
    r = client.post(f"/tickets/{repair}/attachments", params={"name": "维修前.jpg"},
                    content=photo(), headers=h)
    assert r.status_code == 201, r.text
    got = client.get(f"/attachments/{r.json()['id']}",
                     headers={"Authorization": f"Bearer {keys['王芳']}"})
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in got.headers["content-security-policy"]
    assert b"Exif" not in got.content
    listed = client.get(f"/tickets/{repair}/attachments",
                        headers={"Authorization": f"Bearer {keys['王芳']}"})
    assert [a["name"] for a in listed.json()] == ["维修前.jpg"]
    hidden = client.get(f"/attachments/{r.json()['id']}",
                        headers={"Authorization": f"Bearer {keys['档案员']}"})
    assert hidden.status_code == 403 and hidden.json()["field"] == "as"
    big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)
    too = client.post(f"/tickets/{repair}/attachments", params={"name": "b.pdf"},
                      content=big, headers=h)
    assert too.status_code == 413 and too.json()["field"] == "body"


    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        for _ in range(11):
            yield b"0" * (1024 * 1024)

    streamed = client.post(f"/tickets/{repair}/attachments", params={"name": "c.pdf"},
                           content=chunks(), headers=h)
    assert streamed.status_code == 413 and streamed.json()["field"] == "body"
    bad = client.post(f"/tickets/{repair}/attachments", params={"name": "x.txt"},
                      content=b"hello", headers=h)
    assert bad.status_code == 422 and bad.json()["field"] == "file"
