"""The reports to hand upward: every format of a month with data, the PDF and the workbook
read back (pypdf, openpyxl) against the JSON figures, the HTML self-contained and escaped,
the API's formats and media types, the CLI's files and its refusal on a terminal."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from core import directory, reports, tickets
from core.config import parse_config
from core.desk import Desk
from core.reports.render import FORMATS, render, render_binary
from core.reports.tables import COUNTS, cell, tables
from tests.conftest import Clock, make_desk
from tests.core import test_reports

october = test_reports.october  # four tickets in 2026-10, figures worked by hand


def pdf_text(data: bytes) -> str:
    assert data[:5] == b"%PDF-"
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_every_format_of_a_month_with_data(site: Desk, october: dict[str, str]) -> None:
    r = reports.report(site, "monthly", "2026-10")
    for fmt in FORMATS:
        out = (render_binary(r, fmt, config=site.config) if fmt in ("pdf", "xlsx")
               else render(r, fmt, config=site.config))
        assert len(out) > 1000, fmt
    assert json.loads(render(r, "json")) == r


def test_the_pdf_reads_back_with_its_chinese_headings_and_figures(
        site: Desk, october: dict[str, str]) -> None:
    r = reports.report(site, "monthly", "2026-10")
    data = render_binary(r, "pdf", config=site.config)
    reader = PdfReader(io.BytesIO(data))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = pdf_text(data)
    for heading in ("示例物业服务中心 客户信息统计分析 Customer information report 2026-10",
                    "合计 Totals", "类别 Category", "投诉级别 Severity", "来源 Channel",
                    "楼栋 Building", "及时率 On time", "回访 Follow-up", "满意度 Satisfaction",
                    "预警 Warnings", "13个月趋势 13-month trend"):
        assert heading in text, heading
    # the figures as the JSON has them: totals 4 / 1 (+300%) / 2 (+100%), categories, rates
    assert "4 1 +300.0% 2 +100.0%" in text
    assert "投诉 complaint 2 1 +100.0% 1 +100.0%" in text
    on_time = next(t for t in tables(r) if t.key == "on_time")
    for row in on_time.rows:  # reply 4 2 2 0 (paused) 50.0%
        assert row[-1] == r["on_time"][row[0]]["rate"]
        assert " ".join(str(cell(v, c.kind)) for v, c in zip(row, on_time.columns,
                                                             strict=True)) in text
    assert r["on_time"]["reply"]["rate"] == 0.5 and "reply 4 2 2 0 " in text
    assert "投诉 complaint 1 1 1 100.0% 100.0% 0" in text
    assert "2 3.50 0 1 0 0 1" in text  # satisfaction: count, mean, distribution 1..5
    assert "电话 phone 2" in text and "1栋 building 1 2" in text
    # and the HTML says the same: one template for both
    page = render(r, "html", config=site.config)
    for heading in ("合计 Totals", "投诉 complaint", "+300.0%", "3.50"):
        assert heading in page


def test_the_workbook_reads_back_with_the_json_figures(site: Desk,
                                                       october: dict[str, str]) -> None:
    r = reports.report(site, "monthly", "2026-10")
    wb = load_workbook(io.BytesIO(render_binary(r, "xlsx")))
    assert wb.sheetnames[0] == "报告 Report"
    assert wb.sheetnames[1:] == [t.title for t in tables(r)]

    def rows(sheet: str) -> list[list[object]]:
        ws = wb[sheet]
        assert ws.freeze_panes == "A2"
        return [list(row) for row in ws.iter_rows(min_row=2, values_only=True)]

    assert rows("合计 Totals") == [[4, 1, 3, 2, 1]]
    assert {row[0]: (row[1], row[2], row[4]) for row in rows("类别 Category")} == {
        c["label"]: (c["count"], c["previous"], c["last_year"]) for c in r["by_category"]}
    for key, title, _ in COUNTS:
        assert dict(rows(title)) == {x["label"]: x["count"] for x in r[key]}, key
    on_time = {row[0]: row[1:] for row in rows("及时率 On time")}
    for clock, v in r["on_time"].items():
        assert on_time[clock][0] == v["clocks"] and on_time[clock][-1] == v["rate"]
    assert [(row[0], row[4], row[5]) for row in rows("回访 Follow-up")] == [
        (f["label"], f["rate"], f["target"]) for f in r["followup"]]
    sat = r["satisfaction"]
    assert rows("满意度 Satisfaction") == [[sat["count"], sat["mean"],
                                          *sat["distribution"].values()]]
    trend = rows("13个月趋势 13-month trend")
    assert {row[0]: row[1:] for row in trend[:-1]} == r["trend"]["by_category"]
    assert trend[-1] == ["total 合计", *r["trend"]["totals"]]
    # numbers are numbers with a format; headers bilingual; widths set; charts native
    ws = wb["及时率 On time"]
    rate = ws.cell(2, [c.value for c in ws[1]].index("rate 及时率") + 1)
    assert isinstance(rate.value, float) and rate.number_format == "0.0%"
    assert wb["类别 Category"]["D2"].number_format == "+0.0%;-0.0%;0.0%"
    for sheet in wb.worksheets[1:]:
        headers = [c.value for c in sheet[1] if c.value]
        assert any(re.search(r"[\u4e00-\u9fff]", h) and re.search(r"[a-z]", h)
                   for h in headers), sheet.title
        assert sheet.column_dimensions["A"].width >= 6
    assert wb["类别 Category"].column_dimensions["A"].width >= len("有偿服务 paid service")
    assert all(len(wb[s]._charts) == 1 for s in ("类别 Category", "及时率 On time",
                                                 "满意度 Satisfaction",
                                                 "13个月趋势 13-month trend"))


class Refs(HTMLParser):
    """Every tag and every src/href of a page, as a browser parses it."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "srcset", "data")]


@pytest.fixture
def hostile(db_url: str, clock: Clock) -> Desk:
    """A site whose name and a configured topic carry markup."""
    config = parse_config({
        "site": {"name": "<img src=https://evil.example/x.png>物业"},
        "topics": {"xss": {"zh": "<script>alert('x')</script>", "en": "</table>",
                           "keywords": ["脚本"]}}})
    desk = make_desk(db_url, clock, config)
    directory.add_staff(desk, "王芳", "frontdesk", "客服部")
    tickets.intake(desk, by="王芳", at="2026-10-12 09:00", channel="phone",
                   category="suggestion", topic="脚本", summary="网站问题")
    return desk


def test_the_html_is_self_contained_and_escapes_what_it_prints(hostile: Desk) -> None:
    r = reports.report(hostile, "monthly", "2026-10")
    assert any(t["label"].startswith("<script>") and t["count"] == 1 for t in r["by_topic"])
    page = render(r, "html", config=hostile.config)
    refs = Refs()
    refs.feed(page)
    assert "script" not in refs.tags and "link" not in refs.tags
    assert refs.tags.count("img") == 3  # the three charts, nothing from the site name
    assert refs.urls and all(u.startswith("data:image/svg+xml;base64,") for u in refs.urls)
    assert not re.search(r"""<[^<>]*\b(src|href)\s*=\s*["']?\s*(https?:)?//""", page)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "&lt;img src=https://evil.example/x.png&gt;物业" in page
    # the PDF prints the same text as text
    text = pdf_text(render_binary(r, "pdf", config=hostile.config))
    assert "<script>alert('x')</script> </table> 1" in text


def test_a_logo_from_the_configuration_is_embedded(db_url: str, clock: Clock,
                                                   tmp_path: Path) -> None:
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (40, 20), "#2266aa").save(logo)
    desk = make_desk(db_url, clock, parse_config({"site": {"logo": str(logo)}}))
    r = reports.report(desk, "monthly", "2026-10")
    page = render(r, "html", config=desk.config)
    assert '<img class="logo" src="data:image/png;base64,' in page
    reader = PdfReader(io.BytesIO(render_binary(r, "pdf", config=desk.config)))
    assert any(page.images for page in reader.pages[:1])  # the logo, as an image
    from core.errors import ConfigError

    bad = make_desk(db_url, clock, parse_config({"site": {"logo": str(tmp_path / "no.png")}}))
    with pytest.raises(ConfigError) as err:
        render(r, "html", config=bad.config)
    assert err.value.field == "site.logo"


def test_the_api_serves_each_format_by_query_or_accept(site: Desk,
                                                       october: dict[str, str]) -> None:
    from fastapi.testclient import TestClient

    from core import tokens
    from core.api.app import create_app

    key = {"Authorization": f"Bearer {tokens.create(site, '刘洋')['token']}"}
    with TestClient(create_app(site)) as client:
        url = "/reports/monthly/2026-10"
        plain = client.get(url, headers=key)
        assert plain.headers["content-type"] == "application/json"
        assert plain.json()["totals"]["tickets"] == 4  # JSON stays the default
        browser = client.get(url, headers=key | {"Accept": "text/html,*/*;q=0.8"})
        assert browser.headers["content-type"] == "application/json"
        pdf = client.get(url, headers=key | {"Accept": "application/pdf"})
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["content-disposition"] == (
            'attachment; filename="GD-report-monthly-2026-10.pdf"')
        assert "投诉 complaint 2 1 +100.0% 1 +100.0%" in pdf_text(pdf.content)
        xlsx = client.get(url + "?format=xlsx", headers=key)
        assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
        wb = load_workbook(io.BytesIO(xlsx.content))
        assert wb["合计 Totals"]["A2"].value == 4
        html = client.get(url + "?format=html", headers=key)
        assert html.text.count("data:image/svg+xml;base64,") == 3
        assert client.get(url + "?format=doc", headers=key).status_code == 422
        media = client.get("/openapi.json").json()["paths"]["/reports/{kind}/{period}"][
            "get"]["responses"]["200"]["content"]
        assert {"application/json", "application/pdf", "text/html", "text/csv",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} <= set(
            media)


def test_report_cli_writes_pdf_and_xlsx_files(run, tmp_path: Path) -> None:
    assert run("init").exit_code == 0
    assert run("staff", "add", "王芳", "--role", "frontdesk").exit_code == 0
    assert run("ticket", "new", "--category", "咨询", "--summary", "问路", "--by", "王芳",
               "--at", "2026-10-05 10:00", "--answer", "已答复").exit_code == 0
    out = run("report", "monthly", "2026-10", "--format", "pdf", "-o", str(tmp_path / "r.pdf"))
    assert out.exit_code == 0 and out.output == f"wrote {tmp_path / 'r.pdf'}\n"
    assert "咨询 inquiry 1 0 - 0 -" in pdf_text((tmp_path / "r.pdf").read_bytes())
    out = run("report", "quarterly", "2026-Q4", "--format", "xlsx", "-o",
              str(tmp_path / "r.xlsx"))
    assert out.exit_code == 0
    assert load_workbook(tmp_path / "r.xlsx")["合计 Totals"]["A2"].value == 1
    piped = run("report", "half", "2026-H2", "--format", "xlsx")  # not a terminal: the bytes
    assert piped.exit_code == 0 and piped.stdout_bytes[:2] == b"PK"


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_a_file_format_on_a_terminal_is_refused(db_url: str, tmp_path: Path,
                                                fmt: str) -> None:
    """A real terminal (a pty) on the real command: one line naming `output`, exit 2."""
    leader, follower = pty.openpty()
    env = os.environ | {"PROPDESK_DATABASE_URL": db_url}
    env.pop("PROPDESK_CONFIG", None)
    proc = subprocess.run([sys.executable, "-m", "core.cli.main", "report", "monthly",
                           "2026-10", "--format", fmt], stdout=follower, stderr=subprocess.PIPE,
                          env=env, cwd=tmp_path, timeout=120, check=False)
    os.close(follower)
    try:
        shown = os.read(leader, 65536) if proc.returncode == 0 else b""
    finally:
        os.close(leader)
    assert proc.returncode == 2 and shown == b""
    assert proc.stderr.decode() == (f"error: output: a {fmt} report is a file: write it with "
                                    f"-o FILE (or redirect the output)\n")
