"""The HTTP service: auth, roles, idempotency, versions, validation, limits, webhooks."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core import deadlines, directory, tokens, webhooks
from core.api.app import create_app
from core.desk import Desk
from core.queries import show_ticket
from tests.conftest import Clock

BODY = {"category": "投诉", "severity": "重大", "unit": "1-1-502", "summary": "电梯困人",
        "at": "2026-11-19 09:00"}


@pytest.fixture
def api(site: Desk) -> Iterator[tuple[TestClient, dict[str, str]]]:
    directory.add_staff(site, "档案员", "archivist")
    keys = {name: tokens.create(site, name)["token"] for name in
            ("王芳", "赵强", "刘洋", "陈静", "档案员")}
    with TestClient(create_app(site)) as client:
        yield client, keys


def auth(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def test_the_ticket_object_is_the_cli_one(api, site: Desk) -> None:
    client, keys = api
    r = client.post("/tickets", json=BODY, headers=auth(keys["王芳"]))
    assert r.status_code == 201, r.text
    t = r.json()
    assert t["deadlines"] == {"reply": "2026-11-19T11:00:00+08:00",
                              "resolve": "2026-11-24T18:00:00+08:00"}
    assert client.get(f"/tickets/{t['number']}", headers=auth(keys["王芳"])).json() == \
        show_ticket(site, t["number"])
    assert r.headers["ETag"] == '"1"'


def test_401_and_403_carry_a_json_reason(api) -> None:
    client, keys = api
    r = client.get("/tickets")
    assert r.status_code == 401 and r.json()["field"] == "Authorization"
    assert client.get("/tickets", headers=auth("pd_nope")).status_code == 401
    r = client.post("/tickets", json=BODY, headers=auth(keys["赵强"]))
    assert r.status_code == 403
    assert r.json() == {"field": "as", "error": "赵强 (technician) may not intake"}
    n = client.post("/tickets", json=BODY, headers=auth(keys["王芳"])).json()["number"]
    r = client.post(f"/tickets/{n}/escalate", json={"reason": "x"}, headers=auth(keys["王芳"]))
    assert r.status_code == 403
    assert client.post(f"/tickets/{n}/escalate", json={"reason": "x"},
                       headers=auth(keys["刘洋"])).status_code == 200


def test_revoked_token_is_refused(api, site: Desk) -> None:
    client, _ = api
    row = tokens.create(site, "李娜")
    assert client.get("/tickets", headers=auth(row["token"])).status_code == 200
    tokens.revoke(site, row["id"])
    assert client.get("/tickets", headers=auth(row["token"])).status_code == 401


def test_idempotent_intake(api, site: Desk) -> None:
    client, keys = api
    headers = auth(keys["王芳"], **{"Idempotency-Key": "hotline-call-778"})
    first = client.post("/tickets", json=BODY, headers=headers)
    again = client.post("/tickets", json=BODY, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    assert len(client.get("/tickets", headers=auth(keys["王芳"])).json()) == 1
    other = client.post("/tickets", json=BODY | {"summary": "别的事"}, headers=headers)
    assert other.status_code == 409 and other.json()["field"] == "Idempotency-Key"


def test_concurrent_retries_make_one_ticket(api) -> None:
    client, keys = api
    headers = auth(keys["王芳"], **{"Idempotency-Key": "race-1"})
    results: list[int] = []

    def post() -> None:
        results.append(client.post("/tickets", json=BODY, headers=headers).status_code)

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200] * 5 + [201]
    assert len(client.get("/tickets", headers=auth(keys["王芳"])).json()) == 1


def test_a_stale_version_gets_409(api) -> None:
    client, keys = api
    n = client.post("/tickets", json=BODY, headers=auth(keys["王芳"])).json()["number"]
    ok = client.post(f"/tickets/{n}/dispatch", json={"to": "赵强"},
                     headers=auth(keys["王芳"], **{"If-Match": '"1"'}))
    assert ok.status_code == 200 and ok.headers["ETag"] == '"2"'
    stale = client.post(f"/tickets/{n}/contact", json={"note": "已联系"},
                        headers=auth(keys["王芳"], **{"If-Match": '"1"'}))
    assert stale.status_code == 409 and stale.json()["field"] == "version"
    assert client.post(f"/tickets/{n}/contact", json={"note": "已联系"},
                       headers=auth(keys["王芳"], **{"If-Match": '"2"'})).status_code == 200


@pytest.mark.parametrize(("body", "field"), [
    ({"category": "complaint"}, "summary"),
    (BODY | {"severity": "huge"}, "severity"),
    (BODY | {"unit": "9-9-9"}, "unit"),
    (BODY | {"at": "yesterday"}, "at"),
    (BODY | {"colour": "red"}, "colour"),
])
def test_bad_bodies_are_4xx_naming_the_field(api, body: dict, field: str) -> None:
    client, keys = api
    r = client.post("/tickets", json=body, headers=auth(keys["王芳"]))
    assert 400 <= r.status_code < 500
    assert r.json()["field"] == field
    assert client.get("/tickets", headers=auth(keys["王芳"])).json() == []


def test_body_limit(api) -> None:
    client, keys = api
    r = client.post("/tickets", content=b'{"summary": "' + b"x" * 70_000 + b'"}',
                    headers=auth(keys["王芳"], **{"Content-Type": "application/json"}))
    assert r.status_code == 413 and r.json()["field"] == "body"


def test_phones_are_masked_for_roles_that_do_not_need_them(api) -> None:
    client, keys = api
    n = client.post("/tickets", json=BODY, headers=auth(keys["王芳"])).json()["number"]
    assert client.get(f"/tickets/{n}", headers=auth(keys["赵强"])).json()["contact_phone"] == \
        "13812345678"
    assert client.get(f"/tickets/{n}", headers=auth(keys["档案员"])).json()["contact_phone"] == \
        "138****5678"
    units = client.get("/units", headers=auth(keys["档案员"])).json()
    assert {u["phone"] for u in units} == {"138****5678"}


def test_whole_life_over_http(api) -> None:
    client, keys = api
    fd, tech, sup = (auth(keys[k]) for k in ("王芳", "赵强", "刘洋"))
    n = client.post("/tickets", json=BODY, headers=fd).json()["number"]
    for who, action, body in [(fd, "dispatch", {"to": "赵强"}), (tech, "start", None),
                              (tech, "resolve", {"result": "已修复"}),
                              (fd, "report", {"satisfied": True, "satisfaction": 5}),
                              (sup, "close", None)]:
        r = client.post(f"/tickets/{n}/{action}", json=body, headers=who)
        assert r.status_code == 200, (action, r.text)
    assert r.json()["state"] == "closed"
    assert client.get(f"/tickets/{n}/sla", headers=fd).json()["clocks"][0]["status"] == "met late"
    cal = client.get("/calendar/2026-10", headers=fd).json()
    assert cal[9] == {"date": "2026-10-10", "working": True, "kind": "adjusted_workday",
                      "reason": "adjusted workday 调休 (国庆节 National Day)", "moved": []}


# ------------------------------------------------------------------ webhooks


class Receiver:
    """A real HTTP server that checks signatures; `fail` answers 500 that many times."""

    def __init__(self, secret: str, fail: int = 0) -> None:
        self.secret, self.fail, self.got = secret, fail, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ok = webhooks.verify(receiver.secret, body, self.headers["X-Propdesk-Signature"])
                receiver.got.append((ok, self.headers["X-Propdesk-Event"], json.loads(body)))
                status = 500 if receiver.fail > 0 else (204 if ok else 401)
                receiver.fail -= 1
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


SECRET = "s3cret-s3cret-s3cret"


def test_webhook_signature_checked_by_a_receiver(site: Desk) -> None:
    rx = Receiver(SECRET)
    try:
        webhooks.subscribe(site, rx.url, ["ticket_created", "sla_breached"], SECRET)
        from core import tickets

        n = tickets.intake(site, **BODY, by="王芳")["number"]
        assert webhooks.deliver_due(site) == {"delivered": 1, "retry": 0, "failed": 0}
        ok, event, payload = rx.got[0]
        assert ok and event == "ticket_created" and payload["data"]["ticket"]["number"] == n
        assert not webhooks.verify("wrong-secret-wrong", json.dumps(payload).encode(),
                                   f"t={int(time.time())},v1=00")
        deadlines.check(site)  # the 2 h reply clock is breached at "now" (2026-11-20)
        webhooks.deliver_due(site)
        got = [(e, p["data"].get("clock", {}).get("name")) for _, e, p in rx.got]
        assert got[0] == ("ticket_created", None) and ("sla_breached", "reply") in got, got
        assert all(ok for ok, _, _ in rx.got)
    finally:
        rx.close()


def test_webhook_retries_with_backoff_then_delivers(site: Desk, clock: Clock) -> None:
    rx = Receiver(SECRET, fail=2)
    try:
        webhooks.subscribe(site, rx.url, ["*"], SECRET)
        from core import tickets

        tickets.intake(site, **BODY, by="王芳")
        now = clock.at
        assert webhooks.deliver_due(site, now=now)["retry"] == 1
        row = webhooks.deliveries(site)[0]
        assert (row["attempts"], row["last_status"], row["status"]) == (1, 500, "pending")
        assert webhooks.deliver_due(site, now=now)["retry"] == 0  # not due yet (10 s backoff)
        from datetime import timedelta

        assert webhooks.deliver_due(site, now=now + timedelta(seconds=11))["retry"] == 1
        assert webhooks.deliver_due(site, now=now + timedelta(seconds=31))["delivered"] == 1
        assert webhooks.deliveries(site)[0]["attempts"] == 3
    finally:
        rx.close()


def test_a_dead_receiver_never_breaks_intake(site: Desk) -> None:
    site.config.service.__dict__  # noqa: B018 - defaults: 8 attempts
    webhooks.subscribe(site, "http://127.0.0.1:9/dead", ["*"], SECRET)
    from core import tickets

    started = time.perf_counter()
    t = tickets.intake(site, **BODY, by="王芳")
    assert time.perf_counter() - started < 1.0 and t["state"] == "received"
    result = webhooks.deliver_due(site)
    assert result["retry"] == 1
    assert webhooks.deliveries(site)[0]["last_error"].startswith("ConnectError")


def test_two_watchers_record_each_breach_once(db_url: str, clock: Clock) -> None:
    """Two watchers, each with its own engine, at once (PostgreSQL: row locks, SKIP LOCKED)."""
    from core import tickets
    from tests.conftest import make_desk

    first = make_desk(db_url, clock)
    directory.add_staff(first, "王芳", "frontdesk")
    numbers = [tickets.intake(first, category="complaint", severity="major", summary=f"#{i}",
                              by="王芳", at="2026-11-19 09:00")["number"] for i in range(40)]
    seen: list[str] = []

    class Count:
        from core import hookimpl

        @hookimpl
        def sla_breached(self, ticket: dict, clock: dict) -> None:
            seen.append(f"{ticket['number']}/{clock['name']}")

    desks = [make_desk(db_url, clock) for _ in range(2)]
    for d in desks:
        d.pm.register(Count())
    barrier = threading.Barrier(2)

    def run(d: Desk) -> None:
        barrier.wait()
        deadlines.check(d)

    threads = [threading.Thread(target=run, args=(d,)) for d in desks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == len(set(seen))  # nothing announced twice between the two watchers
    assert {s for s in seen if s.endswith("/reply")} == {f"{n}/reply" for n in numbers}
    for n in numbers:
        breaches = [e["data"]["clock"] for e in show_ticket(first, n)["events"]
                    if e["kind"] == "sla_breached"]
        assert len(breaches) == len(set(breaches)) and "reply" in breaches  # recorded once
    for d in [first, *desks]:
        d.engine.dispose()


def test_health_for_monitors(site: Desk) -> None:
    from datetime import timedelta

    from core import db
    from core.times import utcnow

    with TestClient(create_app(site, background=True)) as client:
        for _ in range(100):  # both loops make a first pass at start
            if all(last for _, last in site.heartbeats.values()):
                break
            time.sleep(0.05)
        r = client.get("/health")  # no token: load balancers probe without one
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "ok" and body["problems"] == {}
        assert set(body["background"]) == {"sla-watcher", "webhook-sender", "notifier"}
        site.heartbeats["sla-watcher"] = (30.0, utcnow() - timedelta(hours=1))
        r = client.get("/health")
        assert r.status_code == 503
        assert r.json()["problems"] == {"sla-watcher": "no successful pass lately"}
    down = Desk(config=site.config, engine=db.make_engine("sqlite:////nonexistent/x/y.db"),
                pm=site.pm)
    with TestClient(create_app(down)) as client:
        r = client.get("/health")
        assert r.status_code == 503 and "database" in r.json()["problems"]


def test_refusals_are_the_services_and_read_the_same_on_both_channels(api, site: Desk) -> None:
    """The role check lives in the service: the token and `--as` get one message."""
    from core.errors import refusal
    from core.permissions import Forbidden

    client, keys = api
    r = client.post("/units", json={"code": "9-9-909"}, headers=auth(keys["赵强"]))
    assert r.status_code == 403
    with pytest.raises(Forbidden) as err:
        directory.add_unit(site, "9-9-909", actor="赵强")
    found = refusal(err.value)
    assert found is not None and r.json() == found.body() == {
        "field": "as", "error": "赵强 (technician) may not add units"}
    r = client.get("/capa", headers=auth(keys["王芳"]))
    assert r.status_code == 403 and r.json()["field"] == "as"
    r = client.post("/tokens", json={"staff": "王芳"}, headers=auth(keys["刘洋"]))
    assert r.status_code == 403 and r.json() == {
        "field": "as", "error": "刘洋 (supervisor) may not manage API tokens"}
    assert [u["code"] for u in directory.list_units(site)] == ["1-1-101", "1-1-502", "2-1-301"]


def test_validation_errors_use_the_one_mapping(api) -> None:
    client, keys = api
    r = client.post("/tickets", json={"category": "投诉"}, headers=auth(keys["王芳"]))
    assert r.status_code == 422 and r.json()["field"] == "summary"


def test_a_progress_contact_over_http_meets_the_communication_clock(api, site: Desk) -> None:
    client, keys = api
    fd = auth(keys["王芳"])
    body = {"category": "报修", "unit": "1-1-502", "summary": "水管漏水", "at": "2026-11-16 09:00"}
    n = client.post("/tickets", json=body, headers=fd).json()["number"]
    for at in ("2026-11-16 10:00", "2026-11-18 10:00"):
        r = client.post(f"/tickets/{n}/contact", headers=fd,
                        json={"note": "告知维修进度", "method": "微信", "at": at})
        assert r.status_code == 200, r.text
    talk = next(c for c in r.json()["clocks"] if c["name"] == "communication")
    assert talk["met_at"] == "2026-11-18T10:00:00+08:00"
    assert r.json()["events"][-1]["data"]["method"] == "wechat"
    bad = client.post(f"/tickets/{n}/contact", headers=fd, json={"note": "x", "method": "鸽子"})
    assert bad.status_code in (400, 422) and "method" in bad.text
