"""Loans through the plugin manager: the whole cycle, the work order kept open while its
key is out, refusals that write nothing, roles, the loan period setting, the audit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from core import directory, tickets
from core.desk import Desk
from core.errors import ConfigError, DomainError, NotFound, TransitionRefused
from core.permissions import Forbidden
from core.plugins import make_plugin_manager
from core.queries import show_ticket
from plugins.keys import overdue, service
from plugins.keys.common import DUE_ENV, KeySettings
from tests.plugins.keys.conftest import Recorder, counts, finish, lend


def test_the_plugin_is_loaded_through_the_entry_point() -> None:
    pm = make_plugin_manager()
    plugin = pm.get_plugin("keys")
    assert plugin is not None
    hooks = {h.name for h in pm.get_hookcallers(plugin) or []}
    assert {"register_models", "register_migrations", "register_commands", "register_routes",
            "validate_transition"} <= hooks


def test_the_whole_loan_and_return_cycle(keysite: Desk, recorder: Recorder,
                                         work_order: str) -> None:
    loan = lend(keysite, ticket=work_order)
    assert loan["due_at"] == "2026-11-19T14:00:00+08:00"  # 4 hours by default
    assert loan["at_risk_at"] == "2026-11-19T13:12:00+08:00"  # 80 % of the time used
    assert loan["policy"] == "4h" and loan["ticket"] == work_order
    assert loan["authorised_by"] == "李女士" and loan["authorised_how"] == "phone"
    assert service.show_key(keysite, "K-0502")["status"] == "on_loan"

    back = service.return_key(keysite, "K-0502", condition="完好", actor="孙丽",
                              at="2026-11-19 11:30")
    assert back["outcome"] == "returned" and back["condition"] == "good"
    assert back["returned_by"] == "赵强" and back["received_by"] == "孙丽"
    assert back["closed_at"] == "2026-11-19T11:30:00+08:00"
    key = service.show_key(keysite, "K-0502")
    assert key["status"] == "in_cabinet" and len(key["loans"]) == 1

    # the unit's key history is offered to the household archive, after the commit
    [record] = recorder.named("archive_record_offered")
    assert record["unit"] == "1-1-502" and record["source"] == "keys"
    assert record["kind"] == "daily" and record["at"] == "2026-11-19T11:30:00+08:00"
    assert record["data"]["loan"]["id"] == loan["id"]
    assert [h["action"] for h in record["data"]["history"]] == [
        "registered", "lent", "returned"]

    # every change audited: who, when, before and after
    trail = service.audit_trail(keysite, tag="K-0502")
    returned, lent = trail[0], trail[1]
    assert returned["action"] == "returned" and returned["actor"] == "孙丽"
    assert returned["before"]["status"] == "on_loan" and returned["before"]["closed_at"] is None
    assert returned["after"]["status"] == "in_cabinet"
    assert lent["before"] == {"status": "in_cabinet"} and lent["after"]["borrower"] == "赵强"
    assert lent["at"] == "2026-11-19T10:00:00+08:00"


def test_a_ticket_is_refused_closing_while_its_key_is_out(keysite: Desk,
                                                          work_order: str) -> None:
    lend(keysite, ticket=work_order)
    finish(keysite, work_order)
    with pytest.raises(TransitionRefused) as refused:
        tickets.close(keysite, work_order, at="2026-11-19 12:00")
    assert refused.value.field == "key"
    assert "K-0502" in refused.value.message and "赵强" in refused.value.message
    assert show_ticket(keysite, work_order)["state"] == "reported"  # nothing written

    service.return_key(keysite, "K-0502", actor="孙丽", at="2026-11-19 12:10")
    assert tickets.close(keysite, work_order, at="2026-11-19 12:15")["state"] == "closed"


def test_other_actions_and_other_tickets_are_not_held(keysite: Desk, work_order: str) -> None:
    lend(keysite, ticket=work_order)
    other = tickets.intake(keysite, category="repair", unit="2-1-301", summary="灯不亮",
                           by="王芳", at="2026-11-19 09:00")["number"]
    tickets.dispatch(keysite, other, "赵强", at="2026-11-19 09:05")
    tickets.start(keysite, other, at="2026-11-19 09:06")
    finish(keysite, other)
    assert tickets.close(keysite, other, at="2026-11-19 12:00")["state"] == "closed"
    tickets.contact(keysite, work_order, "已约上门", at="2026-11-19 10:30")  # not a close


@pytest.mark.parametrize(("tag", "kwargs", "error", "field"), [
    ("K-9999", {}, NotFound, "tag"),                                   # an unknown tag
    ("K-0502", {"authorised_by": None}, DomainError, "authorised_by"),  # no owner's authority
    ("K-0502", {"authorised_at": None}, DomainError, "authorised_by"),
    ("K-0502", {"authorised_how": "telepathy"}, DomainError, "authorised_how"),
    ("K-0502", {"authorised_at": "2026-11-19 10:30"}, DomainError, "authorised_at"),
    ("K-0502", {"authorised_how": "entrustment"}, DomainError, "authorised_how"),
    ("K-0502", {"borrower": "路人甲"}, NotFound, "borrower"),
    ("K-0502", {"borrower": "某师傅", "contractor": True}, DomainError, "id_number"),
    ("K-0502", {"ticket": "GD-20261119-9999"}, NotFound, "ticket"),
    ("K-0502", {"due": "2026-11-19 09:00"}, DomainError, "due"),
    ("K-0502", {"due": "2wd"}, DomainError, "due"),
    ("K-0502", {"purpose": " "}, DomainError, "purpose"),
    ("K-0502", {"at": "2027-01-01 10:00"}, DomainError, "at"),
    ("K-0502", {"actor": "赵强"}, Forbidden, "as"),     # a technician is not a key keeper
    ("K-0502", {"actor": "王芳"}, Forbidden, "as"),     # nor is the front desk
    ("K-PD1", {}, DomainError, "authorised_by"),       # a public area has no owner to ask
])
def test_bad_loans_are_refused_and_write_nothing(keysite: Desk, tag: str, kwargs: dict,
                                                 error: type, field: str) -> None:
    before = counts(keysite)
    with pytest.raises(error) as refused:
        lend(keysite, tag, **kwargs)
    assert refused.value.field == field, refused.value
    assert counts(keysite) == before
    assert service.show_key(keysite, tag)["status"] == "in_cabinet" if tag != "K-9999" else True


def test_lending_a_key_already_out_is_refused(keysite: Desk) -> None:
    lend(keysite)
    before = counts(keysite)
    with pytest.raises(TransitionRefused) as refused:
        lend(keysite, borrower="刘洋", at="2026-11-19 10:05")
    assert refused.value.field == "tag"
    assert "already out: lent to 赵强" in refused.value.message
    assert counts(keysite) == before


def test_returning_a_key_not_on_loan_is_refused(keysite: Desk) -> None:
    before = counts(keysite)
    with pytest.raises(TransitionRefused) as refused:
        service.return_key(keysite, "K-0502", actor="孙丽")
    assert refused.value.field == "tag" and "not on loan" in refused.value.message
    with pytest.raises(NotFound):
        service.return_key(keysite, "K-9999", actor="孙丽")
    lend(keysite)
    with pytest.raises(DomainError) as refused:  # a damaged key needs a note
        service.return_key(keysite, "K-0502", condition="damaged", actor="孙丽")
    assert refused.value.field == "note"
    with pytest.raises(DomainError) as refused:  # back before it went out
        service.return_key(keysite, "K-0502", actor="孙丽", at="2026-11-19 09:00")
    assert refused.value.field == "at"
    assert counts(keysite)["keys_loans"] == before["keys_loans"] + 1


def test_a_contractor_and_a_public_area_key(keysite: Desk) -> None:
    loan = lend(keysite, "K-PD1", borrower="王师傅", contractor=True,
                id_number="410101199001011234", company="市电力检修公司",
                authorised_by=None, authorised_how=None, authorised_at=None)
    assert loan["borrower_kind"] == "contractor" and loan["authorised_by"] is None
    assert loan["id_number"] == "410101199001011234"


def test_an_entrusted_key_may_go_out_under_its_written_entrustment(keysite: Desk) -> None:
    directory.add_unit(keysite, "3-2-1801")
    service.register_key(keysite, "K-1801", "托管", unit="3-2-1801", entrusted_by="周先生",
                         entrusted_on="2026-09-01", entrustment_ref="WT-2026-020",
                         actor="孙丽", at="2026-11-19 08:00")
    loan = lend(keysite, "K-1801", borrower="孙丽", purpose="空置房巡查",
                authorised_by="周先生", authorised_how="委托书",
                authorised_at="2026-09-01 00:00")
    assert loan["authorised_how"] == "entrustment"


def test_the_loan_period_is_a_plugin_setting(keysite: Desk,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DUE_ENV, "2h")
    assert lend(keysite)["due_at"] == "2026-11-19T12:00:00+08:00"
    service.return_key(keysite, "K-0502", actor="孙丽", at="2026-11-19 10:30")
    loan = lend(keysite, at="2026-11-19 11:00", settings=KeySettings.from_env())
    assert loan["policy"] == "2h"
    service.return_key(keysite, "K-0502", actor="孙丽", at="2026-11-19 11:30")
    loan = lend(keysite, at="2026-11-19 12:00", due="30m")  # this loan only
    assert loan["due_at"] == "2026-11-19T12:30:00+08:00" and loan["policy"] == "30m"
    monkeypatch.setenv(DUE_ENV, "3wd")
    with pytest.raises(ConfigError) as bad:
        KeySettings.from_env()
    assert bad.value.field == DUE_ENV


def test_registering_refuses_bad_input(keysite: Desk) -> None:
    before = counts(keysite)
    cases = [
        (("K-0502", "public_area"), {"area": "泵房"}, "tag"),         # a tag used twice
        (("K 1", "spare"), {}, "tag"),
        (("K-1", "drawer"), {}, "kind"),
        (("K-1", "spare"), {}, "unit"),
        (("K-1", "spare"), {"unit": "1-1-101"}, "entrusted_by"),    # no written entrustment
        (("K-1", "spare"), {"unit": "1-1-101", "entrusted_by": "王先生",
                            "entrustment_ref": "WT-1"}, "entrusted_on"),
        (("K-1", "public_area"), {}, "area"),
        (("K-1", "public_area"), {"area": "泵房", "unit": "1-1-101"}, "unit"),
        (("K-1", "spare"), {"unit": "9-9-999", "entrusted_by": "x", "entrustment_ref": "y",
                            "entrusted_on": "2026-10-01"}, "unit"),
    ]
    for args, kwargs, field in cases:
        with pytest.raises(DomainError) as refused:
            service.register_key(keysite, *args, **kwargs, actor="孙丽")
        assert refused.value.field == field, (args, kwargs, refused.value)
    assert counts(keysite) == before


def test_the_audit_trail_is_append_only(keysite: Desk) -> None:
    with pytest.raises(Exception, match="append-only"), keysite.write() as s:
        s.execute(text("UPDATE keys_audit SET actor = 'x'"))
    with pytest.raises(Exception, match="append-only"), keysite.write() as s:
        s.execute(text("DELETE FROM keys_audit"))
    assert len(service.audit_trail(keysite)) == 2


def test_handing_a_key_back_to_its_owner(keysite: Desk) -> None:
    view = service.hand_back(keysite, "K-0502", to="李女士", actor="孙丽")
    assert view["status"] == "returned"
    with pytest.raises(TransitionRefused):
        lend(keysite)
    with pytest.raises(TransitionRefused):
        service.hand_back(keysite, "K-PD1", to="x", actor="孙丽")


def test_a_loan_without_a_ticket_closes_nothing(keysite: Desk, work_order: str) -> None:
    lend(keysite)  # no work order named
    finish(keysite, work_order)
    assert tickets.close(keysite, work_order, at="2026-11-19 12:00")["state"] == "closed"
    assert overdue.check(keysite, datetime(2026, 11, 19, 7, 0, tzinfo=UTC))["overdue"]
