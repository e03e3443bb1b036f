"""A lost key: nothing past the report without the site manager's approval; then the
accountable person, the owner's ticket, the lock change."""

from __future__ import annotations

import pytest

from core.desk import Desk
from core.errors import DomainError, TransitionRefused
from core.permissions import Forbidden
from core.queries import show_ticket
from plugins.keys import losses, overdue, service
from tests.plugins.keys.conftest import counts, lend


@pytest.fixture
def reported(keysite: Desk) -> int:
    lend(keysite)
    return losses.report_loss(keysite, "K-0502", "维修后钥匙未交回, 赵强称遗失在小区内",
                              actor="孙丽", at="2026-11-19 16:00")["id"]


def test_a_lost_key_is_refused_without_approval(keysite: Desk, reported: int) -> None:
    before = counts(keysite)
    with pytest.raises(TransitionRefused) as refused:  # no lock change before approval
        losses.record_lock_change(keysite, reported, outcome="done", note="已换锁",
                                  actor="孙丽")
    assert refused.value.field == "id" and "approval" in refused.value.message
    for actor in ("孙丽", "刘洋", "王芳"):  # only the site manager approves
        with pytest.raises(Forbidden) as refused:
            losses.approve_loss(keysite, reported, accountable="赵强", actor=actor)
        assert refused.value.field == "as"
    with pytest.raises(Forbidden):  # nor an unnamed operator
        losses.approve_loss(keysite, reported, accountable="赵强", actor=None)
    with pytest.raises(DomainError) as refused:
        losses.approve_loss(keysite, reported, accountable=" ", actor="陈静")
    assert refused.value.field == "accountable"
    assert counts(keysite) == before
    key = service.show_key(keysite, "K-0502")
    assert key["status"] == "on_loan" and key["loans"][0]["closed_at"] is None
    with pytest.raises(TransitionRefused):  # reported once
        losses.report_loss(keysite, "K-0502", "again", actor="孙丽")


def test_approval_names_the_accountable_informs_the_owner_recommends_a_lock_change(
        keysite: Desk, reported: int) -> None:
    view = losses.approve_loss(keysite, reported, accountable="赵强", note="按制度赔偿换锁费用",
                               actor="陈静", at="2026-11-19 17:00")
    assert view["status"] == "approved" and view["approved_by"] == "陈静"
    assert view["accountable"] == "赵强" and view["lock_change"] == "recommended"
    ticket = show_ticket(keysite, view["ticket"])
    assert ticket["unit"] == "1-1-502" and ticket["owner"] == "陈静"
    assert ticket["nature"] == "important" and "K-0502" in ticket["summary"]
    assert ticket["received_at"] == "2026-11-19T17:00:00+08:00"
    key = service.show_key(keysite, "K-0502")
    assert key["status"] == "lost"
    assert key["loans"][0]["outcome"] == "lost"  # the loan's clock stops
    assert overdue.check(keysite) == {"overdue": [], "at_risk": []}
    with pytest.raises(TransitionRefused):
        losses.approve_loss(keysite, reported, accountable="赵强", actor="陈静")

    done = losses.record_lock_change(keysite, reported, outcome="更换", note="锁芯已更换",
                                     actor="孙丽", at="2026-11-20 09:00")
    assert done["status"] == "closed" and done["lock_change"] == "done"
    actions = [a["action"] for a in service.audit_trail(keysite, tag="K-0502")][::-1]
    assert actions == ["registered", "lent", "loss_reported", "loan_closed_lost",
                       "loss_approved", "owner_informed", "lock_change"]


def test_an_approval_whose_ticket_failed_is_rolled_back_whole(keysite: Desk, reported: int,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    """The approval and the owner's ticket are one unit of work: if the ticket cannot be
    opened, nothing of the approval is kept, and approving again does it all once."""
    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("database went away")

    before = counts(keysite)
    monkeypatch.setattr(losses, "_inform_owner", broken)
    with pytest.raises(RuntimeError):
        losses.approve_loss(keysite, reported, accountable="赵强", actor="陈静")
    monkeypatch.undo()
    assert counts(keysite) == before
    assert losses.list_losses(keysite)[0]["status"] == "reported"
    view = losses.approve_loss(keysite, reported, accountable="赵强", actor="陈静")
    assert view["ticket"] and view["status"] == "approved"
    with pytest.raises(TransitionRefused):  # a second call is refused: nothing left to do
        losses.approve_loss(keysite, reported, accountable="赵强", actor="陈静")


def test_a_report_whose_key_turns_up_is_withdrawn(keysite: Desk, reported: int) -> None:
    with pytest.raises(Forbidden):  # the custodian or a supervisor, not the front desk
        losses.withdraw_loss(keysite, reported, reason="找到了", actor="王芳")
    with pytest.raises(DomainError) as empty:
        losses.withdraw_loss(keysite, reported, reason=" ", actor="孙丽")
    assert empty.value.field == "reason"
    view = losses.withdraw_loss(keysite, reported, reason="在赵强工具箱里找到",
                                actor="孙丽", at="2026-11-19 17:00")
    assert view["status"] == "withdrawn"
    key = service.show_key(keysite, "K-0502")
    assert key["status"] == "on_loan"  # the register is untouched: the loan runs on
    last = service.audit_trail(keysite, tag="K-0502", limit=1)[0]  # newest first
    assert (last["action"], last["after"]["reason"]) == ("loss_withdrawn", "在赵强工具箱里找到")
    with pytest.raises(TransitionRefused):  # withdrawn: no approval, no second withdrawal
        losses.approve_loss(keysite, reported, accountable="赵强", actor="陈静")
    with pytest.raises(TransitionRefused):
        losses.withdraw_loss(keysite, reported, reason="again", actor="孙丽")
    again = losses.report_loss(keysite, "K-0502", "又丢了", actor="孙丽")  # a new report
    assert again["status"] == "reported" and again["id"] != reported


def test_a_public_area_key_has_no_owner_to_inform(keysite: Desk) -> None:
    loss = losses.report_loss(keysite, "K-PD1", "钥匙柜中未找到", actor="孙丽")
    view = losses.approve_loss(keysite, loss["id"], accountable="孙丽", actor="陈静")
    assert view["ticket"] is None and view["lock_change"] == "recommended"
    with pytest.raises(DomainError) as bad:
        losses.record_lock_change(keysite, loss["id"], outcome="maybe", note="x", actor="孙丽")
    assert bad.value.field == "outcome"
    declined = losses.record_lock_change(keysite, loss["id"], outcome="declined",
                                         note="配电房另有门禁, 不换锁", actor="刘洋")
    assert declined["lock_change"] == "declined"
