"""Notifications people receive, against real receivers on loopback: an SMTP server
(aiosmtpd), and HTTP servers answering as the WeCom and DingTalk robots and an SMS gateway.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from core import deadlines, tickets
from core.config import load_config
from core.desk import Desk
from core.notifiers import channels, outbox
from tests.conftest import Clock, make_desk


class Robot(ThreadingHTTPServer):
    """A robot or gateway: records each POST; `fail` answers that many with an error;
    `hold` (an Event) keeps a request waiting until the test sets it."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.fail = 0
        self.hold: threading.Event | None = None
        self.got = threading.Event()
        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/send?key=k"


class Handler(BaseHTTPRequestHandler):
    server: Robot

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.server.hold is not None:
            self.server.hold.wait(20)
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        if self.server.fail:
            self.server.fail -= 1
            answer, status = {"errcode": 45009, "errmsg": "api freq out of limit"}, 200
        else:
            self.server.posts.append({"body": body, "query": query,
                                      "auth": self.headers.get("Authorization")})
            answer, status = {"errcode": 0, "errmsg": "ok"}, 200
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.server.got.set()

    def log_message(self, *args: Any) -> None:
        pass


class Mailbox:
    """aiosmtpd handler: keeps every message; `hold` delays the DATA answer."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.hold: threading.Event | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.hold is not None:
            import asyncio

            await asyncio.get_running_loop().run_in_executor(None, self.hold.wait, 20)
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def receivers() -> Iterator[dict[str, Any]]:
    box = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = Controller(box, hostname="127.0.0.1", port=port)
    smtp.start()
    robots = {"wecom": Robot(), "dingtalk": Robot(), "sms": Robot()}
    yield {"mail": box, "smtp_port": port, **robots}
    smtp.stop()
    for r in robots.values():
        r.shutdown()
        r.server_close()


def configure(tmp_path: Path, r: dict[str, Any], extra: str = "") -> Path:
    path = tmp_path / "propdesk.toml"
    path.write_text(f"""
[plugins.notify]
backoff_seconds = 60
max_attempts = 3
timeout_seconds = 5
[plugins.notify.channels.email]
host = "127.0.0.1"
port = {r['smtp_port']}
sender = "desk@example.com"
[plugins.notify.channels.wecom]
url = "{r['wecom'].url}"
[plugins.notify.channels.dingtalk]
url = "{r['dingtalk'].url}"
secret = "SECtest"
[plugins.notify.channels.sms]
url = "{r['sms'].url}"
template = '{{"phone": "{{mobile}}", "content": "{{text}}", "sign": "物业"}}'
headers = {{ Authorization = "Bearer gw" }}
[plugins.notify.contacts]
"陈静" = {{ email = "chenjing@example.com", mobile = "13900000001" }}
"刘洋" = {{ email = "liuyang@example.com", mobile = "13900000002" }}
{extra}
""", encoding="utf-8")
    return path


@pytest.fixture
def notified(site: Desk, db_url: str, clock: Clock, tmp_path: Path, receivers: dict[str, Any]
             ) -> Desk:
    return make_desk(db_url, clock, config=load_config(configure(tmp_path, receivers)))


def subject(msg: Any) -> str:
    return str(make_header(decode_header(msg["Subject"])))


def test_a_major_complaint_breach_reaches_the_manager_on_every_channel(
        notified: Desk, receivers: dict[str, Any], clock: Clock) -> None:
    n = tickets.intake(notified, category="complaint", severity="major", unit="1-1-502",
                       summary="电梯困人", by="王芳", at="2026-11-20 09:00")["number"]
    outbox.deliver_due(notified, wait=True)  # intake: important information to the leads
    first = len(receivers["sms"].posts)
    assert first == 2  # supervisor and manager, one SMS each
    clock.at += timedelta(hours=3)  # the 2-hour reply deadline has passed
    deadlines.check(notified)
    sent = outbox.deliver_due(notified, wait=True)
    assert all(c["failed"] == 0 and c["retry"] == 0 for c in sent.values())
    rcpts, mail = receivers["mail"].messages[-1]
    assert "chenjing@example.com" in rcpts and n in subject(mail)
    assert "13812345678" not in mail.get_payload(decode=True).decode()  # no owner's phone
    wecom = receivers["wecom"].posts[-1]["body"]
    assert wecom["msgtype"] == "text" and n in wecom["text"]["content"]
    assert "13900000001" in wecom["text"]["mentioned_mobile_list"]
    ding = receivers["dingtalk"].posts[-1]
    mac = hmac.new(b"SECtest", f"{ding['query']['timestamp']}\nSECtest".encode(),
                   hashlib.sha256).digest()
    assert ding["query"]["sign"] == base64.b64encode(mac).decode()  # the robot's 加签
    assert "13900000001" in ding["body"]["at"]["atMobiles"]
    sms = receivers["sms"].posts[first:]
    assert {p["body"]["phone"] for p in sms} >= {"13900000001"}
    assert all(p["auth"] == "Bearer gw" and n in p["body"]["content"] for p in sms)
    rows = outbox.listing(notified)
    assert {r["status"] for r in rows} == {"sent"}
    assert {r["event"] for r in rows} == {"ticket_created", "sla_breached"}


def test_group_complaint_risk_goes_to_the_site_manager_at_once(
        notified: Desk, receivers: dict[str, Any]) -> None:
    for i, unit in enumerate(["1-1-101", "1-1-502", "2-1-301"]):
        tickets.intake(notified, category="complaint", severity="minor", unit=unit,
                       topic="噪音", summary="夜间施工噪音", by="王芳",
                       at=f"2026-11-20 09:0{i}")
    rows = [r for r in outbox.listing(notified) if r["event"] == "warning_raised"]
    assert rows and all(r["recipients"] == ["陈静"] for r in rows)
    outbox.deliver_due(notified, wait=True)
    assert any("预警" in p["body"]["text"]["content"] for p in receivers["wecom"].posts)


def test_a_refusing_receiver_is_retried_with_backoff_then_failed_and_told(
        notified: Desk, receivers: dict[str, Any], clock: Clock) -> None:
    receivers["wecom"].fail = 1
    tickets.intake(notified, category="public_safety", unit="1-1-502", summary="消防通道堵塞",
                   by="王芳", at="2026-11-20 09:00")
    first = outbox.deliver_due(notified, wait=True)
    assert first["wecom"] == {"sent": 0, "retry": 1, "failed": 0}
    row = next(r for r in outbox.listing(notified) if r["channel"] == "wecom")
    assert row["status"] == "pending" and "45009" in row["last_error"]
    assert outbox.deliver_due(notified, wait=True)["wecom"]["sent"] == 0  # not yet due
    clock.at += timedelta(seconds=61)
    assert outbox.deliver_due(notified, wait=True)["wecom"]["sent"] == 1
    receivers["dingtalk"].fail = 10
    tickets.intake(notified, category="public_safety", unit="1-1-101", summary="高空抛物",
                   by="王芳", at="2026-11-20 09:05")
    for _ in range(3):
        outbox.deliver_due(notified, wait=True)
        clock.at += timedelta(hours=1)
    failed = [r for r in outbox.listing(notified, "failed") if r["channel"] == "dingtalk"]
    assert failed and failed[0]["attempts"] == 3 and "45009" in failed[0]["last_error"]


def test_a_slow_channel_delays_only_itself(notified: Desk, receivers: dict[str, Any]) -> None:
    receivers["mail"].hold = threading.Event()  # the mail server does not answer DATA
    try:
        tickets.intake(notified, category="public_safety", unit="1-1-502",
                       summary="消防通道堵塞", by="王芳", at="2026-11-20 09:00")
        outbox.deliver_due(notified)  # lanes start; this call does not wait
        assert receivers["wecom"].got.wait(10)  # the robot got its message meanwhile
        assert receivers["mail"].messages == []
    finally:
        receivers["mail"].hold.set()
    for lane in notified.state["notify_lanes"].values():
        lane.join(20)
    assert receivers["mail"].messages


def test_routes_a_site_writes_replace_the_defaults(site: Desk, db_url: str, clock: Clock,
                                                  tmp_path: Path,
                                                  receivers: dict[str, Any]) -> None:
    desk = make_desk(db_url, clock, config=load_config(configure(tmp_path, receivers, """
[[plugins.notify.routes]]
event = "ticket_created"
category = "repair"
staff = ["刘洋"]
channels = ["sms"]
""")))
    tickets.intake(desk, category="repair", unit="1-1-502", summary="水管漏水", by="王芳",
                   at="2026-11-20 09:00")
    tickets.intake(desk, category="public_safety", unit="1-1-502", summary="消防通道堵塞",
                   by="王芳", at="2026-11-20 09:01")  # no route for it any more
    rows = outbox.listing(desk)
    assert [(r["channel"], r["recipients"]) for r in rows] == [("sms", ["刘洋"])]


def test_a_site_without_channels_queues_nothing(site: Desk) -> None:
    tickets.intake(site, category="public_safety", unit="1-1-502", summary="消防通道堵塞",
                   by="王芳", at="2026-11-20 09:00")
    assert outbox.listing(site) == []


@pytest.mark.parametrize(("toml", "key"), [
    ('[plugins.notify.channels.wecom]\nurl = "ftp://x"', "plugins.notify.channels.wecom.url"),
    ('[plugins.notify.channels.sms]\nurl = "http://x"\ntemplate = "{text}"',
     "plugins.notify.channels.sms.template"),
    ('[plugins.notify]\nretries = 3', "plugins.notify.retries"),
])
def test_bad_settings_are_one_line_naming_the_key(run, tmp_path: Path, toml: str,
                                                  key: str) -> None:
    (tmp_path / "propdesk.toml").write_text(toml, encoding="utf-8")
    out = run("notify", "list")
    assert out.exit_code == 2 and out.output.startswith(f"error: {key}:"), out.output


def test_the_command_line(run, db_url: str, tmp_path: Path, receivers: dict[str, Any]) -> None:
    configure(tmp_path, receivers)
    assert run("init").exit_code == 0
    assert run("staff", "add", "陈静", "--role", "manager").exit_code == 0
    assert run("staff", "add", "王芳", "--role", "frontdesk").exit_code == 0
    out = run("--as", "陈静", "notify", "test", "wecom", "--to", "陈静")
    assert out.exit_code == 0 and "sent" in out.output, out.output
    assert "测试消息" in receivers["wecom"].posts[-1]["body"]["text"]["content"]
    refused = run("--as", "王芳", "notify", "list")
    assert refused.exit_code == 2 and refused.output.startswith("error: as:")
    listed = json.loads(run("notify", "list", "--json").output)
    assert listed[0]["channel"] == "wecom" and listed[0]["status"] == "sent"
    assert run("notify", "test", "email", "--to", "路人甲").output.startswith("error: to:")
    assert json.loads(run("notify", "send", "--json").output) is not None


def test_dingtalk_signature_is_the_documented_one() -> None:
    url = channels.dingtalk_url("https://oapi.dingtalk.com/robot/send?access_token=t", "SECx",
                                now_ms=1700000000000)
    mac = hmac.new(b"SECx", b"1700000000000\nSECx", hashlib.sha256).digest()
    assert url.endswith("&timestamp=1700000000000&sign="
                        + urllib.parse.quote_plus(base64.b64encode(mac).decode()))
