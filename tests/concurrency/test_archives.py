"""Archives under concurrency: the same decision sent ten times at once takes effect once
(the rest 409 with a JSON body), and a ticket's closing is filed once, in threads and
through `propdesk serve --workers 2`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from core import directory, tickets
from core.desk import Desk
from core.queries import show_ticket
from plugins.archives import access, backup, retention, service
from plugins.archives.models import (
    ArchiveAccess,
    ArchiveBackup,
    ArchiveDestruction,
    ArchiveDocument,
    ArchiveFile,
    ArchiveRequest,
)
from tests.concurrency.conftest import no_server_errors, together

#: server subprocesses / many requests: not in the fast set (`-m "not slow"`)
pytestmark = pytest.mark.slow


@pytest.fixture
def arch(site: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Desk:
    """The site with its archivists and a store folder (the server inherits it)."""
    monkeypatch.setenv("PROPDESK_ARCHIVE_DIR", str(tmp_path / "archive_store"))
    directory.add_staff(site, "孙丽", "archivist", "档案室")
    directory.add_staff(site, "周敏", "archivist", "档案室")
    service.open_file(site, "1-1-502", actor="孙丽", at="2026-01-05 09:00")
    return site


def _count(desk: Desk, model: type, *where: Any) -> int:
    with desk.read() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _loan(desk: Desk) -> int:
    return access.request_access(desk, "GD-1-1-502", purpose="loan", requester="王芳",
                                 reason="核对装修资料", actor="王芳",
                                 at="2026-11-02 09:00")["id"]


def _once(outcomes: list[Any]) -> list[Any]:
    """Exactly one outcome is a result; the rest are 409 refusals. The result."""
    done = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(done) == 1, outcomes
    assert all(getattr(o, "status", None) == 409 for o in refused), refused
    return done


def test_ten_concurrent_loan_approvals_in_threads_approve_once(arch: Desk) -> None:
    request = _loan(arch)
    _once(together(10, lambda i: access.decide(arch, request, approve=True, actor="陈静")))
    with arch.read() as s:
        req = s.get(ArchiveRequest, request)
        assert (req.status, req.decided_by) == ("approved", "陈静")


def test_an_approval_and_a_refusal_at_once_leave_one_decision(arch: Desk) -> None:
    request = _loan(arch)
    outcomes = together(10, lambda i: access.decide(arch, request, approve=i % 2 == 0,
                                                    actor="陈静"))
    [view] = _once(outcomes)
    assert access.list_requests(arch)[0]["status"] == view["status"]


def _lent(desk: Desk) -> int:
    request = _loan(desk)
    access.decide(desk, request, approve=True, actor="陈静", at="2026-11-02 10:00")
    return request


LOAN_STEPS: dict[str, tuple[Callable[[Desk, int], Any], Callable[[Desk, int], Any]]] = {
    "lend": (lambda d, r: None, lambda d, r: access.lend(d, r, actor="孙丽")),
    "return": (lambda d, r: access.lend(d, r, actor="孙丽", at="2026-11-02 11:00"),
               lambda d, r: access.return_loan(d, r, actor="孙丽")),
}


@pytest.mark.parametrize("step", sorted(LOAN_STEPS))
def test_ten_concurrent_loan_steps_take_effect_once(arch: Desk, step: str) -> None:
    request = _lent(arch)
    before, action = LOAN_STEPS[step]
    before(arch, request)
    _once(together(10, lambda i: action(arch, request)))
    assert _count(arch, ArchiveAccess, ArchiveAccess.action == "loan") == 1


@pytest.fixture
def due(arch: Desk) -> Desk:
    """1-1-101 sold in 2020: due for destruction since 2025."""
    service.open_file(arch, "1-1-101", actor="孙丽", at="2018-01-01")
    retention.change_household(arch, "1-1-101", "sale", actor="孙丽", at="2020-06-01")
    return arch


def test_ten_concurrent_destruction_approvals_and_destructions_happen_once(due: Desk) -> None:
    _once(together(10, lambda i: retention.approve_destruction(due, "1-1-101", actor="陈静")))
    _once(together(10, lambda i: retention.destroy(due, "1-1-101", witness="周敏",
                                                   reason="保管期满", actor="孙丽")))
    assert _count(due, ArchiveDestruction) == 1


def test_ten_concurrent_holds_and_changes_take_effect_once(due: Desk) -> None:
    _once(together(10, lambda i: retention.set_hold(due, "1-1-101", True, "纠纷", actor="孙丽")))
    _once(together(10, lambda i: retention.change_household(due, "1-1-502", "move_out",
                                                            actor="孙丽")))


def test_ten_concurrent_backup_approvals_and_runs_take_effect_once(arch: Desk,
                                                                  tmp_path: Path) -> None:
    """The site manager's approval sent ten times at once approves once; the approved
    backup run ten times at once writes one zip and one access row per document."""
    deed = tmp_path / "deed.pdf"
    deed.write_bytes(b"%PDF deed")
    service.add_document(arch, "1-1-502", deed, kind="household", title="房产证", actor="孙丽")
    folder = tmp_path / "backups"
    ask = backup.request_backup(arch, str(folder), actor="孙丽", at="2026-11-20 09:00")["id"]
    _once(together(10, lambda i: backup.decide_backup(arch, ask, approve=True, actor="陈静")))
    with arch.read() as s:
        row = s.get(ArchiveBackup, ask)
        assert (row.status, row.decided_by) == ("approved", "陈静")
    _once(together(10, lambda i: backup.run_backup(arch, ask, actor="孙丽")))
    assert len(list(folder.glob("archive-backup-*.zip"))) == 1
    assert _count(arch, ArchiveAccess, ArchiveAccess.action == "backup") == 1
    assert _count(arch, ArchiveBackup, ArchiveBackup.status == "done") == 1


def test_ten_concurrent_openings_open_one_file(arch: Desk) -> None:
    _once(together(10, lambda i: service.open_file(arch, "2-1-301", actor="孙丽")))
    assert _count(arch, ArchiveFile) == 2


def test_records_offered_at_once_for_a_household_without_a_file_are_all_filed(
        arch: Desk) -> None:
    """Ten different records for one household: one file opens, none is lost."""
    outcomes = together(10, lambda i: service.file_record(arch, {
        "unit": "2-1-301", "title": f"钥匙借用记录 {i}", "source": "keys", "key": f"loan-{i}",
        "data": {"loan": i}}))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert _count(arch, ArchiveFile) == 2
    assert len(service.show_file(arch, "2-1-301")["contents"]["daily"]) == 10


def _reported(desk: Desk) -> str:
    number = tickets.intake(desk, category="repair", summary="厨房水管漏水", unit="1-1-502",
                            by="王芳", actor="王芳", at="2026-11-19 09:00")["number"]
    tickets.dispatch(desk, number, "刘洋", actor="王芳", at="2026-11-19 09:10")
    tickets.start(desk, number, actor="刘洋", at="2026-11-19 09:30")
    tickets.resolve(desk, number, "已更换水管", actor="刘洋", at="2026-11-19 10:00")
    tickets.report(desk, number, True, satisfaction=5, actor="王芳", at="2026-11-19 11:00")
    return number


def _filed(desk: Desk, number: str) -> int:
    return _count(desk, ArchiveDocument, ArchiveDocument.source == "tickets",
                  ArchiveDocument.title.startswith(number))


def test_the_same_closing_announced_ten_times_at_once_is_filed_once(arch: Desk) -> None:
    number = _reported(arch)
    tickets.close(arch, number, actor="王芳")
    closed = show_ticket(arch, number)
    outcomes = together(10, lambda i: service.file_closed_ticket(arch, closed))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert len({o["id"] for o in outcomes}) == 1
    assert _filed(arch, number) == 1


def test_ten_concurrent_closes_in_threads_file_one_record(arch: Desk) -> None:
    number = _reported(arch)
    _once(together(10, lambda i: tickets.close(arch, number, actor="王芳")))
    assert _filed(arch, number) == 1


def test_ten_concurrent_loan_approvals_over_http_approve_once(arch: Desk, serve) -> None:  # noqa: ANN001
    server = serve()
    request = _loan(arch)
    responses = server.post_together(10, f"/archive/requests/{request}/approve",
                                     server.token("陈静"))
    no_server_errors(responses)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 9, codes
    assert {r.json()["field"] for r in responses if r.status_code == 409} == {"request"}
    assert _count(arch, ArchiveRequest, ArchiveRequest.status == "approved") == 1


def test_a_ticket_closed_by_ten_requests_at_once_is_filed_once(arch: Desk, serve) -> None:  # noqa: ANN001
    server = serve()
    number = _reported(arch)
    responses = server.post_together(10, f"/tickets/{number}/close", server.token("王芳"))
    no_server_errors(responses)
    assert sorted(r.status_code for r in responses) == [200] + [409] * 9
    assert _filed(arch, number) == 1

