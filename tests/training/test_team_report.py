"""Scores per team per month, against a hand-computed fixture (memory, then the database)."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.desk import Desk
from core.errors import DomainError
from tests.training.conftest import first_right
from training.exams import Blueprint, Exam, Section, assemble
from training.gradebook import Gradebook, MemoryGradebook, record_attempt
from training.items import Item
from training.report import UNASSIGNED, team_scores
from training.store import SqlGradebook

TZ = ZoneInfo("Asia/Shanghai")
#: the departments of the `site` fixture's staff; 外包甲 is not staff
TEAMS: dict[str, str | None] = {"王芳": "客服部", "李娜": "客服部", "刘洋": "客服部",
                                "陈静": "项目部", "赵强": "工程部"}

# By hand, October 2026 (site time), percent of 4 items:
#   客服部  王芳 mean(100, 50) = 75 (two exams), 李娜 75 (the re-take counts), 刘洋 50
#          → mean 66.7, median 75.0, 3 trainees, 4 exams
#   工程部  赵强 75 → 75.0 / 75.0, 1 trainee, 1 exam
#   未分组  外包甲 0 → 0.0 / 0.0
#   陈静's attempt is 1 November in Shanghai (31 October UTC): not in October.
OCTOBER = [
    {"team": "客服部", "month": "2026-10", "trainees": 3, "exams": 4, "mean": 66.7,
     "median": 75.0, "pending": 0},
    {"team": "工程部", "month": "2026-10", "trainees": 1, "exams": 1, "mean": 75.0,
     "median": 75.0, "pending": 0},
    {"team": UNASSIGNED, "month": "2026-10", "trainees": 1, "exams": 1, "mean": 0.0,
     "median": 0.0, "pending": 0},
]
NOVEMBER = [{"team": "项目部", "month": "2026-11", "trainees": 1, "exams": 1, "mean": 25.0,
             "median": 25.0, "pending": 0}]


@pytest.fixture()
def exams(pool: list[Item]) -> tuple[Exam, Exam]:
    plan = Blueprint(sections=[Section(count=4, kinds=["classification"])])
    return assemble(pool, plan, 1, "2026-10"), assemble(pool, plan, 2, "2026-10b")



def _fill(book: Gradebook, exams: tuple[Exam, Exam]) -> None:
    first, second = exams
    for trainee, exam, right, at in [
        ("王芳", first, 4, "2026-10-30T02:00:00+00:00"),
        ("王芳", second, 2, "2026-10-20T02:00:00+00:00"),
        ("李娜", first, 1, "2026-10-05T02:00:00+00:00"),
        ("李娜", first, 3, "2026-10-06T02:00:00+00:00"),
        ("刘洋", first, 2, "2026-10-08T02:00:00+00:00"),
        ("赵强", first, 3, "2026-10-09T02:00:00+00:00"),
        ("外包甲", first, 0, "2026-10-09T02:00:00+00:00"),
        ("陈静", first, 1, "2026-10-31T17:00:00+00:00"),
    ]:
        record_attempt(book, exam, trainee, first_right(exam, right), TZ, at=at)


def test_team_scores_by_hand(exams: tuple[Exam, Exam]) -> None:
    book = MemoryGradebook()
    _fill(book, exams)
    assert team_scores(book, "2026-10", TZ, TEAMS) == OCTOBER
    assert team_scores(book, "2026-11", TZ, TEAMS) == NOVEMBER
    assert team_scores(book, "2026-12", TZ, TEAMS) == []
    everyone = team_scores(book, "2026-10", TZ, {})
    assert [(r["team"], r["trainees"], r["exams"], r["mean"], r["median"])
            for r in everyone] == [(UNASSIGNED, 5, 6, 55.0, 75.0)]  # 75, 75, 50, 75, 0
    with pytest.raises(DomainError, match="not a month"):
        team_scores(book, "2026-13", TZ, TEAMS)


def test_team_report_cli_uses_staff_departments(site: Desk, run, tmp_path: Path,
                                                exams: tuple[Exam, Exam]) -> None:
    _fill(SqlGradebook(site), exams)
    result = run("train", "report", "teams", "2026-10", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == OCTOBER
    text = run("train", "report", "teams", "2026-10").output
    assert "mean 平均" in text and "median 中位" in text
    assert "客服部" in text.splitlines()[2] and "66.7" in text.splitlines()[2]
    assert "本月无考试记录" in run("train", "report", "teams", "2026-12").output
    mapping = tmp_path / "teams.yaml"
    mapping.write_text("赵强: 客服部\n外包甲: 外包组\n", encoding="utf-8")
    rows = json.loads(run("train", "report", "teams", "2026-10", "--teams", str(mapping),
                          "--json").output)
    assert [(r["team"], r["trainees"]) for r in rows] == [("外包组", 1), ("客服部", 1),
                                                          (UNASSIGNED, 3)]
    bad = run("train", "report", "teams", "2026-13")
    assert bad.exit_code == 2 and "not a month" in bad.output
