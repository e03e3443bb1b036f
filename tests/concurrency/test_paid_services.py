"""Paid jobs under concurrency: one job paid ten times at once is paid once, a refusal sent
ten times at once refuses once, two quotes of one ticket make one job; the rest are told
why (409 with a JSON body), never a 500. Threads on a barrier, and two server processes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from core import kit, tickets
from core.desk import Desk
from core.models import Ticket, TicketEvent
from plugins.paid_services import jobs, payments, pricing
from plugins.paid_services.models import Job, Payment
from tests.concurrency.conftest import no_server_errors, together

#: server subprocesses / many requests: not in the fast set (`-m "not slow"`)
pytestmark = pytest.mark.slow


def _priced(site: Desk) -> None:
    pricing.set_price(site, code="PS-01", name_zh="更换水龙头", name_en="replace a tap",
                      unit="个", labour="30", approval="穗价〔2026〕12号", effective="2026-01-01")


def _quoted(site: Desk) -> dict[str, Any]:
    _priced(site)
    t = tickets.intake(site, category="paid_service", summary="厨房水龙头漏水", unit="1-1-502",
                       by="王芳", at="2026-11-18T09:00")
    return jobs.quote(site, t["number"], [("PS-01", "1")], actor="王芳", at="2026-11-18T09:05")


def _completed(site: Desk) -> dict[str, Any]:
    n = _quoted(site)["number"]
    jobs.accept(site, n, "2026-11-18T14:00", actor="王芳", at="2026-11-18T09:06")
    jobs.issue(site, n, ["赵强"], actor="王芳", at="2026-11-18T09:10")
    jobs.confirm_call(site, n, "业主在家", actor="赵强", at="2026-11-18T13:30")
    jobs.arrive(site, n, list(jobs.CHECKLIST), actor="赵强", at="2026-11-18T14:00")
    jobs.record_work(site, n, work_done="更换水龙头", cause="阀芯老化", care_advice="轻关",
                     actor="赵强")
    jobs.sign(site, n, "李女士", "sig.png", actor="赵强", at="2026-11-18T15:00")
    return jobs.complete(site, n, actor="赵强", at="2026-11-18T15:05")


def _payments(site: Desk) -> int:
    with site.read() as s:
        return int(s.scalar(select(func.count()).select_from(Payment)) or 0)


def _events(site: Desk, number: str, kind: str) -> int:
    with site.read() as s:
        return s.scalar(select(func.count()).select_from(TicketEvent).join(Ticket).where(
            Ticket.number == number, TicketEvent.kind == kind)) or 0


def _one_done(outcomes: list[Any]) -> list[Any]:
    done = [o for o in outcomes if isinstance(o, dict)]
    refused = [o for o in outcomes if not isinstance(o, dict)]
    assert len(done) == 1, outcomes
    assert all(isinstance(o, kit.DomainError) and o.status == 409 for o in refused), refused
    return refused


def test_ten_payments_of_one_job_in_threads_pay_once(site: Desk) -> None:
    job = _completed(site)
    refused = _one_done(together(10, lambda i: payments.pay(
        site, job["number"], method="cash", receipt=f"R{i:04d}", actor="王芳")))
    assert all("already paid" in str(o) for o in refused), refused
    assert _payments(site) == 1


def test_ten_refusals_in_threads_refuse_once(site: Desk) -> None:
    job = _quoted(site)
    _one_done(together(10, lambda i: jobs.refuse(site, job["number"], "嫌贵", actor="王芳")))
    assert _events(site, job["ticket"], "withdrawn") == 1
    assert [e["kind"] for e in kit.show_ticket(site, job["ticket"])["events"]] == \
        ["received", "withdrawn"]


def test_ten_quotes_of_one_ticket_in_threads_make_one_job(site: Desk) -> None:
    _priced(site)
    t = tickets.intake(site, category="paid_service", summary="水龙头漏水", unit="1-1-502",
                       by="王芳", at="2026-11-18T09:00")
    _one_done(together(10, lambda i: jobs.quote(site, t["number"], [("PS-01", "1")],
                                                actor="王芳", at="2026-11-18T09:05")))
    with site.read() as s:
        assert s.scalar(select(func.count()).select_from(Job)) == 1


def test_ten_payments_over_http_pay_once(site: Desk, serve) -> None:  # noqa: ANN001
    job = _completed(site)
    server = serve()
    bodies = [{"method": "微信", "receipt": f"R{i:04d}"} for i in range(10)]
    responses = server.post_together(10, f"/paid/jobs/{job['number']}/pay",
                                     server.token("王芳"), bodies)
    no_server_errors(responses)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 9, [r.text for r in responses]
    assert all(r.json()["field"] == "job" for r in responses if r.status_code == 409)
    assert _payments(site) == 1


def test_ten_refusals_over_http_refuse_once(site: Desk, serve) -> None:  # noqa: ANN001
    job = _quoted(site)
    server = serve()
    responses = server.post_together(10, f"/paid/jobs/{job['number']}/refuse",
                                     server.token("王芳"), {"reason": "嫌贵"})
    no_server_errors(responses)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 9, [r.text for r in responses]
    assert _events(site, job["ticket"], "withdrawn") == 1
    assert _events(site, job["ticket"], "dispatched") == 0


def test_a_technician_setting_prices_over_http_is_refused_in_every_process(
        site: Desk, serve) -> None:  # noqa: ANN001
    _priced(site)
    server = serve()
    body = {"code": "PS-01", "name_zh": "更换水龙头", "name_en": "replace a tap", "unit": "个",
            "labour": "99", "approval": "x", "effective": "2026-12-01"}
    responses = server.post_together(4, "/paid/prices", server.token("赵强"), body)
    no_server_errors(responses)
    assert [r.status_code for r in responses] == [403] * 4
    assert len(pricing.price_list(site, history=True)) == 1
