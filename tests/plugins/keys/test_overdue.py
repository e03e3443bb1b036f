"""The loan clock: at risk and overdue recorded exactly once, announced for work orders."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import select

from core.desk import Desk
from plugins.keys import overdue, service
from plugins.keys.models import KeyAudit
from tests.conftest import Clock, make_desk
from tests.plugins.keys.conftest import Recorder, lend

AT_13_30 = datetime(2026, 11, 19, 5, 30, tzinfo=UTC)   # 13:30 in Shanghai: 87.5 % used
AT_14_30 = datetime(2026, 11, 19, 6, 30, tzinfo=UTC)   # past the 14:00 due time


def _audited(desk: Desk, action: str) -> list[KeyAudit]:
    with desk.sessions() as s:
        return list(s.scalars(select(KeyAudit).where(KeyAudit.action == action)))


def test_an_overdue_loan_is_recorded_exactly_once(keysite: Desk, recorder: Recorder,
                                                  work_order: str) -> None:
    loan = lend(keysite, ticket=work_order)
    assert overdue.check(keysite, datetime(2026, 11, 19, 4, 0, tzinfo=UTC)) == {
        "overdue": [], "at_risk": []}
    risky = overdue.check(keysite, AT_13_30)
    assert [c["loan"] for c in risky["at_risk"]] == [loan["id"]] and not risky["overdue"]
    late = overdue.check(keysite, AT_14_30)
    assert [c["loan"] for c in late["overdue"]] == [loan["id"]]
    assert late["overdue"][0]["breached_at"] == "2026-11-19T14:30:00+08:00"
    for _ in range(3):  # later passes find nothing new
        assert overdue.check(keysite, AT_14_30) == {"overdue": [], "at_risk": []}
    assert len(_audited(keysite, "overdue")) == 1
    assert len(_audited(keysite, "at_risk")) == 1
    assert service.show_key(keysite, "K-0502")["loans"][0]["overdue_at"] == \
        "2026-11-19T14:30:00+08:00"

    # announced once each through the core's hooks, in their documented shape
    [breached] = recorder.named("sla_breached")
    assert breached["ticket"]["number"] == work_order and "events" not in breached["ticket"]
    clock = breached["clock"]
    assert {"name", "round", "policy", "due_at", "at_risk_at", "breached_at",
            "escalated_to"} <= set(clock)
    assert clock["name"] == "key_loan" and clock["policy"] == "4h"
    assert clock["due_at"] == "2026-11-19T14:00:00+08:00"
    assert clock["escalated_to"] == "supervisor" and clock["tag"] == "K-0502"
    [at_risk] = recorder.named("sla_at_risk")
    assert at_risk["clock"]["at_risk_at"] == "2026-11-19T13:12:00+08:00"


def test_a_loan_without_a_work_order_is_recorded_not_announced(keysite: Desk,
                                                               recorder: Recorder) -> None:
    """No ticket to pass: the hook's documented arguments do not fit, the audit trail does."""
    lend(keysite, "K-PD1", authorised_by=None, authorised_how=None, authorised_at=None)
    late = overdue.check(keysite, AT_14_30)
    assert late["overdue"][0]["announced"] is False
    assert recorder.named("sla_breached") == [] and recorder.named("sla_at_risk") == []
    [row] = _audited(keysite, "overdue")
    assert row.actor == "system" and row.tag == "K-PD1"
    assert row.before == {"overdue_at": None}
    assert row.after["announced"] is None and row.after["escalated_to"] == "supervisor"


def test_a_returned_loan_is_never_overdue(keysite: Desk) -> None:
    lend(keysite)
    service.return_key(keysite, "K-0502", actor="孙丽", at="2026-11-19 13:00")
    assert overdue.check(keysite, AT_14_30) == {"overdue": [], "at_risk": []}


def test_checkers_racing_record_once(keysite: Desk, db_url: str, work_order: str) -> None:
    """Several watchers on one database: each record is a compare-and-set."""
    lend(keysite, ticket=work_order)
    desks = [make_desk(db_url, Clock(AT_14_30)) for _ in range(4)]
    results: list[dict] = []
    barrier = threading.Barrier(len(desks))

    def run(desk: Desk) -> None:
        barrier.wait()
        results.append(overdue.check(desk))

    threads = [threading.Thread(target=run, args=(d,)) for d in desks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for d in desks:
        d.engine.dispose()
    assert sum(len(r["overdue"]) for r in results) == 1
    assert len(_audited(keysite, "overdue")) == 1


def test_the_core_watcher_finds_overdue_loans(keysite: Desk, recorder: Recorder,
                                              work_order: str) -> None:
    """`deadlines_checked`: the service's watcher pass covers key loans too."""
    from core import deadlines

    loan = lend(keysite, ticket=work_order)
    deadlines.check(keysite, AT_14_30)
    assert service.show_key(keysite, "K-0502")["loans"][0]["overdue_at"] == \
        "2026-11-19T14:30:00+08:00"
    assert len(_audited(keysite, "overdue")) == 1 and loan["id"]
