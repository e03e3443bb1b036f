"""The annual plan and its gaps; proposals and the 15-day approval rule with its override."""

from __future__ import annotations

from datetime import date

import pytest

from core.desk import Desk
from core.errors import DomainError
from core.kit import Forbidden
from plugins.events import service
from tests.plugins.events.conftest import PROPOSAL, counts, t

pytestmark = pytest.mark.usefixtures("after_the_fact")


def _proposed(desk: Desk, starts: str, **fields: object) -> int:
    return service.propose(desk, title="中秋游园", starts_at=t(starts),
                           at=t("2026-11-20 09:00"), **{**PROPOSAL, **fields})["id"]


def test_approval_due_fifteen_days_before(site: Desk) -> None:
    on_time = _proposed(site, "2026-12-05 10:00")  # 15 days after approval
    assert service.approve(site, on_time, actor="刘洋", at=t("2026-11-20 10:00"))["status"] \
        == "approved"
    late = _proposed(site, "2026-12-05 09:00")  # 14 days 23 hours
    before = counts(site)
    with pytest.raises(DomainError) as refused:
        service.approve(site, late, actor="刘洋", at=t("2026-11-20 10:00"))
    assert refused.value.field == "at" and "15 days" in str(refused.value)
    with pytest.raises(Forbidden) as not_manager:
        service.approve(site, late, actor="刘洋", at=t("2026-11-20 10:00"), override="急需")
    assert not_manager.value.field == "as" and "late proposal" in str(not_manager.value)
    with pytest.raises(DomainError):
        service.approve(site, late, actor="陈静", at=t("2026-11-20 10:00"), override="  ")
    assert service.event_view(site, late)["status"] == "proposed" and counts(site) == before
    view = service.approve(site, late, actor="陈静", at=t("2026-11-20 10:00"),
                           override="街道活动提前，经理批准")
    assert view["status"] == "approved" and view["override_reason"] == "街道活动提前，经理批准"


def test_an_early_session_counts_and_the_lead_is_a_setting(site: Desk) -> None:
    event = _proposed(site, "2026-12-20 09:00")
    service.add_session(site, event, starts_at=t("2026-11-28 09:00"), capacity=10,
                        at=t("2026-11-20 09:00"))
    with pytest.raises(DomainError, match="15 days"):
        service.approve(site, event, actor="刘洋", at=t("2026-11-20 10:00"))
    assert service.set_setting(site, "approval_lead_days", "7")["approval_lead_days"] == "7"
    assert service.approve(site, event, actor="刘洋", at=t("2026-11-20 10:00"))["status"] \
        == "approved"
    with pytest.raises(DomainError) as bad:
        service.set_setting(site, "approval_lead_days", "-3")
    assert bad.value.field == "value"


def test_an_incomplete_proposal_or_a_frontdesk_approver_is_refused(site: Desk) -> None:
    event = _proposed(site, "2026-12-20 09:00", risk_plan=None)
    with pytest.raises(DomainError) as missing:
        service.approve(site, event, actor="刘洋", at=t("2026-11-20 10:00"))
    assert missing.value.field == "risk_plan"
    with pytest.raises(Forbidden) as who:
        service.approve(site, event, actor="王芳", at=t("2026-11-20 10:00"))
    assert who.value.field == "as" and who.value.status == 403


def test_plan_survey_approval_and_gaps(site: Desk) -> None:
    service.create_plan(site, 2027, None, t("2026-11-20 09:00"))
    with pytest.raises(DomainError, match="survey"):
        service.approve_plan(site, 2027, "陈静", t("2026-12-20 09:00"))
    service.attach_survey(site, 2027, "亲子活动 62%，健康讲座 48%", t("2026-12-15 09:00"))
    for starts, large in [("2027-04-10 09:00", True), ("2027-07-10 09:00", False),
                          ("2027-10-01 09:00", True), ("2028-01-09 09:00", False)]:
        service.propose(site, title="活动", starts_at=t(starts), at=t("2026-11-20 09:00"),
                        large=large, **PROPOSAL)
    plan = service.approve_plan(site, 2027, "陈静", t("2026-12-20 09:00"))
    assert plan["approved_by"] == "陈静" and plan["survey"].startswith("亲子")
    assert [(g["kind"], g["period"]) for g in plan["gaps"]] == [
        ("large_event", "Q1"), ("large_event", "Q3")]
    assert service.season_of(date(2028, 1, 9)) == (2027, "winter")
    assert service.season_of(date(2028, 2, 9)) is None
    assert service.season_window(2027, "冬季") == (date(2027, 12, 1), date(2028, 2, 1))
