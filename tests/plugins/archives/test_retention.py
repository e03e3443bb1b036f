"""Retention, legal hold, destruction with approval and witness, the register."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.desk import Desk
from core.errors import DomainError
from core.permissions import Forbidden
from plugins.archives import retention, service
from plugins.archives.models import ArchiveDestruction
from tests.plugins.archives.conftest import count, counts, paper


@pytest.fixture
def former(arch: Desk, tmp_path: Path, store_dir: Path) -> Path:
    """1-1-101 sold in 2020: a general file, kept 5 years, due since 2025."""
    service.open_file(arch, "1-1-101", actor="孙丽", at="2018-01-01")
    doc = service.add_document(arch, "1-1-101", paper(tmp_path), kind="household",
                               title="业户登记表", dated="2018-01-01", actor="孙丽")
    view = retention.change_household(arch, "1-1-101", "出售", actor="孙丽", at="2020-06-01")
    assert view["retain_until"] == "2025-06-01T00:00:00+08:00"
    return store_dir / doc["sha256"][:2] / doc["sha256"]


def _destroy(desk: Desk, **kw: str) -> dict:
    args = {"witness": "周敏", "reason": "保管期满", "actor": "孙丽"}
    return retention.destroy(desk, "GD-1-1-101", **{**args, **kw})


def test_retention_follows_importance(arch: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    service.open_file(arch, "1-1-502", importance="重要", at="2026-01-01")
    service.open_file(arch, "2-1-301", importance="permanent")
    monkeypatch.setenv("PROPDESK_ARCHIVE_RETENTION", "important=15")
    assert retention.change_household(arch, "1-1-502", "move_out",
                                      at="2026-01-10")["retain_until"].startswith("2041-01-10")
    assert retention.change_household(arch, "2-1-301", "sale")["retain_until"] is None


def test_a_legal_hold_blocks_destruction_and_nothing_is_written(arch: Desk, former: Path) -> None:
    retention.approve_destruction(arch, "1-1-101", actor="陈静")
    retention.set_hold(arch, "1-1-101", True, "买卖合同纠纷", actor="孙丽")
    before = counts(arch)
    with pytest.raises(DomainError) as err:
        _destroy(arch)
    assert err.value.field == "file" and "legal hold" in err.value.message
    with pytest.raises(DomainError):
        retention.approve_destruction(arch, "1-1-101", actor="陈静")
    assert counts(arch) == before and former.exists()
    view = service.show_file(arch, "1-1-101")
    assert view["destruction_approved_by"] is None  # the hold voided the approval
    assert retention.audit(arch, "2026-11")["due"] == []  # held files are not due
    retention.set_hold(arch, "1-1-101", False, actor="孙丽")
    assert [f["number"] for f in retention.audit(arch, "2026-11")["due"]] == ["GD-1-1-101"]


def test_destruction_needs_the_manager_and_a_witness(arch: Desk, former: Path) -> None:
    before = counts(arch)
    with pytest.raises(DomainError) as err:
        _destroy(arch)
    assert "has not approved" in err.value.message
    assert counts(arch) == before
    for name in ("孙丽", "刘洋", "王芳"):
        with pytest.raises(Forbidden):
            retention.approve_destruction(arch, "1-1-101", actor=name)
    retention.approve_destruction(arch, "1-1-101", actor="陈静")
    before = counts(arch)
    for witness in ("孙丽", "陈静"):
        with pytest.raises(DomainError) as err:
            _destroy(arch, witness=witness)
        assert err.value.field == "witness"
    with pytest.raises(Forbidden):
        _destroy(arch, actor="王芳")
    assert counts(arch) == before
    entry = _destroy(arch)
    assert (entry["approved_by"], entry["witness"], entry["destroyed_by"]) == ("陈静", "周敏",
                                                                               "孙丽")
    assert [d["title"] for d in entry["documents"]] == ["业户登记表"]
    assert not former.exists()
    assert service.show_file(arch, "1-1-101")["status"] == "destroyed"


def test_a_current_household_is_kept(arch: Desk, tmp_path: Path) -> None:
    service.open_file(arch, "1-1-101", at="2000-01-01")
    with pytest.raises(DomainError) as err:
        retention.approve_destruction(arch, "1-1-101", actor="陈静")
    assert "current" in err.value.message
    assert count(arch, ArchiveDestruction) == 0


def test_the_destruction_register_is_append_only(arch: Desk, former: Path) -> None:
    retention.approve_destruction(arch, "1-1-101", actor="陈静")
    _destroy(arch)
    for sql in ("UPDATE archive_destructions SET witness = 'x'",
                "DELETE FROM archive_destructions"):
        with pytest.raises(DBAPIError), arch.write() as s:
            s.execute(text(sql))
    assert [e["witness"] for e in retention.register(arch)] == ["周敏"]


def test_the_monthly_audit_lists_missing_papers(arch: Desk, tmp_path: Path) -> None:
    service.open_file(arch, "1-1-502")
    service.add_document(arch, "1-1-502", paper(tmp_path), kind="household", title="登记表")
    assert retention.audit(arch, "2026-11")["missing"] == [{"file": "GD-1-1-502",
                                                            "missing": ["move_in"]}]
    with pytest.raises(DomainError) as err:
        retention.audit(arch, "11/2026")
    assert err.value.field == "month"
