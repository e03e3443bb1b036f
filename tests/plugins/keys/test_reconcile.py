"""Reconciliation: daily counts, weekly spot checks, discrepancies, days without a count."""

from __future__ import annotations

import pytest

from core.desk import Desk
from core.errors import DomainError
from core.permissions import Forbidden
from plugins.keys import reconcile, service
from tests.plugins.keys.conftest import counts, lend


def test_a_daily_count_that_finds_discrepancies(keysite: Desk) -> None:
    service.register_key(keysite, "K-B2", "public_area", area="泵房", actor="孙丽",
                         at="2026-11-19 08:00")
    lend(keysite)  # K-0502 out with 赵强
    view = reconcile.count(keysite, ["K-0502", "K-B2", "K-X9"], actor="孙丽",
                           at="2026-11-19 17:00", note="晚班核对")
    assert view["kind"] == "daily" and view["by"] == "孙丽" and view["day"] == "2026-11-19"
    assert view["checked"] == 3 and view["present"] == 3
    assert sorted(view["discrepancies"], key=lambda d: d["tag"]) == [
        {"tag": "K-0502", "problem": "unexpected", "register": "on_loan"},  # back unrecorded
        {"tag": "K-PD1", "problem": "missing", "register": "in_cabinet"},
        {"tag": "K-X9", "problem": "unknown", "register": None},
    ]
    [audited] = [a for a in service.audit_trail(keysite) if a["action"] == "count_daily"]
    assert len(audited["after"]["discrepancies"]) == 3


def test_a_clean_count(keysite: Desk) -> None:
    view = reconcile.count(keysite, ["K-0502,K-PD1"], actor="孙丽", at="2026-11-19 17:00")
    assert view["discrepancies"] == [] and view["checked"] == 2


def test_a_supervisor_spot_checks_a_sample(keysite: Desk) -> None:
    lend(keysite)
    view = reconcile.count(keysite, [], kind="spot", sample=["K-0502", "K-PD1"],
                           actor="刘洋", at="2026-11-19 16:00")
    assert view["kind"] == "spot" and view["checked"] == 2
    assert view["discrepancies"] == [{"tag": "K-PD1", "problem": "missing",
                                      "register": "in_cabinet"}]
    before = counts(keysite)
    with pytest.raises(Forbidden):  # the custodian does not spot-check their own cabinet
        reconcile.count(keysite, [], kind="spot", sample=["K-PD1"], actor="孙丽")
    with pytest.raises(DomainError) as bad:
        reconcile.count(keysite, [], kind="spot", sample=["K-NOPE"], actor="刘洋")
    assert bad.value.field == "sample"
    with pytest.raises(DomainError) as bad:
        reconcile.count(keysite, ["K-0502"], kind="spot", sample=["K-PD1"], actor="刘洋")
    assert bad.value.field == "present"
    with pytest.raises(Forbidden):
        reconcile.count(keysite, ["K-PD1"], actor="王芳")  # the front desk keeps no keys
    assert counts(keysite) == before


def test_days_without_a_count_and_weeks_without_a_spot_check(keysite: Desk) -> None:
    reconcile.count(keysite, ["K-0502", "K-PD1"], actor="孙丽", at="2026-11-16 17:00")
    reconcile.count(keysite, ["K-0502", "K-PD1"], actor="孙丽", at="2026-11-18 17:00")
    reconcile.count(keysite, ["K-PD1"], kind="spot", sample=["K-PD1"], actor="刘洋",
                    at="2026-11-18 16:00")
    rep = reconcile.report(keysite, "2026-11-15", "2026-11-19")
    assert rep["days_without_count"] == ["2026-11-15", "2026-11-17", "2026-11-19"]
    assert rep["weeks_without_spot_check"] == ["2026-W46"]  # the 15th is a Sunday
    assert [c["kind"] for c in rep["counts"]] == ["daily", "spot", "daily"]
    with pytest.raises(DomainError):
        reconcile.report(keysite, "2026-11-19", "2026-11-01")
