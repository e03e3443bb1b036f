"""Integrity: a key's state cannot be walked around by any command, on any channel; every
role is checked once, in the service, for the CLI's `--as` and the API's token alike;
every `--at` is held to the one time rule; owners' phones are masked by role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import Result
from fastapi.testclient import TestClient

from core import tokens
from core.api.app import create_app
from core.desk import Desk
from core.kit import DomainError, Forbidden, TransitionRefused
from plugins.keys import losses, overdue, reconcile, service, vacant
from tests.plugins.keys.conftest import AUTH, counts, lend

Run = Callable[..., Result]


@pytest.fixture
def cli(run: Run, monkeypatch: pytest.MonkeyPatch) -> Run:
    """`propdesk` with the key commands added (as `propdesk` does at start-up)."""
    from core.cli.main import cli as group
    from plugins.keys import hooks

    monkeypatch.setattr(group, "commands", dict(group.commands))
    hooks.register_commands(group)
    return run


@pytest.fixture
def api(keysite: Desk) -> Iterator[tuple[TestClient, Callable[[str], dict[str, str]]]]:
    made: dict[str, str] = {}

    def auth(name: str) -> dict[str, str]:
        if name not in made:
            made[name] = tokens.create(keysite, name)["token"]
        return {"Authorization": f"Bearer {made[name]}"}
    with TestClient(create_app(keysite)) as client:
        yield client, auth


def _loans(desk: Desk) -> list[dict[str, Any]]:
    return service.list_loans(desk)


# ------------------------------------------------------------------ the key's states


def test_a_key_reported_lost_moves_nowhere_until_the_report_is_settled(keysite: Desk) -> None:
    """The audit's case: lent, reported lost, then taken back and lent to someone else, and
    the approval wrote off the new loan. Now every step past the report is refused."""
    first = lend(keysite)  # to 赵强
    loss = losses.report_loss(keysite, "K-0502", "赵强称遗失", actor="孙丽",
                              at="2026-11-19 16:00")
    before = counts(keysite)
    with pytest.raises(TransitionRefused) as refused:  # it came back? withdraw first
        service.return_key(keysite, "K-0502", actor="孙丽", at="2026-11-19 16:30")
    assert refused.value.field == "tag"
    assert refused.value.message.startswith(
        f"key K-0502 is reported lost (loss {loss['id']}, awaiting the site manager's "
        "approval): it cannot be taken back; if it turned up, withdraw the report first")
    with pytest.raises(TransitionRefused) as refused:
        losses.report_loss(keysite, "K-0502", "again", actor="孙丽")
    assert "already reported lost" in refused.value.message
    for attempt in (lambda: lend(keysite, borrower="刘洋", at="2026-11-19 16:40"),
                    lambda: service.hand_back(keysite, "K-0502", to="李女士", actor="孙丽")):
        with pytest.raises(TransitionRefused):
            attempt()
    assert counts(keysite) == before

    view = losses.approve_loss(keysite, loss["id"], accountable="赵强", actor="陈静",
                               at="2026-11-19 17:00")
    [loan] = _loans(keysite)
    assert loan["id"] == first["id"] == view["loan"]
    assert (loan["borrower"], loan["outcome"]) == ("赵强", "lost")


def test_a_key_in_the_cabinet_reported_lost_is_not_lent(keysite: Desk) -> None:
    losses.report_loss(keysite, "K-PD1", "柜中未见", actor="孙丽", at="2026-11-19 17:00")
    before = counts(keysite)
    with pytest.raises(TransitionRefused) as refused:
        lend(keysite, "K-PD1", borrower="王师傅", contractor=True, id_number="4101",
             authorised_by=None, authorised_how=None, authorised_at=None,
             at="2026-11-19 17:10")
    assert refused.value.field == "tag" and "reported lost" in refused.value.message
    assert counts(keysite) == before and _loans(keysite) == []


def test_a_withdrawn_report_frees_the_key(keysite: Desk) -> None:
    lend(keysite)
    loss = losses.report_loss(keysite, "K-0502", "未交回", actor="孙丽", at="2026-11-19 16:00")
    losses.withdraw_loss(keysite, loss["id"], reason="在工具箱找到", actor="孙丽",
                         at="2026-11-19 16:20")
    back = service.return_key(keysite, "K-0502", actor="孙丽", at="2026-11-19 16:30")
    assert back["outcome"] == "returned"


@pytest.mark.parametrize("step", ["lend", "return", "hand_back", "report"])
def test_a_written_off_key_is_never_lent_returned_or_reported_again(keysite: Desk,
                                                                    step: str) -> None:
    lend(keysite)
    loss = losses.report_loss(keysite, "K-0502", "遗失", actor="孙丽", at="2026-11-19 16:00")
    losses.approve_loss(keysite, loss["id"], accountable="赵强", actor="陈静",
                        at="2026-11-19 17:00")
    before = counts(keysite)
    actions: dict[str, Callable[[], Any]] = {
        "lend": lambda: lend(keysite, at="2026-11-19 18:00"),
        "return": lambda: service.return_key(keysite, "K-0502", actor="孙丽"),
        "hand_back": lambda: service.hand_back(keysite, "K-0502", to="李女士", actor="孙丽"),
        "report": lambda: losses.report_loss(keysite, "K-0502", "again", actor="孙丽"),
    }
    with pytest.raises(TransitionRefused) as refused:
        actions[step]()
    assert refused.value.field == "tag" and "遗失 lost" in refused.value.message
    assert counts(keysite) == before


@pytest.mark.parametrize("step", ["lend", "return", "report"])
def test_a_key_returned_to_its_owner_is_gone_from_the_cabinet(keysite: Desk,
                                                               step: str) -> None:
    service.hand_back(keysite, "K-0502", to="李女士", actor="孙丽", at="2026-11-19 09:00")
    before = counts(keysite)
    actions: dict[str, Callable[[], Any]] = {
        "lend": lambda: lend(keysite),
        "return": lambda: service.return_key(keysite, "K-0502", actor="孙丽"),
        "report": lambda: losses.report_loss(keysite, "K-0502", "x", actor="孙丽"),
    }
    with pytest.raises(TransitionRefused):
        actions[step]()
    assert counts(keysite) == before


def test_a_key_is_returned_once(keysite: Desk) -> None:
    lend(keysite)
    service.return_key(keysite, "K-0502", actor="孙丽", at="2026-11-19 11:00")
    before = counts(keysite)
    with pytest.raises(TransitionRefused) as refused:
        service.return_key(keysite, "K-0502", actor="孙丽", at="2026-11-19 11:05")
    assert "not on loan" in refused.value.message
    assert counts(keysite) == before


def test_a_lost_key_cannot_be_lent_through_the_cli_or_http(keysite: Desk, cli: Run,
                                                          api: Any) -> None:
    loss = losses.report_loss(keysite, "K-0502", "柜中未见", actor="孙丽",
                              at="2026-11-19 16:00")
    before = counts(keysite)
    result = cli("--as", "孙丽", "keys", "lend", "K-0502", "--to", "赵强", "--purpose", "维修",
                 "--authorised-by", "李女士", "--authorised-how", "电话",
                 "--authorised-at", "2026-11-19 16:10")
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: tag: key K-0502 is reported lost "
                                    f"(loss {loss['id']}")
    client, auth = api
    r = client.post("/keys/K-0502/lend", headers=auth("孙丽"),
                    json={"to": "赵强", "purpose": "维修", **AUTH})
    assert r.status_code == 409 and r.json()["field"] == "tag", r.text
    assert "reported lost" in r.json()["error"]
    losses.approve_loss(keysite, loss["id"], accountable="孙丽", actor="陈静")
    r = client.post("/keys/K-0502/lend", headers=auth("孙丽"),
                    json={"to": "赵强", "purpose": "维修", **AUTH})
    assert r.status_code == 409 and "遗失 lost" in r.json()["error"]
    after = counts(keysite)
    assert after["keys_loans"] == before["keys_loans"] == 0
    assert service.show_key(keysite, "K-0502")["status"] == "lost"


# ------------------------------------------------------------------ roles, in the service


#: (who, CLI arguments, HTTP method and path, body, the refusal's message)
REFUSALS = [
    ("赵强", ["keys", "loss", "approve", "1", "--accountable", "孙丽"],
     ("post", "/keys/losses/1/approve"), {"accountable": "孙丽"},
     "赵强 (technician) may not approve a lost key: the site manager (项目经理) approves"),
    ("孙丽", ["keys", "loss", "approve", "1", "--accountable", "孙丽"],
     ("post", "/keys/losses/1/approve"), {"accountable": "孙丽"},
     "孙丽 (custodian) may not approve a lost key: the site manager (项目经理) approves"),
    ("王芳", ["keys", "lend", "K-PD1", "--to", "赵强", "--purpose", "x"],
     ("post", "/keys/K-PD1/lend"), {"to": "赵强", "purpose": "x"},
     "王芳 (frontdesk) may not lend keys: the key custodian (钥匙管理员) and supervisors only"),
    ("赵强", ["keys", "return", "K-PD1"], ("post", "/keys/K-PD1/return"), {},
     "赵强 (technician) may not take keys back: the key custodian (钥匙管理员) and "
     "supervisors only"),
    ("孙丽", ["keys", "spot-check", "--sample", "K-PD1"], ("post", "/keys/counts"),
     {"sample": ["K-PD1"]}, "孙丽 (custodian) may not spot-check the key cabinet: "
     "supervisors and the site manager only"),
    ("王芳", ["keys", "loss", "withdraw", "1", "--reason", "找到"],
     ("post", "/keys/losses/1/withdraw"), {"reason": "找到"},
     "王芳 (frontdesk) may not withdraw a loss report: the key custodian (钥匙管理员) and "
     "supervisors only"),
    ("赵强", ["keys", "loss", "lock-change", "1", "--outcome", "done", "--note", "x"],
     ("post", "/keys/losses/1/lock-change"), {"outcome": "done", "note": "x"},
     "赵强 (technician) may not record a lock change: the key custodian (钥匙管理员) and "
     "supervisors only"),
    ("王芳", ["keys", "show", "K-0502"], ("get", "/keys/K-0502"), None,
     "王芳 (frontdesk) may not read the key register: the key custodian (钥匙管理员) and "
     "supervisors only"),
    ("赵强", ["keys", "check"], ("post", "/keys/check"), None,
     "赵强 (technician) may not run the key loan check: the key custodian (钥匙管理员) and "
     "supervisors only"),
]


@pytest.mark.parametrize(("who", "args", "route", "body", "message"), REFUSALS,
                         ids=[f"{r[0]}-{' '.join(r[1][1:3])}" for r in REFUSALS])
def test_a_role_refusal_is_the_services_on_both_channels(
        keysite: Desk, cli: Run, api: Any, who: str, args: list[str],
        route: tuple[str, str], body: dict[str, Any] | None, message: str) -> None:
    losses.report_loss(keysite, "K-PD1", "柜中未见", actor="孙丽", at="2026-11-19 16:00")
    before = counts(keysite)
    result = cli("--as", who, *args)
    assert result.exit_code == 2, result.output
    assert result.output.strip() == f"error: as: {message}"
    client, auth = api
    method, path = route
    r = client.request(method.upper(), path, headers=auth(who),
                       **({"json": body} if body is not None else {}))
    assert r.status_code == 403, r.text
    assert r.json() == {"field": "as", "error": message}
    assert counts(keysite) == before


def test_the_operator_may_do_all_but_approve_a_loss(keysite: Desk, cli: Run) -> None:
    result = cli("keys", "loss", "report", "K-PD1", "--circumstances", "未见")
    assert result.exit_code == 0, result.output
    result = cli("keys", "loss", "approve", "1", "--accountable", "孙丽")
    assert result.exit_code == 2
    assert "needs the site manager's approval: --as MANAGER" in result.output


#: every keys command, with arguments good enough to reach the actor check
EVERY_COMMAND = [
    ["keys", "add", "K-9", "--kind", "public_area", "--area", "泵房"],
    ["keys", "list"], ["keys", "show", "K-0502"],
    ["keys", "lend", "K-PD1", "--to", "赵强", "--purpose", "x"],
    ["keys", "return", "K-PD1"], ["keys", "hand-back", "K-0502", "--to", "李女士"],
    ["keys", "loans"], ["keys", "check"], ["keys", "count", "--present", "K-PD1"],
    ["keys", "spot-check", "--sample", "K-PD1"], ["keys", "counts", "--from", "2026-11-01"],
    ["keys", "loss", "report", "K-PD1", "--circumstances", "x"],
    ["keys", "loss", "approve", "1", "--accountable", "孙丽"],
    ["keys", "loss", "withdraw", "1", "--reason", "x"],
    ["keys", "loss", "lock-change", "1", "--outcome", "done", "--note", "x"],
    ["keys", "loss", "list"], ["keys", "vacant", "generate"], ["keys", "vacant", "list"],
    ["keys", "vacant", "done", "1"], ["keys", "history", "1-1-502"], ["keys", "audit"],
]


@pytest.mark.parametrize("args", EVERY_COMMAND, ids=[" ".join(a[1:3]) for a in EVERY_COMMAND])
def test_an_unknown_as_is_refused_on_every_keys_command(keysite: Desk, cli: Run,
                                                        args: list[str]) -> None:
    before = counts(keysite)
    result = cli("--as", "无名氏", *args)
    assert result.exit_code == 2, result.output
    assert result.output.strip() == "error: as: no staff member '无名氏'"
    assert counts(keysite) == before


# ------------------------------------------------------------------ time


def test_every_at_is_held_to_the_keys_last_record(keysite: Desk) -> None:
    lend(keysite)  # 10:00
    refusals: list[Callable[[], Any]] = [
        lambda: service.return_key(keysite, "K-0502", actor="孙丽", at="2026-11-19 09:59"),
        lambda: losses.report_loss(keysite, "K-0502", "x", actor="孙丽", at="2026-11-19 09:00"),
    ]
    for attempt in refusals:
        with pytest.raises(DomainError) as refused:
            attempt()
        assert refused.value.field == "at" and "before" in refused.value.message
    loss = losses.report_loss(keysite, "K-0502", "遗失", actor="孙丽", at="2026-11-19 16:00")
    before = counts(keysite)
    with pytest.raises(DomainError) as refused:
        losses.approve_loss(keysite, loss["id"], accountable="赵强", actor="陈静",
                            at="2026-11-19 15:00")
    assert refused.value.field == "at" and "before the loss report" in refused.value.message
    with pytest.raises(DomainError) as refused:
        losses.withdraw_loss(keysite, loss["id"], reason="找到", actor="孙丽",
                             at="2026-11-19 15:59")
    assert refused.value.field == "at"
    with pytest.raises(DomainError) as refused:  # the future is refused everywhere
        losses.approve_loss(keysite, loss["id"], accountable="赵强", actor="陈静",
                            at="2026-11-21 10:00")
    assert refused.value.field == "at" and "future" in refused.value.message
    assert counts(keysite) == before
    losses.approve_loss(keysite, loss["id"], accountable="赵强", actor="陈静",
                        at="2026-11-19 17:00")
    with pytest.raises(DomainError) as refused:
        losses.record_lock_change(keysite, loss["id"], outcome="done", note="x",
                                  actor="孙丽", at="2026-11-19 16:30")
    assert refused.value.field == "at" and "before the approval" in refused.value.message


def test_a_loan_is_never_before_the_keys_last_return(keysite: Desk) -> None:
    lend(keysite)
    service.return_key(keysite, "K-0502", actor="孙丽", at="2026-11-19 12:00")
    with pytest.raises(DomainError) as refused:
        lend(keysite, at="2026-11-19 11:00")
    assert refused.value.field == "at"


def test_the_check_and_a_count_refuse_the_future(keysite: Desk) -> None:
    with pytest.raises(DomainError) as refused:
        overdue.check(keysite, actor="孙丽", at="2026-11-21 10:00")
    assert refused.value.field == "at"
    with pytest.raises(DomainError):
        reconcile.count(keysite, ["K-PD1"], actor="孙丽", at="2026-11-21 10:00")


def test_a_vacant_task_is_not_done_before_it_was_set(keysite: Desk) -> None:
    service.register_key(keysite, "K-101", "entrusted", unit="1-1-101", entrusted_by="王先生",
                         entrusted_on="2026-09-01", entrustment_ref="WT-1", actor="孙丽",
                         at="2026-11-01 08:00")
    vacant.generate(keysite, "2026-11", actor="孙丽")  # at NOW, 2026-11-20 10:00
    task = vacant.list_tasks(keysite, "2026-11")[0]
    with pytest.raises(DomainError) as refused:
        vacant.record(keysite, task["id"], actor="孙丽", at="2026-11-20 09:00")
    assert refused.value.field == "at"


# ------------------------------------------------------------------ one unit of work


def test_an_approval_that_fails_leaves_nothing_behind(keysite: Desk,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    lend(keysite)
    loss = losses.report_loss(keysite, "K-0502", "遗失", actor="孙丽", at="2026-11-19 16:00")
    before = counts(keysite)
    from core import intake

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(intake, "intake", broken)
    with pytest.raises(RuntimeError):
        losses.approve_loss(keysite, loss["id"], accountable="赵强", actor="陈静")
    monkeypatch.undo()
    assert counts(keysite) == before  # no approval, no loan closed, no audit row
    assert losses.list_losses(keysite)[0]["status"] == "reported"
    assert service.show_key(keysite, "K-0502")["status"] == "on_loan"
    view = losses.approve_loss(keysite, loss["id"], accountable="赵强", actor="陈静")
    assert view["status"] == "approved" and view["ticket"]


def test_a_vacant_anomaly_and_its_ticket_are_one_unit(keysite: Desk,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    service.register_key(keysite, "K-101", "entrusted", unit="1-1-101", entrusted_by="王先生",
                         entrusted_on="2026-09-01", entrustment_ref="WT-1", actor="孙丽",
                         at="2026-11-01 08:00")
    vacant.generate(keysite, "2026-11", actor="孙丽")
    task = vacant.list_tasks(keysite, "2026-11")[0]
    from core import intake

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(intake, "intake", broken)
    with pytest.raises(RuntimeError):
        vacant.record(keysite, task["id"], anomaly="渗水", actor="孙丽")
    monkeypatch.undo()
    assert vacant.list_tasks(keysite, "2026-11")[0]["done_at"] is None
    done = vacant.record(keysite, task["id"], anomaly="渗水", actor="孙丽")
    assert done["ticket"] and done["done_at"]


# ------------------------------------------------------------------ phones


def test_owners_phones_are_masked_for_roles_that_do_not_see_them(keysite: Desk,
                                                                 api: Any) -> None:
    assert service.show_key(keysite, "K-0502")["owner_phone"] == "13812345678"  # operator
    assert service.show_key(keysite, "K-0502", actor="刘洋")["owner_phone"] == "13812345678"
    custodian = service.show_key(keysite, "K-0502", actor="孙丽")
    assert custodian["owner"] == "李女士" and custodian["owner_phone"] == "138****5678"
    listed = {k["tag"]: k for k in service.list_keys(keysite, actor="孙丽")}
    assert listed["K-0502"]["owner_phone"] == "138****5678"
    assert listed["K-PD1"]["owner_phone"] is None
    client, auth = api
    assert client.get("/keys/K-0502", headers=auth("孙丽")).json()["owner_phone"] == \
        "138****5678"
    assert client.get("/keys/K-0502", headers=auth("陈静")).json()["owner_phone"] == \
        "13812345678"
    assert client.get("/keys", headers=auth("孙丽")).json()[0]["owner_phone"] == "138****5678"
    trail = service.audit_trail(keysite, tag="K-0502")  # the audit keeps no phone at all
    assert "13812345678" not in repr(trail) and "138****5678" not in repr(trail)


def test_roles_are_refused_in_the_service_itself(keysite: Desk) -> None:
    with pytest.raises(Forbidden) as refused:
        losses.approve_loss(keysite, 1, accountable="x", actor="赵强")
    assert refused.value.field == "as"
