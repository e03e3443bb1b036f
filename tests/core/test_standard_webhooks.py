"""Deliveries as the Standard Webhooks spec says, verified by the spec's own library on a
real loopback receiver; the same message id across retries and a redelivery."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from core import tickets, tokens, webhooks
from core.api.app import create_app
from core.desk import Desk
from core.errors import DomainError
from tests.conftest import Clock


class Verifier(ThreadingHTTPServer):
    """A receiver that checks every delivery with `standardwebhooks` (401 if it fails) and
    answers 500 to the first `fail` requests."""

    def __init__(self, secret: str, fail: int = 0) -> None:
        self.secret, self.fail = secret, fail
        self.verified: list[dict[str, Any]] = []
        self.refused: list[str] = []
        self.seen: list[str] = []  # webhook-id of every request, answered or not
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), VerifyingHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class VerifyingHandler(BaseHTTPRequestHandler):
    server: Verifier

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        headers = {k: v for k, v in self.headers.items()}
        with self.server.lock:
            self.server.seen.append(headers.get("webhook-id", ""))
            failing = self.server.fail > 0
            self.server.fail -= failing
        try:
            payload = Webhook(self.server.secret).verify(body, headers)
        except WebhookVerificationError as exc:
            self.server.refused.append(str(exc))
            status = 401
        else:
            status = 500 if failing else 204
            if not failing:
                self.server.verified.append({"id": headers["webhook-id"], "payload": payload,
                                             "legacy": headers["X-Propdesk-Signature"],
                                             "body": body})
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receivers() -> Iterator[list[Verifier]]:
    made: list[Verifier] = []
    yield made
    for r in made:
        r.shutdown()
        r.server_close()


def _ticket(site: Desk, minute: int = 0) -> str:
    return tickets.intake(site, category="repair", unit="1-1-502", summary="水管漏水",
                          by="王芳", at=f"2026-11-20 09:{minute:02d}")["number"]


def test_the_library_verifies_every_delivery(site: Desk, receivers: list[Verifier]) -> None:
    sub = webhooks.subscribe(site, "http://127.0.0.1:9/placeholder", ["*"])
    assert sub["secret"].startswith("whsec_")  # a new subscription gets the spec's secret
    webhooks.unsubscribe(site, sub["id"])
    fresh = webhooks.subscribe(site, "http://127.0.0.1:9/x", ["ticket_created"])
    webhooks.unsubscribe(site, fresh["id"])
    std = Verifier(fresh["secret"])
    old = Verifier("s3cret-s3cret-s3cret")  # a secret chosen before the spec: still verifies
    receivers += [std, old]
    a = webhooks.subscribe(site, std.url, ["ticket_created"], fresh["secret"])
    b = webhooks.subscribe(site, old.url, ["ticket_created"], "s3cret-s3cret-s3cret")
    n = _ticket(site)
    sent = webhooks.deliver_due(site)
    assert sent == {"delivered": 2, "retry": 0, "failed": 0}
    for r, sub in ((std, a), (old, b)):
        assert r.refused == [] and len(r.verified) == 1
        got = r.verified[0]
        assert got["payload"]["data"]["ticket"]["number"] == n
        assert got["id"].startswith("msg_")
        # receivers written against the older header keep working
        assert webhooks.verify(sub["secret"], got["body"], got["legacy"])


def test_a_forged_or_replayed_body_is_refused_by_the_library(site: Desk) -> None:
    secret = webhooks.new_secret()
    body = b'{"event": "ticket_created"}'
    headers = webhooks.standard_headers(secret, 7, 1_700_000_000, body)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body + b" ", headers)  # altered
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, headers)  # signed long ago: outside the tolerance


def test_retries_and_a_redelivery_keep_the_message_id(site: Desk, clock: Clock,
                                                      receivers: list[Verifier]) -> None:
    secret = webhooks.new_secret()
    r = Verifier(secret, fail=1)
    receivers.append(r)
    webhooks.subscribe(site, r.url, ["ticket_created"], secret)
    _ticket(site)
    assert webhooks.deliver_due(site)["retry"] == 1
    clock.at += timedelta(minutes=5)
    assert webhooks.deliver_due(site)["delivered"] == 1
    assert len(r.seen) == 2 and r.seen[0] == r.seen[1]  # the same webhook-id twice
    delivery = webhooks.deliveries(site)[0]
    with pytest.raises(DomainError) as refused:
        webhooks.redeliver(site, delivery["id"], actor="王芳")  # front desk: not theirs
    assert refused.value.status == 403
    again = webhooks.redeliver(site, delivery["id"], actor="陈静")
    assert again["status"] == "pending"
    with pytest.raises(DomainError) as pending:
        webhooks.redeliver(site, delivery["id"])
    assert pending.value.status == 409
    assert webhooks.deliver_due(site)["delivered"] == 1
    assert [v["id"] for v in r.verified] == [r.seen[0], r.seen[0]]
    with pytest.raises(DomainError) as missing:
        webhooks.redeliver(site, 999)
    assert missing.value.status == 404


def test_redeliver_from_the_command_line_and_http(site: Desk, run,
                                                  receivers: list[Verifier]) -> None:
    secret = webhooks.new_secret()
    r = Verifier(secret)
    receivers.append(r)
    webhooks.subscribe(site, r.url, ["ticket_created"], secret)
    _ticket(site)
    webhooks.deliver_due(site)
    delivery = webhooks.deliveries(site)[0]["id"]
    out = run("webhook", "redeliver", str(delivery), "--json")
    assert out.exit_code == 0 and json.loads(out.output)["status"] == "pending"
    again = run("webhook", "redeliver", str(delivery))
    assert again.exit_code == 2 and again.output.startswith("error: delivery_id:")
    later = site.now() + timedelta(days=60)  # the command line's desk runs on today's clock
    assert webhooks.deliver_due(site, now=later)["delivered"] == 1
    key = tokens.create(site, "陈静")["token"]
    with TestClient(create_app(site)) as client:
        answer = client.post(f"/webhooks/deliveries/{delivery}/redeliver",
                             headers={"Authorization": f"Bearer {key}"})
        assert answer.status_code == 200 and answer.json()["status"] == "pending"
    assert webhooks.deliver_due(site, now=later)["delivered"] == 1
    assert len(r.verified) == 3 and len({v["id"] for v in r.verified}) == 1
