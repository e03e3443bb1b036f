"""Intake in batches (the HTTP service's group commit): each request answered on its own."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from core import hookimpl, tokens
from core.api.app import create_app
from core.config import Config
from core.desk import Desk
from core.errors import Conflict, DomainError, NotFound
from core.intake import intake_many
from core.intake_queue import IntakeQueue
from core.models import Ticket, TicketEvent


def ask(summary: str = "厨房水管漏水", **kw: Any) -> dict[str, Any]:
    return {"category": "repair", "summary": summary, "unit": "1-1-502", "by": "王芳"} | kw


def count(desk: Desk, model: type = Ticket) -> int:
    with desk.sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_a_bad_request_fails_alone(site: Desk) -> None:
    results = intake_many(site, [ask(), ask(unit="9-9-999"), ask(summary=" "),
                                 ask(category="奇怪"), ask(by="路人甲"), ask()])
    errors = [(type(r), r.field) if isinstance(r, DomainError) else None for r in results]
    assert errors == [None, (NotFound, "unit"), (DomainError, "summary"),
                      (DomainError, "category"), (NotFound, "by"), None]
    good = [r for r in results if isinstance(r, dict)]
    assert [t["number"] for t in good] == ["GD-20261120-0001", "GD-20261120-0002"]
    assert count(site) == 2


def test_a_request_that_breaks_the_transaction_costs_the_others_nothing(site: Desk) -> None:
    class Broken:
        @hookimpl
        def select_sla_policy(self, ticket: dict, clock: str, config: Any) -> str | None:
            if ticket["summary"] == "boom":
                raise RuntimeError("a plugin bug")
            return None

    site.pm.register(Broken())
    results = intake_many(site, [ask(), ask("boom"), ask()])
    assert isinstance(results[1], RuntimeError)
    assert [r["summary"] for r in (results[0], results[2])] == ["厨房水管漏水"] * 2
    assert count(site) == 2
    assert count(site, TicketEvent) == 2  # nothing of the broken one was written


def test_a_plugin_failing_on_one_request_while_classifying_fails_it_alone(site: Desk) -> None:
    class Fussy:
        @hookimpl
        def classify_ticket(self, ticket: dict, config: Any) -> dict | None:
            if ticket["summary"] == "boom":
                raise RuntimeError("a plugin bug")
            return None

    site.pm.register(Fussy(), name="fussy")
    results = intake_many(site, [ask(), ask("boom"), ask()])
    assert isinstance(results[1], RuntimeError)
    assert isinstance(results[0], dict) and isinstance(results[2], dict)
    assert count(site) == 2


def test_one_key_twice_in_a_batch_makes_one_ticket(site: Desk) -> None:
    first, again, other = intake_many(site, [
        ask(idempotency_key="call-1"), ask(idempotency_key="call-1"),
        ask("别的事", idempotency_key="call-1")])
    assert isinstance(first, dict) and isinstance(again, dict)
    assert again["number"] == first["number"] and again.get("replayed")
    assert isinstance(other, Conflict)
    assert count(site) == 1


def test_numbers_and_history_match_one_by_one(site: Desk) -> None:
    made = intake_many(site, [
        ask(), ask("电梯困人", category="complaint", severity="major"),
        ask(answer="已告知", category="inquiry")])
    assert [t["number"] for t in made] == [f"GD-20261120-000{i}" for i in (1, 2, 3)]
    assert [[e["kind"] for e in t["events"]] for t in made] == [
        ["received"], ["received", "notified"], ["received", "resolved"]]
    assert made[2]["state"] == "resolved"
    assert all(c["met_at"] for c in made[2]["clocks"])


def test_the_queue_writes_concurrent_requests_together(site: Desk) -> None:
    """Requests queued while a batch is being written go out together in the next one.

    The first batch is held (a `classify_ticket` plugin waits) until all 24 requests have
    queued, so the rest must form one batch: a writer that wrote one request per
    transaction would make up to 24.
    """
    queued = threading.Event()

    class Gate:
        @hookimpl
        def classify_ticket(self, ticket: dict[str, Any]) -> None:
            assert queued.wait(timeout=30), "the test never released the writer"

    site.pm.register(Gate())
    queue = IntakeQueue(site, idle=0.2)
    futures = []
    lock = threading.Lock()

    def submit(i: int) -> None:
        future = queue.submit(ask(f"第{i}号"))
        with lock:
            futures.append(future)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queued.set()  # every request is in the queue: let the first batch finish
    numbers = {f.result(timeout=30)["number"] for f in futures}
    assert len(numbers) == 24 and queue.requests == 24
    assert queue.batches <= 2  # the held first batch, then everything that queued behind it
    deadline = time.monotonic() + 10  # idle: the writer thread ends ...
    while queue._running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not queue._running
    again = queue.submit(ask()).result(timeout=30)  # ... and starts again when needed
    assert again["number"] == "GD-20261120-0025"


def test_http_intakes_under_concurrency_each_get_their_ticket(site: Desk) -> None:
    token = tokens.create(site, "王芳")["token"]
    statuses: list[tuple[int, str]] = []

    with TestClient(create_app(site)) as client:
        def post(i: int) -> None:
            body = {"category": "repair", "summary": f"第{i}号", "unit": "1-1-502"}
            if i % 5 == 0:
                body["unit"] = "9-9-999"  # some fail, alone
            r = client.post("/tickets", json=body, headers={"Authorization": f"Bearer {token}"})
            statuses.append((r.status_code, r.json().get("number", r.json().get("field"))))

        threads = [threading.Thread(target=post, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(s for s, _ in statuses) == [201] * 16 + [404] * 4
    assert len({n for s, n in statuses if s == 201}) == 16
    assert {n for s, n in statuses if s == 404} == {"unit"}


def test_a_revocation_elsewhere_takes_effect_within_the_cache_time(site: Desk) -> None:
    site.config = Config.model_validate({"service": {"token_cache_seconds": 0.3}})
    row = tokens.create(site, "王芳")
    assert tokens.authenticate(site, row["token"]) is not None
    other = Desk(config=site.config, engine=site.engine, pm=site.pm)  # another process
    tokens.revoke(other, row["id"])
    assert tokens.authenticate(site, row["token"]) is not None  # still trusted, briefly
    time.sleep(0.4)
    assert tokens.authenticate(site, row["token"]) is None


@pytest.mark.parametrize("seconds", [0])
def test_no_token_cache_when_set_to_zero(site: Desk, seconds: float) -> None:
    site.config = Config.model_validate({"service": {"token_cache_seconds": seconds}})
    row = tokens.create(site, "王芳")
    assert tokens.authenticate(site, row["token"]) is not None
    tokens.revoke(Desk(config=site.config, engine=site.engine, pm=site.pm), row["id"])
    assert tokens.authenticate(site, row["token"]) is None


def test_a_batch_queues_its_webhooks_in_one_write(site: Desk) -> None:
    from sqlalchemy import event

    from core import webhooks
    from core.models import WebhookDelivery

    webhooks.subscribe(site, "http://127.0.0.1:9/hook", ["ticket_created"])
    inserts: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("INSERT INTO webhook_deliveries"):
            inserts.append(statement)

    event.listen(site.engine, "before_cursor_execute", seen)
    try:
        made = intake_many(site, [ask(f"第{i}号") for i in range(5)])
    finally:
        event.remove(site.engine, "before_cursor_execute", seen)
    assert len(inserts) == 1
    with site.sessions() as s:
        payloads = [d.payload for d in s.scalars(select(WebhookDelivery))]
    assert sorted(p["data"]["ticket"]["number"] for p in payloads) == \
        sorted(t["number"] for t in made)
