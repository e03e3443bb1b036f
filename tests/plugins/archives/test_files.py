"""Files, documents and automatic filing of closed tickets and offered records."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from core import tickets
from core.desk import Desk
from core.errors import DomainError, NotFound
from core.permissions import Forbidden
from core.plugins import notify
from plugins.archives import service
from plugins.archives.models import ArchiveDocument, ArchiveFile
from tests.plugins.archives.conftest import counts, paper


def test_file_number_is_site_code_building_unit(arch: Desk) -> None:
    view = service.open_file(arch, "1-1-502", actor="孙丽")
    assert view["number"] == "GD-1-1-502" and view["status"] == "current"


def test_number_format_from_the_environment(arch: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROPDESK_ARCHIVE_NUMBER_FORMAT", "{site}{building:0>2}{entrance}{room}")
    assert service.open_file(arch, "2-1-301")["number"] == "GD021301"


def test_settings_from_propdesk_toml(arch: Desk, run, tmp_path: Path) -> None:
    """[plugins.archives] in the site file; a bad value stops the site with one line."""
    from core.config import parse_config
    from core.errors import ConfigError
    from plugins.archives import settings

    arch.config = parse_config({"plugins": {"archives": {
        "number_format": "{site}/{building}-{room}", "loan_days": 3,
        "retention": {"important": 15}}}})
    arch.__dict__.pop("plugin_settings", None)  # re-read, as a new process would
    assert service.open_file(arch, "2-1-301")["number"] == "GD/2-301"
    assert settings.loan_days(arch) == 3
    assert settings.retention_years(arch) == {"general": 5, "important": 15}
    for bad, field in [({"number_format": "{flat}"}, "plugins.archives.number_format"),
                       ({"loan_days": 0}, "plugins.archives.loan_days"),
                       ({"retention": {"forever": 1}}, "plugins.archives.retention")]:
        arch.config = parse_config({"plugins": {"archives": bad}})
        arch.__dict__.pop("plugin_settings", None)
        with pytest.raises(ConfigError) as err:
            arch.settings("archives")
        assert err.value.field == field
    toml = tmp_path / "propdesk.toml"
    toml.write_text("[plugins.archives]\nloan_days = 0\n", encoding="utf-8")
    result = run("--config", str(toml), "archive", "list")
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith(
        "error: plugins.archives.loan_days:")


def test_documents_are_listed_by_kind_in_time_order(arch: Desk, tmp_path: Path,
                                                    store_dir: Path) -> None:
    service.open_file(arch, "1-1-502", actor="孙丽")
    later = service.add_document(arch, "GD-1-1-502", paper(tmp_path, "b.pdf", b"b"),
                                 kind="入住资料", title="入住确认书", dated="2026-05-02",
                                 actor="孙丽")
    earlier = service.add_document(arch, "1-1-502", paper(tmp_path, "a.pdf", b"a"),
                                   kind="move_in", title="收楼验房表", dated="2026-05-01",
                                   actor="孙丽")
    view = service.show_file(arch, "GD-1-1-502")
    assert [d["id"] for d in view["contents"]["move_in"]] == [earlier["id"], later["id"]]
    assert (store_dir / earlier["sha256"][:2] / earlier["sha256"]).read_bytes() == b"a"


def test_unknown_household_is_refused_and_nothing_written(arch: Desk, tmp_path: Path) -> None:
    before = counts(arch)
    with pytest.raises(NotFound) as err:
        service.open_file(arch, "9-9-999", actor="孙丽")
    assert err.value.field == "unit"
    with pytest.raises(NotFound) as err:
        service.add_document(arch, "9-9-999", paper(tmp_path), kind="household", title="x")
    assert err.value.field == "file"
    assert counts(arch) == before


def test_only_keepers_add_documents(arch: Desk, tmp_path: Path) -> None:
    service.open_file(arch, "1-1-502")
    before = counts(arch)
    with pytest.raises(Forbidden):
        service.add_document(arch, "1-1-502", paper(tmp_path), kind="household", title="x",
                             actor="王芳")
    with pytest.raises(DomainError) as err:
        service.add_document(arch, "1-1-502", paper(tmp_path), kind="nonsense", title="x")
    assert err.value.field == "kind"
    assert counts(arch) == before


def _close(desk: Desk, category: str, unit: str | None, **extra: str) -> str:
    number = tickets.intake(desk, category=category, summary="楼上噪音扰民", unit=unit,
                            location=None if unit else "中心广场", by="王芳", actor="王芳",
                            at="2026-11-19 09:00", **extra)["number"]
    tickets.dispatch(desk, number, "刘洋", actor="王芳", at="2026-11-19 09:10")
    tickets.start(desk, number, actor="刘洋", at="2026-11-19 09:30")
    tickets.resolve(desk, number, "已协调", actor="刘洋", at="2026-11-19 10:00")
    tickets.report(desk, number, True, satisfaction=5, actor="王芳", at="2026-11-19 11:00")
    tickets.close(desk, number, actor="刘洋", at="2026-11-19 11:30")
    return number


def test_a_closed_complaint_is_filed_automatically(arch: Desk) -> None:
    number = _close(arch, "complaint", "1-1-502", severity="minor")
    view = service.show_file(arch, "1-1-502")  # the file was opened for it
    [doc] = view["contents"]["daily"]
    assert doc["title"].startswith(number) and doc["source"] == "tickets"
    with arch.sessions() as s:
        sha = s.get(ArchiveDocument, doc["id"]).sha256
    from plugins.archives import settings, store

    record = json.loads(store.get(settings.store_dir(arch), sha) or b"")
    assert record["number"] == number and record["state"] == "closed"
    assert [e["kind"] for e in record["events"]][-1] == "closed"


def test_a_follow_up_after_closing_is_filed_too(arch: Desk) -> None:
    from core import followups

    number = _close(arch, "repair", "2-1-301")
    followups.record(arch, number, method="phone", satisfaction=5, actor="王芳",
                     at="2026-11-19 15:00")
    docs = service.show_file(arch, "2-1-301")["contents"]["daily"]
    assert [d["title"] for d in docs] == [f"{number} 楼上噪音扰民",
                                          f"{number} 楼上噪音扰民 回访 follow-up"]
    assert docs[1]["date"] == "2026-11-19T15:00:00+08:00"


def test_inquiries_and_tickets_without_a_unit_are_not_filed(arch: Desk,
                                                            caplog: pytest.LogCaptureFixture
                                                            ) -> None:
    caplog.set_level(logging.INFO, "propdesk.archives")
    _close(arch, "complaint", None, severity="minor")
    _close(arch, "suggestion", "1-1-101")
    assert counts(arch)["ArchiveDocument"] == 0
    assert "has no unit" in caplog.text


def test_a_long_summary_still_files(arch: Desk) -> None:
    service.file_record(arch, {"unit": "1-1-101", "title": "漏" * 300, "source": "keys",
                               "data": {}})
    [doc] = service.show_file(arch, "1-1-101")["contents"]["daily"]
    assert len(doc["title"]) == 200 and doc["title"].endswith("…")


def test_records_offered_by_other_plugins_are_filed(arch: Desk) -> None:
    record = {"unit": "2-1-301", "kind": "daily", "title": "钥匙借用记录",
              "at": "2026-11-19T10:00:00+08:00", "source": "keys", "data": {"loan": 7}}
    desk = arch
    notify(desk, "archive_record_offered", record=record)
    view = service.show_file(arch, "2-1-301")
    assert [(d["title"], d["source"]) for d in view["contents"]["daily"]] == [
        ("钥匙借用记录", "keys")]
    with arch.sessions() as s:
        assert s.query(ArchiveFile).count() == 1
