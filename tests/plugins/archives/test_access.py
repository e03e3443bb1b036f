"""Access: approval by role and request kind, one access record per read, loans."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.desk import Desk
from core.errors import DomainError
from core.permissions import Forbidden
from plugins.archives import access, retention, service
from plugins.archives.models import ArchiveAccess, ArchiveRequest
from tests.plugins.archives.conftest import count, counts, paper

EXTERNAL = {"organisation": "某区公安分局", "letter_ref": "公函〔2026〕18号",
            "id_number": "110101198001010011"}


@pytest.fixture
def filed(arch: Desk, tmp_path: Path) -> dict[str, int]:
    service.open_file(arch, "1-1-502", actor="孙丽", at="2026-01-05 09:00")
    plain = service.add_document(arch, "1-1-502", paper(tmp_path, "a.pdf", b"plain"),
                                 kind="household", title="业户登记表", actor="孙丽")
    vital = service.add_document(arch, "1-1-502", paper(tmp_path, "b.pdf", b"deed"),
                                 kind="household", title="房产证复印件", important=True,
                                 actor="孙丽")
    return {"plain": plain["id"], "vital": vital["id"]}


def _ask(desk: Desk, purpose: str, kind: str = "internal", document: int | None = None,
         at: str | None = None) -> int:
    extra = EXTERNAL if kind != "internal" else {}
    requester = "王芳" if kind == "internal" else "刘警官"
    return access.request_access(desk, "GD-1-1-502", purpose=purpose, requester=requester,
                                 requester_kind=kind, reason="核实业主信息",
                                 document=document, actor="孙丽", at=at, **extra)["id"]


ROLES = ["孙丽", "陈静", "刘洋", "王芳", "赵强"]  # archivist, manager, supervisor, desk, tech
CASES = [  # (requester kind, purpose, important document?, the one role that approves)
    ("internal", "view", False, "孙丽"), ("internal", "view", True, "孙丽"),
    ("internal", "copy", False, "孙丽"), ("internal", "copy", True, "陈静"),
    ("internal", "loan", False, "陈静"),  # a loan is signed by the site manager (SPEC 6.2)
    *[(kind, purpose, False, "陈静") for kind in ("police", "procuratorate", "court", "lawyer")
      for purpose in ("view", "copy")],
    ("court", "loan", True, "陈静"),
]


@pytest.mark.parametrize(("kind", "purpose", "important", "approver"), CASES)
def test_approval_rules_for_every_role_and_kind(filed: dict[str, int], arch: Desk, kind: str,
                                                purpose: str, important: bool,
                                                approver: str) -> None:
    request = _ask(arch, purpose, kind, filed["vital" if important else "plain"])
    for name in ROLES:
        if name == approver:
            continue
        with pytest.raises(Forbidden):
            access.decide(arch, request, approve=True, actor=name)
    assert access.list_requests(arch)[0]["status"] == "pending"
    assert access.decide(arch, request, approve=True, actor=approver)["decided_by"] == approver


def test_a_copy_of_the_whole_file_with_an_important_paper_needs_the_manager(
        filed: dict[str, int], arch: Desk) -> None:
    request = _ask(arch, "copy")
    assert access.list_requests(arch)[0]["approver_role"] == "manager"
    with pytest.raises(Forbidden):
        access.decide(arch, request, approve=True, actor="孙丽")


def test_an_approval_is_signed_and_not_self_approved(filed: dict[str, int], arch: Desk) -> None:
    with pytest.raises(DomainError) as err:
        access.decide(arch, _ask(arch, "view"), approve=True, actor=None)
    assert err.value.field == "as"
    own = access.request_access(arch, "1-1-502", purpose="view", requester="孙丽",
                                reason="整理", actor="孙丽")["id"]
    with pytest.raises(Forbidden):
        access.decide(arch, own, approve=True, actor="孙丽")
    assert access.decide(arch, own, approve=True, actor="周敏")["status"] == "approved"


def test_without_approval_content_is_refused_even_to_a_manager(filed: dict[str, int],
                                                               arch: Desk) -> None:
    pending = access.request_access(arch, "1-1-502", purpose="view", requester="陈静",
                                    reason="查看", actor="陈静")["id"]
    refused = _ask(arch, "view")
    access.decide(arch, refused, approve=False, actor="孙丽")
    for request, who in ((pending, "陈静"), (refused, "王芳"), (refused, "陈静")):
        with pytest.raises(Forbidden):
            access.read(arch, request, filed["plain"], actor=who)
    assert count(arch, ArchiveAccess) == 0


def test_every_content_read_leaves_exactly_one_access_record(filed: dict[str, int],
                                                             arch: Desk) -> None:
    request = _ask(arch, "copy", document=filed["plain"])
    access.decide(arch, request, approve=True, actor="孙丽")
    for i, action in enumerate(("view", "download", "copy", "view"), start=1):
        _, data = access.read(arch, request, filed["plain"], action=action, actor="王芳")
        assert data == b"plain"
        assert count(arch, ArchiveAccess) == i
    before = counts(arch)
    with pytest.raises(Forbidden):  # another's request, another document: refused, no record
        access.read(arch, request, filed["plain"], actor="李娜")
    with pytest.raises(Forbidden):
        access.read(arch, request, filed["vital"], actor="王芳")
    assert counts(arch) == before
    report = access.access_report(arch, "GD-1-1-502")
    assert [r["action"] for r in report] == ["view", "download", "copy", "view"]
    assert {(r["actor"], r["approved_by"]) for r in report} == {("王芳", "孙丽")}


def test_a_view_approval_does_not_allow_a_copy(filed: dict[str, int], arch: Desk) -> None:
    request = _ask(arch, "view")
    access.decide(arch, request, approve=True, actor="孙丽")
    with pytest.raises(Forbidden):
        access.read(arch, request, filed["plain"], action="copy", actor="王芳")
    assert count(arch, ArchiveAccess) == 0


def test_external_content_is_handed_over_by_a_keeper(filed: dict[str, int], arch: Desk) -> None:
    request = _ask(arch, "copy", "police")
    access.decide(arch, request, approve=True, actor="陈静")
    with pytest.raises(Forbidden):
        access.read(arch, request, filed["vital"], action="copy", actor="王芳")
    access.read(arch, request, filed["vital"], action="copy", actor="孙丽")
    [row] = access.access_report(arch, "1-1-502")
    assert row["organisation"] == "某区公安分局" and row["requester_kind"] == "police"


@pytest.mark.parametrize("missing", ["organisation", "letter_ref", "id_number"])
def test_an_external_request_without_its_papers_is_refused(filed: dict[str, int], arch: Desk,
                                                           missing: str) -> None:
    before = counts(arch)
    with pytest.raises(DomainError) as err:
        access.request_access(arch, "1-1-502", purpose="view", requester="李律师",
                              requester_kind="律师", reason="诉讼",
                              **{**EXTERNAL, missing: " "})
    assert err.value.field == missing
    assert counts(arch) == before


def test_a_loan_is_logged_and_shows_in_the_audit_until_returned(filed: dict[str, int],
                                                               arch: Desk) -> None:
    request = _ask(arch, "借阅", at="2026-11-01 08:30")
    access.decide(arch, request, approve=True, actor="陈静", at="2026-11-01 09:00")
    with pytest.raises(Forbidden):  # the keeper hands a loan out, not the borrower
        access.lend(arch, request, actor="王芳")
    access.lend(arch, request, actor="孙丽", at="2026-11-01 10:00")
    assert count(arch, ArchiveAccess) == 1
    audit = retention.audit(arch, "2026-11")
    assert [loan["request"] for loan in audit["overdue"]] == [request]  # due 11-08, now 11-20
    access.return_loan(arch, request, actor="孙丽")
    assert retention.audit(arch, "2026-11")["open_loans"] == []
    with arch.sessions() as s:
        assert s.get(ArchiveRequest, request).returned_at is not None


def test_the_access_log_is_append_only(filed: dict[str, int], arch: Desk) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    request = _ask(arch, "view")
    access.decide(arch, request, approve=True, actor="孙丽")
    access.read(arch, request, filed["plain"], actor="王芳")
    for sql in ("UPDATE archive_access SET actor = '陈静'", "DELETE FROM archive_access"):
        with pytest.raises(DBAPIError), arch.write() as s:
            s.execute(text(sql))
    assert [r["actor"] for r in access.access_report(arch, "1-1-502")] == ["王芳"]
