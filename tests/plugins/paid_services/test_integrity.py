"""The paid procedure is not bypassed: not through the core's ticket commands, not by a role
that may not, not by a time out of order; a refusal writes only what happened, atomically."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from core import directory, tickets, tokens
from core.api.app import create_app
from core.desk import Desk
from core.kit import DomainError, Forbidden, NotFound, TransitionRefused
from core.models import TicketEvent
from core.queries import show_ticket
from plugins.paid_services import jobs, payments, pricing
from plugins.paid_services.models import Job, PriceItem

from .conftest import completed, on_site, open_job


def kinds(desk: Desk, number: str) -> list[str]:
    return [e["kind"] for e in show_ticket(desk, number)["events"]]


def n_events(desk: Desk) -> int:
    with desk.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(TicketEvent)) or 0)


@pytest.fixture
def http(priced: Desk) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    keys = {n: {"Authorization": f"Bearer {tokens.create(priced, n)['token']}"}
            for n in ("王芳", "赵强", "刘洋")}
    with TestClient(create_app(priced)) as client:
        yield client, keys


# --- the veto on the core's resolve and close -------------------------------------------

def test_core_resolve_and_close_refused_until_the_procedure_is_complete(priced: Desk) -> None:
    job = on_site(priced)
    number = job["ticket"]
    with pytest.raises(TransitionRefused) as err:
        tickets.resolve(priced, number, "修好了", actor="刘洋", at="2026-11-18T15:00")
    assert err.value.field == "job" and job["number"] in str(err.value)
    assert show_ticket(priced, number)["state"] == "in_progress"
    done = completed(priced, "2026-11-19")  # the job's own completion resolves its ticket
    assert show_ticket(priced, done["ticket"])["state"] == "resolved"
    tickets.report(priced, done["ticket"], True, actor="王芳", at="2026-11-19T15:30")
    before = n_events(priced)
    with pytest.raises(TransitionRefused) as err:
        tickets.close(priced, done["ticket"], actor="王芳", at="2026-11-19T15:40")
    assert err.value.field == "job" and "paid" in str(err.value)
    assert n_events(priced) == before
    payments.pay(priced, done["number"], method="cash", receipt="R0001", actor="王芳",
                 at="2026-11-19T15:45")
    closed = tickets.close(priced, done["ticket"], actor="王芳", at="2026-11-19T15:50")
    assert closed["state"] == "closed"


def test_a_redo_after_a_reopening_resolves_through_the_core(priced: Desk) -> None:
    done = completed(priced)
    n = done["ticket"]
    tickets.report(priced, n, False, actor="王芳", at="2026-11-18T16:00")  # dissatisfied
    tickets.start(priced, n, actor="赵强", at="2026-11-18T16:30")
    assert tickets.resolve(priced, n, "返工完成", actor="赵强",
                           at="2026-11-18T17:00")["state"] == "resolved"


def test_an_unquoted_paid_service_is_not_resolved_around_the_price_list(priced: Desk) -> None:
    t = tickets.intake(priced, category="paid_service", summary="疏通", unit="1-1-101",
                       by="王芳", at="2026-11-18T09:00")
    with pytest.raises(TransitionRefused) as err:
        tickets.resolve(priced, t["number"], "疏通好了", actor="刘洋", at="2026-11-18T10:00")
    assert err.value.field == "ticket" and "quote" in str(err.value)
    # withdrawn by the customer: allowed, one event
    tickets.withdraw(priced, t["number"], "业主自行处理", actor="王芳", at="2026-11-18T10:00")
    assert kinds(priced, t["number"]) == ["received", "withdrawn"]


def test_without_a_price_list_the_procedure_does_not_apply(site: Desk) -> None:
    with site.sessions() as s:
        assert not s.scalar(select(func.count()).select_from(PriceItem))
    t = tickets.intake(site, category="paid_service", summary="疏通", unit="1-1-101",
                       by="王芳", at="2026-11-18T09:00")
    tickets.dispatch(site, t["number"], "赵强", actor="王芳", at="2026-11-18T09:10")
    tickets.start(site, t["number"], actor="赵强", at="2026-11-18T09:20")
    assert tickets.resolve(site, t["number"], "已疏通", actor="赵强",
                           at="2026-11-18T10:00")["state"] == "resolved"


def test_an_uncharged_job_leaves_its_ticket_to_the_core(priced: Desk) -> None:
    job = open_job(priced)
    jobs.refuse(priced, job["number"], "属精装修遗留问题", free=True, actor="王芳",
                at="2026-11-18T09:30")
    tickets.dispatch(priced, job["ticket"], "赵强", actor="王芳", at="2026-11-18T09:40")
    tickets.start(priced, job["ticket"], actor="赵强", at="2026-11-18T09:50")
    assert tickets.resolve(priced, job["ticket"], "免费修复", actor="赵强",
                           at="2026-11-18T10:00")["state"] == "resolved"


def test_cli_ticket_resolve_and_close_refused_then_allowed(priced: Desk, paid_run) -> None:
    job = on_site(priced)
    n = job["ticket"]
    bad = paid_run("ticket", "resolve", n, "--result", "修好了", "--at", "2026-11-18 15:00")
    assert bad.exit_code == 2 and job["number"] in bad.output and "Traceback" not in bad.output
    assert show_ticket(priced, n)["state"] == "in_progress"
    assert paid_run("paid", "sign", job["number"], "--name", "李女士", "--image", "s.png",
                    "--at", "2026-11-18 15:00").exit_code == 0
    assert paid_run("--as", "赵强", "paid", "complete", job["number"], "--at",
                    "2026-11-18 15:05").exit_code == 0
    assert paid_run("ticket", "report", n, "--satisfied", "--at",
                    "2026-11-18 15:06").exit_code == 0
    bad = paid_run("ticket", "close", n, "--at", "2026-11-18 15:07")
    assert bad.exit_code == 2 and "paid pay" in bad.output
    assert paid_run("paid", "pay", job["number"], "--method", "cash", "--receipt", "R1",
                    "--at", "2026-11-18 15:08").exit_code == 0
    ok = paid_run("ticket", "close", n, "--at", "2026-11-18 15:09")
    assert ok.exit_code == 0, ok.output
    assert show_ticket(priced, n)["state"] == "closed"


def test_http_ticket_resolve_and_close_409_then_200(http, priced: Desk) -> None:
    client, keys = http
    job = on_site(priced)
    n = job["ticket"]
    r = client.post(f"/tickets/{n}/resolve", headers=keys["刘洋"],
                    json={"result": "修好了", "at": "2026-11-18T15:00"})
    assert r.status_code == 409 and r.json()["field"] == "job"
    jobs.sign(priced, job["number"], "李女士", "s.png", at="2026-11-18T15:00")
    r = client.post(f"/paid/jobs/{job['number']}/complete", headers=keys["赵强"],
                    json={"at": "2026-11-18T15:05"})
    assert r.status_code == 200 and r.json()["status"] == "completed"
    tickets.report(priced, n, True, actor="王芳", at="2026-11-18T15:06")
    r = client.post(f"/tickets/{n}/close", headers=keys["王芳"])
    assert r.status_code == 409 and "paid" in r.json()["error"]
    r = client.post(f"/paid/jobs/{job['number']}/pay", headers=keys["王芳"],
                    json={"method": "微信", "receipt": "R1", "at": "2026-11-18T15:08"})
    assert r.status_code == 200
    assert client.post(f"/tickets/{n}/close", headers=keys["王芳"]).status_code == 200


# --- refusing the charge: one unit of work, only what happened ----------------------------

def test_a_refusal_is_all_or_nothing(priced: Desk) -> None:
    job = open_job(priced)
    tickets.contact(priced, job["ticket"], "已致电业主", actor="王芳", at="2026-11-18T09:20")
    before = n_events(priced)
    # after the quote, but before the ticket's last event: the withdrawal is refused, and
    # with it the whole refusal (the job stays quoted)
    with pytest.raises(DomainError) as err:
        jobs.refuse(priced, job["number"], "嫌贵", actor="王芳", at="2026-11-18T09:10")
    assert err.value.field == "at"
    assert jobs.show_job(priced, job["number"])["status"] == "quoted"
    assert n_events(priced) == before
    jobs.refuse(priced, job["number"], "嫌贵", actor="王芳", at="2026-11-18T09:30")
    assert kinds(priced, job["ticket"]) == ["received", "contacted", "withdrawn"]


def test_the_declined_history_has_no_work_that_was_never_done(priced: Desk) -> None:
    job = open_job(priced)
    jobs.refuse(priced, job["number"], "嫌贵", actor="王芳", at="2026-11-18T09:30")
    events = show_ticket(priced, job["ticket"])["events"]
    assert [e["kind"] for e in events] == ["received", "withdrawn"]
    assert not {"dispatched", "started", "resolved", "reported"} & {e["kind"] for e in events}
    assert "嫌贵" in events[-1]["data"]["reason"]


def test_a_refusal_twice_is_refused(priced: Desk) -> None:
    job = open_job(priced)
    jobs.refuse(priced, job["number"], "嫌贵", actor="王芳", at="2026-11-18T09:30")
    with pytest.raises(TransitionRefused) as err:
        jobs.refuse(priced, job["number"], "嫌贵", actor="王芳", at="2026-11-18T09:31")
    assert err.value.status == 409


# --- who may: the service decides, for the CLI's --as and the API's token alike -----------

PRICE = ["paid", "price-set", "PS-01", "--zh", "更换水龙头", "--en", "replace a tap", "--unit",
         "个", "--labour", "99", "--approval", "x", "--effective", "2026-12-01"]


def test_a_technician_cannot_set_prices_from_the_cli(priced: Desk, paid_run) -> None:
    bad = paid_run("--as", "赵强", *PRICE)
    assert bad.exit_code == 2 and "as: 赵强 (technician) may not set prices" in bad.output
    assert len(pricing.price_list(priced, history=True)) == 2
    assert paid_run("--as", "刘洋", *PRICE).exit_code == 0
    assert len(pricing.price_list(priced, history=True)) == 3


def test_a_technician_cannot_set_prices_through_the_api(http, priced: Desk) -> None:
    client, keys = http
    body = {"code": "PS-01", "name_zh": "更换水龙头", "name_en": "replace a tap", "unit": "个",
            "labour": "99", "approval": "x", "effective": "2026-12-01"}
    r = client.post("/paid/prices", headers=keys["赵强"], json=body)
    assert r.status_code == 403 and r.json()["field"] == "as"
    assert len(pricing.price_list(priced, history=True)) == 2
    assert client.post("/paid/prices", headers=keys["刘洋"], json=body).status_code == 201


def test_a_technician_cannot_set_prices_through_the_service(priced: Desk) -> None:
    with pytest.raises(Forbidden):
        pricing.set_price(priced, code="PS-01", name_zh="x", name_en="x", unit="个",
                          labour="1", approval="a", effective="2026-12-01", actor="赵强")


@pytest.mark.parametrize("args", [
    ["paid", "prices"],
    ["paid", "prices", "--format", "json"],
    ["paid", "decision", "GD-20261118-0001"],
    ["paid", "show", "PS-20261118-0001"],
    ["paid", "print", "PS-20261118-0001"],
    ["paid", "cashup", "2026-11-18"],
    ["paid", "statement", "2026-11"],
    PRICE,
    ["paid", "warranty", "1-1-502", "--handover", "2023-06-30", "--until", "2025-06-30"],
    ["paid", "quote", "GD-20261118-0001", "--item", "PS-01=1"],
    ["paid", "accept", "PS-20261118-0001", "--appointment", "2026-11-18 14:00"],
    ["paid", "refuse", "PS-20261118-0001", "--reason", "贵"],
    ["paid", "pay", "PS-20261118-0001", "--method", "cash", "--receipt", "R9"],
])
def test_an_unknown_as_is_refused_on_every_paid_command(priced: Desk, paid_run,
                                                       args: list[str]) -> None:
    open_job(priced)
    before = n_events(priced), jobs.show_job(priced, "PS-20261118-0001")["status"]
    bad = paid_run("--as", "某人", *args)
    assert bad.exit_code == 2 and "as: no staff member '某人'" in bad.output, bad.output
    assert (n_events(priced), jobs.show_job(priced, "PS-20261118-0001")["status"]) == before


def test_reads_are_held_to_roles_too(priced: Desk) -> None:
    with pytest.raises(Forbidden):
        payments.cash_up(priced, "2026-11-18", actor="赵强")
    from plugins.paid_services import scoring
    with pytest.raises(Forbidden):
        scoring.statement(priced, "2026-11", actor="王芳")
    with pytest.raises(NotFound) as err:
        pricing.price_list(priced, actor="nobody")
    assert err.value.field == "as"


def test_only_the_technicians_of_the_order_work_on_it(priced: Desk) -> None:
    directory.add_staff(priced, "孙磊", "technician", "工程部")
    job = on_site(priced)
    with pytest.raises(Forbidden) as err:
        jobs.sign(priced, job["number"], "李女士", "s.png", actor="孙磊", at="2026-11-18T15:00")
    assert "孙磊" in str(err.value)
    assert jobs.show_job(priced, job["number"])["signed_at"] is None
    jobs.sign(priced, job["number"], "李女士", "s.png", actor="赵强", at="2026-11-18T15:00")


# --- when: the one time rule, not before the job's last step -------------------------------

@pytest.mark.parametrize("step", ["accept", "refuse"])
def test_a_step_cannot_be_dated_before_the_quote(priced: Desk, step: str) -> None:
    job = open_job(priced)  # quoted 09:05
    call: dict[str, Any] = {
        "accept": lambda: jobs.accept(priced, job["number"], "2026-11-18T14:00",
                                      at="2026-11-18T09:00"),
        "refuse": lambda: jobs.refuse(priced, job["number"], "贵", at="2026-11-18T09:00")}
    with pytest.raises(DomainError) as err:
        call[step]()
    assert err.value.field == "at" and "before" in str(err.value)
    assert jobs.show_job(priced, job["number"])["status"] == "quoted"


def test_no_step_in_the_future_and_no_payment_before_completion(priced: Desk) -> None:
    job = completed(priced)  # completed 2026-11-18 15:05; the desk's now: 11-20 10:00
    with pytest.raises(DomainError) as err:
        payments.pay(priced, job["number"], method="cash", receipt="R1", at="2026-11-18T15:00")
    assert err.value.field == "at"
    with pytest.raises(DomainError) as err:
        payments.pay(priced, job["number"], method="cash", receipt="R1", at="2026-11-21T09:00")
    assert err.value.field == "at" and "future" in str(err.value)
    with priced.sessions() as s:
        assert s.scalar(select(Job.status)) == "completed"
