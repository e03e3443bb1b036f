"""Training on the site database: cases drafted from tickets (anonymised), case submissions
per supervisor per month, and the quarterly appraisal from the database gradebook."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core import directory, tickets
from core.desk import Desk
from tests.training.conftest import first_right
from training.exams import Blueprint, Exam, Section, assemble
from training.gradebook import MemoryGradebook, record_attempt
from training.items import Item
from training.report import appraisal, appraisal_csv
from training.schema import load_case
from training.store import SqlGradebook

TZ = ZoneInfo("Asia/Shanghai")
PEOPLE = ["王先生", "李女士", "张先生", "王芳", "李娜", "刘洋", "陈静", "赵强", "周阿姨"]
PHONES = ["13812345678", "13912345678", "139-1234-5678", "021-65432100", "5678"]
UNITS = ["1-1-502", "2-1-301", "1-1-101", "3栋1单元502"]


def _closed_ticket(desk: Desk) -> str:
    """A complaint whose every free-text field names people, phones and units."""
    t = tickets.intake(
        desk, category="complaint", severity="important", unit="1-1-502", reporter="李女士",
        summary="李女士（13812345678）投诉2-1-301装修噪音，张先生不理会；王芳已登记",
        by="王芳", at="2026-11-16 09:00")
    n = t["number"]
    tickets.dispatch(desk, n, "赵强", actor="刘洋", at="2026-11-16 09:10",
                     note="请赵强联系周阿姨，电话139-1234-5678")
    tickets.start(desk, n, actor="赵强", at="2026-11-16 10:00")
    tickets.contact(desk, n, "已致电李女士13912345678，约3栋1单元502业主协商；座机021-65432100",
                    actor="李娜", at="2026-11-16 11:00")
    tickets.resolve(desk, n, "赵强与张先生、李女士当面协调，1-1-502与2-1-301达成作息约定",
                    actor="赵强", at="2026-11-17 15:00")
    tickets.report(desk, n, True, actor="陈静", at="2026-11-17 16:00", note="李女士满意")
    tickets.close(desk, n, actor="刘洋", at="2026-11-18 09:00")
    return n


def test_draft_from_a_closed_ticket_is_anonymous_and_valid(site: Desk, run, tmp_path: Path
                                                            ) -> None:
    number = _closed_ticket(site)
    result = run("train", "case", "from-ticket", number)
    assert result.exit_code == 0, result.output
    text = result.output
    for secret in PEOPLE + PHONES + UNITS:
        assert secret not in text, secret
    assert "业主A" in text and "员工A" in text and "电话A" in text and "X-X-XXX" in text
    path = tmp_path / "draft.yaml"
    assert run("train", "case", "from-ticket", number, "--out", str(path)).exit_code == 0
    case_id = next(line.split(": ")[1] for line in path.read_text("utf-8").splitlines()
                   if line.startswith("id: "))
    named = path.rename(tmp_path / f"{case_id}.yaml")
    case = load_case(named)
    assert case.source.kind == "ticket" and case.source.ticket == number
    assert case.expected.classification.answer == "complaint.important"
    assert case.facts.channel == "phone" and case.facts.received_at.hour == 9
    # the same person, the same placeholder in the summary, the notes and the result
    assert "业主A（电话A）投诉X-X-XXX装修噪音" in case.narrative
    assert "已致电业主A电话B" in case.narrative and "联系相关人A" in case.narrative
    assert "员工B与业主" in case.narrative and "业主A当面协调" in case.narrative
    assert "deadline" not in text and "due" not in text  # deadlines are computed, not typed


def test_only_a_closed_ticket_becomes_a_case(site: Desk, run) -> None:
    t = tickets.intake(site, category="repair", summary="水管漏水", by="王芳",
                       at="2026-11-16 09:00")
    result = run("train", "case", "from-ticket", t["number"])
    assert result.exit_code == 2 and "not closed" in result.output
    assert run("train", "case", "from-ticket", "GD-1").exit_code == 2


def test_submissions_per_supervisor_per_month(site: Desk, run, tmp_path: Path) -> None:
    directory.add_staff(site, "孙伟", "supervisor", "工程部")
    case = Path(__file__).parents[2] / "training" / "cases" / "cp-minor-lobby-light.yaml"
    ok = run("train", "case", "submit", str(case), "--by", "刘洋", "--at", "2026-10-31 23:30")
    assert ok.exit_code == 0, ok.output
    run("train", "case", "submit", str(case), "--by", "王芳", "--desk", "--at", "2026-10-05")
    run("train", "case", "submit", str(case), "--by", "孙伟", "--at", "2026-11-01 00:10")
    october = json.loads(run("train", "case", "submissions", "--month", "2026-10",
                             "--json").output)
    by = {row["staff"]: row for row in october["staff"]}
    assert by["刘洋"]["count"] == 1 and not by["刘洋"]["short"]
    assert by["孙伟"]["count"] == 0 and by["孙伟"]["short"]  # his was in November (site time)
    assert by["王芳"]["required"] == 0 and not by["王芳"]["short"]
    assert october["short"] == ["孙伟"] and october["total"] == 2
    assert october["desk"] == {"count": 1, "required": 2, "short": True,
                               "cases": ["cp-minor-lobby-light"]}
    table = run("train", "case", "submissions", "--month", "2026-11").output
    assert "刘洋" in table and "SHORT" in table
    assert run("train", "case", "submit", str(case), "--by", "无此人").exit_code == 2
    assert run("train", "case", "submissions", "--month", "2026-13").exit_code == 2


@pytest.fixture()
def exam_pair(pool: list[Item]) -> tuple[Exam, Exam]:
    plan = Blueprint(sections=[Section(count=4, kinds=["classification"])])
    return assemble(pool, plan, 1, "2026-10"), assemble(pool, plan, 2, "2026-11")



def test_appraisal_by_hand(exam_pair: tuple[Exam, Exam]) -> None:
    october, november = exam_pair
    book = MemoryGradebook()
    record_attempt(book, october, "王芳", first_right(october, 4), TZ,
                   at="2026-10-30T02:00:00+00:00")
    # 2026-10-31 17:00 UTC is 1 November in Shanghai: counts in November
    record_attempt(book, november, "王芳", first_right(november, 1), TZ,
                   at="2026-10-31T17:00:00+00:00")
    record_attempt(book, november, "王芳", first_right(november, 2), TZ,
                   at="2026-11-02T02:00:00+00:00")  # the re-take counts, not the first
    record_attempt(book, november, "李娜", first_right(november, 3), TZ,
                   at="2026-11-02T02:00:00+00:00")
    record_attempt(book, october, "李娜", first_right(october, 4), TZ,
                   at="2026-09-30T02:00:00+00:00")  # September: another quarter
    rows = appraisal(book, "2026-Q4", TZ)
    assert rows == [
        {"trainee": "李娜", "2026-10": None, "2026-11": 75.0, "2026-12": None, "mean": 75.0,
         "exams": 1, "pending": 0},
        {"trainee": "王芳", "2026-10": 100.0, "2026-11": 50.0, "2026-12": None, "mean": 75.0,
         "exams": 2, "pending": 0},
    ]
    lines = list(csv.reader(io.StringIO(appraisal_csv(rows, "2026-Q4"))))
    assert lines[0][1:4] == ["2026-10", "2026-11", "2026-12"]
    assert lines[2] == ["王芳", "100.0", "50.0", "", "75.0", "2", "0"]


def test_appraisal_cli_reads_the_database_gradebook(desk: Desk, run, tmp_path: Path,
                                                     exam_pair: tuple[Exam, Exam]) -> None:
    october, _ = exam_pair
    record_attempt(SqlGradebook(desk), october, "王芳", first_right(october, 3), TZ,
                   at="2026-10-30T02:00:00+00:00")
    out = tmp_path / "q4.csv"
    result = run("train", "report", "appraisal", "2026-Q4", "--out", str(out))
    assert result.exit_code == 0, result.output
    lines = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert lines[1] == ["王芳", "75.0", "", "", "75.0", "1", "0"]
    assert run("train", "report", "appraisal", "2026-Q5").exit_code == 2
    analysis = json.loads(run("train", "analyse", "--exam", "2026-10", "--json").output)
    assert analysis["n_trainees"] == 1
