"""Every bad input refused with one line naming the key or field (exit 2 / HTTP 4xx),
before anything is written, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from core import directory, tickets, tokens
from core.api.app import create_app
from core.config import Config, load_config
from core.desk import Desk
from core.errors import ConfigError, DomainError
from core.reports.render import render

BODY = {"category": "repair", "unit": "1-1-502", "summary": "厨房水管漏水"}


def _one_line(result: Any, starts: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(starts), result.stderr


# ------------------------------------------------------------------ configuration


def test_a_typo_in_enabled_plugins_names_the_key_and_the_name(run, tmp_path: Path) -> None:  # noqa: ANN001
    (tmp_path / "propdesk.toml").write_text('[plugins]\nenabled = ["keyz"]\n')
    result = run("--config", str(tmp_path / "propdesk.toml"), "calendar", "show", "2026-10")
    _one_line(result, "error: plugins.enabled: unknown plugin 'keyz'; installed: ")
    assert "keys" in result.stderr


def test_a_gbk_config_is_one_line(run, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / "gbk.toml"
    path.write_bytes('[site]\nname = "示例物业服务中心"\n'.encode("gbk"))
    result = run("--config", str(path), "calendar", "show", "2026-10")
    _one_line(result, f"error: config: {path}: not UTF-8 text")
    with pytest.raises(ConfigError, match="save it as UTF-8"):
        load_config(path)


@pytest.mark.parametrize(("opens", "closes"), [("18:00", "08:30"), ("09:00", "09:00")])
def test_business_hours_must_open_before_they_close(opens: str, closes: str) -> None:
    with pytest.raises(ConfigError) as exc:
        from core.config import parse_config

        parse_config({"site": {"open_of_business": opens, "close_of_business": closes}})
    assert exc.value.field == "site.close_of_business"


# ------------------------------------------------------------------ options


@pytest.mark.parametrize("value", ["-1", "0", "abc", "nan", "inf", "1e9"])
def test_watch_interval_is_refused_unless_positive(run, value: str) -> None:  # noqa: ANN001
    _one_line(run("watch", f"--interval={value}"), "error: Invalid value for '--interval'")


@pytest.mark.parametrize("args", [
    ["report", "monthly", "2026-13"], ["report", "monthly", "2026-0"],
    ["report", "quarterly", "2026-Q5"], ["report", "half", "2026-H3"],
    ["report", "monthly", "abc"], ["calendar", "show", "2026-13"],
    ["followup", "rain", "2026-02-30"], ["ticket", "list", "--limit", "-1"],
    ["followup", "due", "--limit", "0"], ["webhook", "deliveries", "--limit", "-5"],
    ["token", "revoke", "0"], ["serve", "--port", "0"], ["serve", "--workers", "0"],
])
def test_periods_months_and_counts_are_validated(run, args: list[str]) -> None:  # noqa: ANN001
    run("init")
    result = run(*args)
    _one_line(result, "error: ")
    assert any(word in result.stderr for word in ("period", "month", "day", "--limit",
                                                  "TOKEN_ID", "--port", "--workers")), result.stderr


# ------------------------------------------------------------------ control characters


@pytest.fixture
def api(site: Desk) -> Any:
    token = tokens.create(site, "王芳")["token"]
    with TestClient(create_app(site)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


@pytest.mark.parametrize(("field", "value"), [
    ("summary", "漏水\x00"), ("summary", "漏水\x1b[2J"), ("unit", "1-1-502\x00"),
    ("location", "\x07大堂"), ("category", "repair\x00"), ("by", "王芳\x00"),
])
def test_control_characters_are_422_naming_the_field(api: TestClient, site: Desk,
                                                     field: str, value: str) -> None:
    body = dict(BODY) if field != "location" else {"category": "repair", "summary": "x",
                                                    "location": value}
    body[field] = value
    r = api.post("/tickets", json=body)
    assert r.status_code == 422 and r.json()["field"] == field, r.text
    assert api.get("/tickets").json() == []


def test_tab_and_newline_are_fine_in_free_text(api: TestClient, site: Desk) -> None:
    r = api.post("/tickets", json=BODY | {"summary": "厨房\t水管\r\n漏水"})
    assert r.status_code == 201, r.text
    n = r.json()["number"]
    bad = api.post(f"/tickets/{n}/dispatch", json={"to": "赵强", "note": "尽快\x00"})
    assert bad.status_code == 422 and bad.json()["field"] == "note"
    q = api.get("/tickets", params={"state": "received\x00"})
    assert q.status_code == 422 and q.json()["field"] == "state"
    nested = api.post("/staff", json={"name": "新人", "role": "frontdesk",
                                      "department": "客服\x1f部"})
    assert nested.status_code == 422 and nested.json()["field"] == "department"


def test_the_services_refuse_them_too(site: Desk, run) -> None:  # noqa: ANN001
    """The CLI's path: no HTTP layer in front, the service names the field."""
    for call, field in [
        (lambda: tickets.intake(site, category="repair", summary="a\x00", by="王芳"), "summary"),
        (lambda: tickets.intake(site, category="repair", summary="a", by="王芳",
                                location="b\x1b"), "location"),
        (lambda: directory.add_staff(site, "坏\x00人", "frontdesk"), "name"),
        (lambda: directory.add_unit(site, "9-9-909", "李\x00", "13812345678"), "owner"),
    ]:
        with pytest.raises(DomainError) as exc:
            call()
        assert exc.value.field == field
    n = tickets.intake(site, category="repair", summary="a", by="王芳")["number"]
    with pytest.raises(DomainError) as exc:
        tickets.dispatch(site, n, "赵强", note="x\x08")
    assert exc.value.field == "note"


# ------------------------------------------------------------------ body limit


def test_oversized_bodies_are_413_whatever_the_transfer_encoding(serve: Any,
                                                                 site: Desk) -> None:
    token = tokens.create(site, "王芳")["token"]
    base = serve(site)
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    big = b'{"category": "repair", "summary": "' + b"x" * 70_000 + b'"}'

    def chunks() -> Any:
        for i in range(0, len(big), 4096):
            yield big[i:i + 4096]
    with httpx.Client(base_url=base, timeout=30) as client:
        declared = client.post("/tickets", content=big, headers=auth)
        chunked = client.post("/tickets", content=chunks(), headers=auth)
        assert declared.status_code == 413 and declared.json()["field"] == "body"
        assert chunked.request.headers.get("transfer-encoding") == "chunked"
        assert chunked.status_code == 413 and chunked.json()["field"] == "body"
        small = client.post("/tickets", content=iter([b'{"category": "repair", ',
                                                      b'"summary": "x", "unit": "1-1-502"}']),
                            headers=auth)
        assert small.status_code == 201, small.text
    assert not serve.errors.records


# ------------------------------------------------------------------ phones


@pytest.mark.parametrize("phone", ["139000", "12345678", "0755-234567", "+1 202 555 0143",
                                   "1381234567a"])
def test_phones_must_be_chinese_numbers(api: TestClient, phone: str) -> None:
    r = api.post("/units", json={"code": "9-9-909", "phone": phone})
    assert r.status_code in (403, 422)  # the desk may add units: 422 on the phone
    assert r.status_code == 422 and r.json()["field"] == "phone", r.text


@pytest.mark.parametrize(("phone", "stored"), [
    ("138 1234 5678", "13812345678"), ("+86 13812345678", "13812345678"),
    ("021-12345678", "02112345678"), ("400-810-8888", "4008108888"),
    ("800 810 1234", "8008101234")])
def test_real_numbers_are_accepted_and_normalised(site: Desk, phone: str, stored: str) -> None:
    assert directory.add_unit(site, "9-9-909", "业主", phone)["phone"] == stored


def test_cli_refuses_a_short_phone(run) -> None:  # noqa: ANN001
    run("init")
    _one_line(run("unit", "add", "9-9-909", "--phone", "139000"),
              "error: phone: not a valid Chinese phone number: '139000'")


# ------------------------------------------------------------------ escaping


def test_markdown_and_html_reports_escape_what_they_print(site: Desk) -> None:
    from core.reports import report

    site.config = Config.model_validate({"site": {"name": "<script>alert(1)</script>|*x*"}})
    figures = report(site, "monthly", "2026-11")
    md, page = render(figures, "md"), render(figures, "html")
    for out in (md, page):
        assert "<script>" not in out and "&lt;script&gt;" in out
    assert "\\|\\*x\\*" in md
