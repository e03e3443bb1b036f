"""The archivist (a role that does not see phones) never reads an owner's phone in full —
file cards in text and JSON, the audit, a filed ticket record it reads; a month that is
not one is refused naming the field (through the CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core import tickets
from core.desk import Desk
from plugins.archives import service

PHONE = "13812345678"  # every owner's phone on the test site


def _filed_record(desk: Desk) -> int:
    """A closed repair at 1-1-502: its handling record is filed; the document's id."""
    n = tickets.intake(desk, category="repair", unit="1-1-502", summary="厨房水管漏水",
                       by="王芳", at="2026-11-19 09:00")["number"]
    tickets.dispatch(desk, n, "赵强", at="2026-11-19 09:10")
    tickets.start(desk, n, at="2026-11-19 09:20")
    tickets.resolve(desk, n, "更换软管", at="2026-11-19 10:00")
    tickets.report(desk, n, True, at="2026-11-19 10:30")
    tickets.close(desk, n, at="2026-11-19 11:00")
    [doc] = service.show_file(desk, "1-1-502")["contents"]["daily"]
    return doc["id"]


def test_the_archivist_sees_owners_phones_masked_everywhere(arch: Desk, run,
                                                            tmp_path: Path) -> None:
    doc = _filed_record(arch)
    run("--as", "孙丽", "archive", "hold", "1-1-502", "--reason", "纠纷")
    outputs = [run("--as", "孙丽", "archive", *args).output for args in (
        ["show", "1-1-502"], ["show", "1-1-502", "--json"], ["list"], ["list", "--json"],
        ["audit", "2026-11"], ["audit", "2026-11", "--json"])]
    assert all(PHONE not in o for o in outputs)
    assert json.loads(outputs[1])["owner_phone"] == "138****5678"
    assert json.loads(outputs[5])["held"][0]["owner_phone"] == "138****5678"
    assert run("--as", "孙丽", "archive", "request", "1-1-502", "--purpose", "view",
               "--requester", "孙丽", "--reason", "整理", "--document", str(doc)).exit_code == 0
    assert run("--as", "周敏", "archive", "approve", "1").exit_code == 0
    read = run("--as", "孙丽", "archive", "read", "1", "--document", str(doc))
    assert read.exit_code == 0 and PHONE not in read.output and "138****5678" in read.output
    # the front desk sees phones: the same record in full under its own request
    run("--as", "王芳", "archive", "request", "1-1-502", "--purpose", "view", "--requester",
        "王芳", "--reason", "核对", "--document", str(doc))
    run("--as", "周敏", "archive", "approve", "2")
    assert PHONE in run("--as", "王芳", "archive", "read", "2", "--document", str(doc)).output


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "x", "2026-11-01"])
def test_an_audit_for_a_month_that_is_not_one_is_refused(arch: Desk, run, month: str) -> None:
    out = run("archive", "audit", month)
    assert out.exit_code == 2 and out.stderr.startswith("error: month: use YYYY-MM"), out.output
