"""Archive fixtures: a store folder per test, an archivist, and the `archive` CLI group."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from core import directory
from core.desk import Desk


@pytest.fixture(autouse=True)
def store_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "archive_store"
    monkeypatch.setenv("PROPDESK_ARCHIVE_DIR", str(folder))
    for name in ("PROPDESK_ARCHIVE_NUMBER_FORMAT", "PROPDESK_ARCHIVE_RETENTION"):
        monkeypatch.delenv(name, raising=False)
    from core.cli.main import cli
    from plugins.archives.cli import archive

    cli.add_command(archive)
    return folder


@pytest.fixture
def arch(site: Desk) -> Desk:
    """The site plus the archive keeper 孙丽 and a second archivist 周敏 (witness)."""
    directory.add_staff(site, "孙丽", "archivist", "档案室")
    directory.add_staff(site, "周敏", "archivist", "档案室")
    return site


def count(desk: Desk, model: type) -> int:
    with desk.sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def counts(desk: Desk) -> dict[str, int]:
    from plugins.archives.models import MODELS

    return {m.__name__: count(desk, m) for m in MODELS}


def paper(tmp_path: Path, name: str = "deed.pdf", body: bytes = b"%PDF-1.4 deed") -> Path:
    path = tmp_path / name
    path.write_bytes(body)
    return path
