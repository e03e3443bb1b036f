"""Masking by role in every core output: a role that may not see owners' phones never
gets one in full, in tables, JSON, the history's notes or free text."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from core import directory, tickets, tokens
from core.api.app import create_app
from core.desk import Desk
from core.permissions import mask_deep, redact

FULL, TYPED = "13812345678", "13698765432"


@pytest.fixture
def filled(site: Desk) -> tuple[Desk, str]:
    for name, role in (("档案员", "archivist"), ("培训师", "trainer"), ("集成商", "integrator")):
        directory.add_staff(site, name, role)
    n = tickets.intake(site, category="repair", unit="1-1-502", by="王芳",
                       summary=f"漏水，回电{TYPED}", at="2026-11-19 09:00")["number"]
    tickets.dispatch(site, n, "赵强", note=f"业主电话 {FULL}", at="2026-11-19 09:10")
    tickets.contact(site, n, f"已致电{TYPED}", at="2026-11-19 09:20")
    return site, n


@pytest.mark.parametrize("role", ["档案员", "培训师", "集成商"])
def test_cli_outputs_never_show_a_full_phone(filled, run, role: str) -> None:  # noqa: ANN001
    site, n = filled
    seen = []
    for args in (["unit", "list"], ["unit", "list", "--json"], ["ticket", "show", n],
                 ["ticket", "show", n, "--json"], ["ticket", "list"],
                 ["ticket", "list", "--json"], ["sla", "explain", n]):
        result = run("--as", role, *args)
        assert result.exit_code in (0, 2), result.output
        seen.append(result.stdout)
    out = "\n".join(seen)
    assert FULL not in out and TYPED not in out
    assert "138****5678" in out and "136****5432" in out


def test_the_desk_still_sees_them(filled, run) -> None:  # noqa: ANN001
    _, n = filled
    shown = json.loads(run("--as", "王芳", "ticket", "show", n, "--json").stdout)
    assert shown["contact_phone"] == FULL and TYPED in shown["summary"]


def test_api_answers_are_masked_the_same(filled) -> None:  # noqa: ANN001
    site, n = filled
    token = tokens.create(site, "档案员")["token"]
    with TestClient(create_app(site)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        text = client.get(f"/tickets/{n}").text + client.get("/tickets").text + \
            client.get("/units").text
    assert FULL not in text and TYPED not in text and "138****5678" in text


def test_mask_deep_leaves_digests_and_numbers_alone() -> None:
    digest = "a13812345678b" + "0" * 51
    view = {"sha256": digest, "number": "GD-20261119-0001", "contact_phone": FULL,
            "events": [{"data": {"note": f"电话{FULL}", "to": "赵强"}}]}
    masked = mask_deep(view)
    assert masked["sha256"] == digest and masked["number"] == view["number"]
    assert masked["contact_phone"] == "138****5678"
    assert masked["events"][0]["data"]["note"] == "电话138****5678"
    assert redact(view, "frontdesk") is view


def test_group_chat_notifications_mask_a_typed_number() -> None:
    from core.notifiers.routing import Event, message

    subject, body = message(Event("sla_breached", {"number": "GD-20261119-0001",
                                                   "summary": f"漏水，回电{TYPED}"}, None))
    assert TYPED not in subject + body and "136****5432" in body
