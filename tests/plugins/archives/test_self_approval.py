"""Nobody approves their own request: the site manager who recorded a police letter does
not approve it (the attack in issue 15), an archivist does not approve her own view, the
manager who approved a destruction does not carry it out. CLI and HTTP alike."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from core import directory, tokens
from core.api.app import create_app
from core.desk import Desk
from plugins.archives import retention, service
from plugins.archives.models import ArchiveAccess, ArchiveFile
from tests.plugins.archives.conftest import count, paper

POLICE = ["--kind", "police", "--organisation", "某区公安分局", "--letter", "公函〔2026〕18号",
          "--id-number", "110101198001010011"]


def _filed(desk: Desk, tmp_path: Path) -> None:
    service.open_file(desk, "1-1-502", actor="孙丽", at="2026-01-05 09:00")
    service.add_document(desk, "1-1-502", paper(tmp_path), kind="household", title="房产证",
                         actor="孙丽", dated="2026-01-05")


def test_a_manager_does_not_approve_the_external_request_she_recorded(
        arch: Desk, run, tmp_path: Path) -> None:
    _filed(arch, tmp_path)
    asked = run("--as", "陈静", "archive", "request", "1-1-502", "--purpose", "view",
                "--requester", "刘警官", "--reason", "案件调查", *POLICE,
                "--at", "2026-11-20 09:00")
    assert asked.exit_code == 0, asked.output
    own = run("--as", "陈静", "archive", "approve", "1")
    assert own.exit_code == 2
    assert own.stderr.strip() == ("error: as: 陈静 asked for request 1: nobody approves "
                                  "their own request")
    refused_read = run("--as", "陈静", "archive", "read", "1", "--document", "1")
    assert refused_read.exit_code == 2 and "pending" in refused_read.stderr
    assert count(arch, ArchiveAccess) == 0
    directory.add_staff(arch, "黄总", "manager", "项目部")
    early = run("--as", "黄总", "archive", "approve", "1", "--at", "2026-11-20 08:00")
    assert early.exit_code == 2 and "before the request it approves" in early.stderr
    assert run("--as", "黄总", "archive", "approve", "1").output.strip() == \
        "request 1 approved by 黄总"
    handed = run("--as", "陈静", "archive", "read", "1", "--document", "1")
    assert handed.exit_code == 0 and count(arch, ArchiveAccess) == 1


def test_an_archivist_does_not_approve_her_own_view(arch: Desk, run, tmp_path: Path) -> None:
    _filed(arch, tmp_path)
    assert run("--as", "孙丽", "archive", "request", "1-1-502", "--purpose", "view",
               "--requester", "孙丽", "--reason", "整理").exit_code == 0
    own = run("--as", "孙丽", "archive", "refuse", "1")
    assert own.exit_code == 2 and own.stderr.startswith("error: as: 孙丽 asked for request 1")
    assert run("--as", "周敏", "archive", "approve", "1").exit_code == 0


def test_over_http_the_same_self_approval_is_403(arch: Desk, tmp_path: Path) -> None:
    _filed(arch, tmp_path)
    token = {"Authorization": f"Bearer {tokens.create(arch, '陈静')['token']}"}
    with TestClient(create_app(arch)) as client:
        made = client.post("/archive/files/1-1-502/requests", headers=token, json={
            "purpose": "copy", "requester": "刘警官", "reason": "案件调查",
            "requester_kind": "police", "organisation": "某区公安分局",
            "letter_ref": "公函〔2026〕18号", "id_number": "110101198001010011"})
        assert made.status_code == 201, made.text
        own = client.post(f"/archive/requests/{made.json()['id']}/approve", headers=token)
        assert own.status_code == 403
        assert own.json() == {"field": "as", "error": "陈静 asked for request 1: nobody "
                              "approves their own request"}


def test_the_manager_who_approved_a_destruction_does_not_carry_it_out(
        arch: Desk, run, tmp_path: Path) -> None:
    _filed(arch, tmp_path)
    retention.change_household(arch, "1-1-502", "sale", actor="孙丽", at="2026-01-06")
    with arch.write() as s:  # its retention over (shortened through the database)
        found = s.scalar(select(ArchiveFile))
        found.retain_until = found.changed_at
    assert run("--as", "陈静", "archive", "approve-destruction", "1-1-502").exit_code == 0
    own = run("--as", "陈静", "archive", "destroy", "1-1-502", "--witness", "周敏",
              "--reason", "保管期满")
    assert own.exit_code == 2 and own.stderr.startswith("error: as: 陈静 approved this "
                                                        "destruction")
    done = run("--as", "孙丽", "archive", "destroy", "1-1-502", "--witness", "周敏",
               "--reason", "保管期满")
    assert done.exit_code == 0, done.output
