"""One rule, one place: refusals decided by the services reach the CLI's `--as` and the API
token with the same message; an unknown `--as` is refused on every command; times follow
the one rule; owners' phones are masked for roles that do not see them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core import directory, tickets, tokens
from core.api.app import create_app
from core.desk import Desk
from core.errors import DomainError
from core.permissions import Forbidden
from plugins.archives import access, retention, service
from plugins.archives.cli import archive
from tests.plugins.archives.conftest import counts, paper


@pytest.fixture
def filed(arch: Desk, tmp_path: Path) -> Desk:
    """1-1-502's file with one document and a loan request (the manager's to sign), and
    1-1-101's file, sold in 2020 and due for destruction."""
    directory.add_staff(arch, "集成商", "integrator", None)
    service.open_file(arch, "1-1-502", actor="孙丽", at="2026-01-05 09:00")
    service.add_document(arch, "1-1-502", paper(tmp_path), kind="household", title="登记表",
                         dated="2026-01-05", actor="孙丽")
    access.request_access(arch, "1-1-502", purpose="loan", requester="王芳", reason="核对",
                          actor="王芳", at="2026-11-10 09:00")
    service.open_file(arch, "1-1-101", actor="孙丽", at="2018-01-01")
    retention.change_household(arch, "1-1-101", "sale", actor="孙丽", at="2020-06-01")
    return arch


@pytest.fixture
def client(filed: Desk) -> Iterator[TestClient]:
    with TestClient(create_app(filed)) as c:
        yield c


def _token(desk: Desk, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.create(desk, name)['token']}"}


#: (who, CLI arguments, HTTP method and path, JSON body, the service's refusal)
REFUSALS = [
    ("王芳", ["archive", "show", "GD-1-1-502"], ("GET", "/archive/files/GD-1-1-502"), None,
     "王芳 (frontdesk) may not read household files (archivist or manager only)"),
    ("赵强", ["archive", "list"], ("GET", "/archive/files"), None,
     "赵强 (technician) may not read household files (archivist or manager only)"),
    ("刘洋", ["archive", "access", "1-1-502"], ("GET", "/archive/files/1-1-502/access"), None,
     "刘洋 (supervisor) may not read a file's access log (archivist or manager only)"),
    ("王芳", ["archive", "requests"], ("GET", "/archive/requests"), None,
     "王芳 (frontdesk) may not list access requests (archivist or manager only)"),
    ("王芳", ["archive", "audit", "2026-11"], ("GET", "/archive/audit/2026-11"), None,
     "王芳 (frontdesk) may not run the archive audit (archivist or manager only)"),
    ("王芳", ["archive", "verify"], ("GET", "/archive/verify"), None,
     "王芳 (frontdesk) may not verify the archive (archivist or manager only)"),
    ("集成商", ["archive", "request", "1-1-502", "--purpose", "view", "--requester", "王芳",
             "--reason", "x"], ("POST", "/archive/files/1-1-502/requests"),
     {"purpose": "view", "requester": "王芳", "reason": "x"},
     "集成商 (integrator) may not ask for a household's file (site staff only)"),
    ("集成商", ["archive", "read", "1", "--document", "1"], ("POST", "/archive/requests/1/read"),
     {"document": 1}, "集成商 (integrator) may not read household files (site staff only)"),
    ("王芳", ["archive", "lend", "1"], ("POST", "/archive/requests/1/lend"), None,
     "王芳 (frontdesk) may not hand out a loan (archivist or manager only)"),
    ("王芳", ["archive", "approve", "1"], ("POST", "/archive/requests/1/approve"), None,
     "王芳 (frontdesk) may not decide access requests (archivist or manager only)"),
    ("孙丽", ["archive", "approve", "1"], ("POST", "/archive/requests/1/approve"), None,
     "孙丽 (archivist) may not decide request 1: it needs the 项目经理 site manager"),
    ("王芳", ["archive", "change", "1-1-502", "--reason", "sale"],
     ("POST", "/archive/files/1-1-502/change"), {"reason": "sale"},
     "王芳 (frontdesk) may not record a household change (archivist or manager only)"),
    ("王芳", ["archive", "hold", "1-1-101", "--reason", "纠纷"],
     ("POST", "/archive/files/1-1-101/hold"), {"reason": "纠纷"},
     "王芳 (frontdesk) may not place or lift a legal hold (archivist or manager only)"),
    ("孙丽", ["archive", "approve-destruction", "1-1-101"],
     ("POST", "/archive/files/1-1-101/approve-destruction"), None,
     "孙丽 (archivist) may not approve a destruction: the site manager does"),
    ("刘洋", ["archive", "destroy", "1-1-101", "--witness", "周敏", "--reason", "期满"],
     ("POST", "/archive/files/1-1-101/destroy"), {"witness": "周敏", "reason": "期满"},
     "刘洋 (supervisor) may not destroy a file (archivist or manager only)"),
]


@pytest.mark.parametrize(("who", "args", "route", "body", "message"), REFUSALS,
                         ids=[f"{r[1][1]}-{r[0]}" for r in REFUSALS])
def test_a_refusal_is_the_services_for_the_cli_and_the_api(
        filed: Desk, client: TestClient, run, who: str, args: list[str],
        route: tuple[str, str], body: dict | None, message: str) -> None:
    before = counts(filed)
    result = run("--as", who, *args)
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines()[-1] == f"error: as: {message}"
    method, path = route
    answer = client.request(method, path, headers=_token(filed, who), json=body)
    assert answer.status_code == 403, answer.text
    assert answer.json() == {"field": "as", "error": message}
    assert counts(filed) == before


def _every_command() -> list[list[str]]:
    """Each `archive` subcommand with arguments that would otherwise be valid enough."""
    extra = {"open": ["2-1-301"], "add": ["1-1-502", "deed.pdf", "--kind", "household",
                                          "--title", "x"],
             "show": ["1-1-502"], "request": ["1-1-502", "--purpose", "view", "--requester",
                                             "王芳", "--reason", "x"],
             "approve": ["1"], "refuse": ["1"], "read": ["1", "--document", "1"],
             "lend": ["1"], "return": ["1"], "access": ["1-1-502"],
             "change": ["1-1-502", "--reason", "sale"], "hold": ["1-1-502", "--reason", "x"],
             "release": ["1-1-502"], "approve-destruction": ["1-1-101"],
             "destroy": ["1-1-101", "--witness", "周敏", "--reason", "x"],
             "audit": ["2026-11"], "backup": ["out"], "restore": ["backup.zip"],
             "backup-request": ["out"], "backup-approve": ["1"], "backup-refuse": ["1"]}
    return [[name, *extra.get(name, [])] for name in sorted(archive.commands)]


@pytest.mark.parametrize("args", _every_command(), ids=lambda a: a[0])
def test_an_unknown_as_is_refused_on_every_archive_command(filed: Desk, run, tmp_path: Path,
                                                           args: list[str]) -> None:
    paper(tmp_path)
    before = counts(filed)
    result = run("--as", "无名氏", "archive", *args)
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines()[-1] == "error: as: no staff member '无名氏'"
    assert counts(filed) == before


def test_an_approval_is_never_dated_before_its_request(filed: Desk, run) -> None:
    with pytest.raises(DomainError) as err:
        access.decide(filed, 1, approve=True, actor="陈静", at="2026-11-10 08:59")
    assert err.value.field == "at" and "before the request it approves" in err.value.message
    result = run("--as", "陈静", "archive", "approve", "1", "--at", "2026-11-09 10:00")
    assert result.exit_code == 2
    assert "is before the request it approves (2026-11-10T09:00+08:00)" in result.output
    assert access.list_requests(filed)[0]["status"] == "pending"
    later = access.decide(filed, 1, approve=True, actor="陈静", at="2026-11-10 09:30")
    assert later["due_back"] == "2026-11-17T09:30:00+08:00"


def test_every_step_after_the_approval_keeps_to_time(filed: Desk) -> None:
    access.decide(filed, 1, approve=True, actor="陈静", at="2026-11-10 09:30")
    for step in (lambda: access.lend(filed, 1, actor="孙丽", at="2026-11-10 09:00"),
                 lambda: access.read(filed, 1, 1, actor="王芳", at="2026-11-10 09:00"),
                 lambda: access.lend(filed, 1, actor="孙丽", at="2026-11-21 10:00")):  # future
        with pytest.raises(DomainError) as err:
            step()
        assert err.value.field == "at"
    access.lend(filed, 1, actor="孙丽", at="2026-11-10 10:00")
    with pytest.raises(DomainError, match="before the loan it ends"):
        access.return_loan(filed, 1, actor="孙丽", at="2026-11-10 09:45")
    with pytest.raises(DomainError, match="before the file's last event"):
        retention.change_household(filed, "1-1-502", "sale", actor="孙丽", at="2025-12-31")


def test_a_repeated_decision_is_a_conflict(filed: Desk) -> None:
    access.decide(filed, 1, approve=True, actor="陈静")
    with pytest.raises(DomainError) as err:
        access.decide(filed, 1, approve=False, actor="陈静")
    assert err.value.status == 409 and "already approved (by 陈静)" in err.value.message


def test_owners_phones_are_masked_for_roles_that_do_not_see_them(filed: Desk,
                                                                 client: TestClient) -> None:
    assert service.show_file(filed, "1-1-502", actor="孙丽")["owner_phone"] == "138****5678"
    assert service.show_file(filed, "1-1-502", actor="陈静")["owner_phone"] == "13812345678"
    assert service.show_file(filed, "1-1-502")["owner_phone"] == "13812345678"  # operator
    got = client.get("/archive/files/1-1-502", headers=_token(filed, "孙丽")).json()
    assert got["owner_phone"] == "138****5678"


def test_a_filed_ticket_record_shows_the_phone_only_to_roles_that_see_it(filed: Desk) -> None:
    number = tickets.intake(filed, category="repair", summary="水管漏水", unit="1-1-502",
                            by="王芳", actor="王芳", at="2026-11-19 09:00")["number"]
    tickets.dispatch(filed, number, "刘洋", actor="王芳", at="2026-11-19 09:10")
    tickets.start(filed, number, actor="刘洋", at="2026-11-19 09:30")
    tickets.resolve(filed, number, "已修", actor="刘洋", at="2026-11-19 10:00")
    tickets.report(filed, number, True, actor="王芳", at="2026-11-19 11:00")
    tickets.close(filed, number, actor="王芳", at="2026-11-19 11:30")
    [record] = service.show_file(filed, "1-1-502")["contents"]["daily"]
    contents = {}
    for reader, approver in (("孙丽", "周敏"), ("陈静", "孙丽")):
        request = access.request_access(filed, "1-1-502", purpose="view", requester=reader,
                                        reason="核对", document=record["id"], actor=reader)
        access.decide(filed, request["id"], approve=True, actor=approver)
        _, data = access.read(filed, request["id"], record["id"], actor=reader)
        contents[reader] = json.loads(data)
    assert contents["孙丽"]["contact_phone"] == "138****5678"
    assert contents["陈静"]["contact_phone"] == "13812345678"
    assert contents["孙丽"]["number"] == number


def test_an_approval_by_the_operator_must_be_signed(filed: Desk) -> None:
    with pytest.raises(DomainError) as err:
        access.decide(filed, 1, approve=True, actor=None)
    assert err.value.field == "as" and not isinstance(err.value, Forbidden)
