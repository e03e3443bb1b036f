"""Bad periods refused naming the field; Markdown and HTML outputs escape what they print;
no owner's phone in any of the plugin's outputs (through the CLI)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.desk import Desk
from plugins.paid_services import jobs, payments, pricing

from .conftest import on_site

SCRIPT = "<script>alert(1)</script>"
PHONE = "13812345678"  # every owner's phone on the test site


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "2026-1", "26-11", "x", "2026-11-01"])
def test_a_statement_for_a_month_that_is_not_one_is_refused(priced: Desk, paid_run: Any,
                                                            month: str) -> None:
    out = paid_run("paid", "statement", month)
    assert out.exit_code == 2, out.output
    assert out.stderr.startswith("error: month: use YYYY-MM") and len(out.stderr.splitlines()) == 1


@pytest.mark.parametrize("option", [["cashup", "2026-02-30"], ["prices", "--on", "2026-13-01"]])
def test_a_day_that_is_not_one_is_refused(priced: Desk, paid_run: Any,
                                          option: list[str]) -> None:
    out = paid_run("paid", *option)
    assert out.exit_code == 2 and out.stderr.startswith("error: "), out.output


def _hostile(desk: Desk) -> None:
    pricing.set_price(desk, code="PS-99", name_zh=SCRIPT, name_en="**bold** | [x](javascript:)",
                      unit="<b>个</b>", labour="1", approval="<img src=x onerror=alert(1)>",
                      effective="2026-01-01")


def test_the_markdown_price_list_escapes_what_it_prints(priced: Desk, paid_run: Any) -> None:
    _hostile(priced)
    md = paid_run("paid", "prices", "--format", "md").output
    assert "<script>" not in md and "<img" not in md and "<b>" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "\\*\\*bold\\*\\* \\| \\[x\\](javascript:)" in md
    row = next(line for line in md.splitlines() if "PS-99" in line)
    assert row.count(" | ") == 6  # the pipe in the name did not make a column
    assert "| PS-02 | 疏通下水道 clear a drain | 次 | 50.50 | 含材料" in md


def test_the_html_price_list_and_work_order_escape_what_they_print(
        priced: Desk, paid_run: Any, tmp_path: Path) -> None:
    _hostile(priced)
    page = paid_run("paid", "prices", "--format", "html").output
    assert "<script>" not in page and "<img" not in page and "&lt;script&gt;" in page
    job = on_site(priced)["number"]
    jobs.record_work(priced, job, work_done=SCRIPT, cause="<i>x</i>", care_advice="a & b",
                     actor="赵强")
    out = paid_run("paid", "print", job, "--output", str(tmp_path / "wo.html"))
    assert out.exit_code == 0, out.output
    html = (tmp_path / "wo.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "<i>x</i>" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 3  # three copies


@pytest.mark.parametrize("who", ["王芳", "刘洋", "陈静", "赵强", None])
def test_no_owner_phone_in_any_paid_output(priced: Desk, paid_run: Any, tmp_path: Path,
                                           who: str | None) -> None:
    """The plugin's outputs carry no owner's phone at all, whoever reads them."""
    job = on_site(priced)["number"]
    jobs.sign(priced, job, "李女士", "sig.png", at="2026-11-18T15:00")
    jobs.complete(priced, job, actor="赵强", at="2026-11-18T15:05")
    payments.pay(priced, job, method="cash", receipt="R1", at="2026-11-18T15:10")
    as_ = ["--as", who] if who else []
    outputs = []
    for args in (["prices"], ["prices", "--format", "html"], ["prices", "--format", "json"],
                 ["show", job], ["print", job], ["decision", job.replace("PS", "GD")],
                 ["cashup", "2026-11-18"], ["cashup", "2026-11-18", "--json"],
                 ["statement", "2026-11"], ["statement", "2026-11", "--json"]):
        result = paid_run(*as_, "paid", *args)
        outputs.append(result.output)
    assert all(PHONE not in o and "****" not in o for o in outputs)
