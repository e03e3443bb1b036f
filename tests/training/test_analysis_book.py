"""Item analysis from a gradebook: names do not matter, pending answers wait, no attempt is
an empty report (exit 0), not a crash."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from training.cli import train
from training.exams import Blueprint, Exam, Section, assemble
from training.gradebook import (
    JsonGradebook,
    MemoryGradebook,
    grade_pending,
    pending,
    record_attempt,
)
from training.items import Item
from training.report import exam_analysis
from training.rubrics import rubric

TZ = ZoneInfo("Asia/Shanghai")
AT = "2026-11-02T02:00:00+00:00"


@pytest.fixture()
def exam(pool: list[Item]) -> Exam:
    return assemble(pool, Blueprint(sections=[Section(count=4, kinds=["classification"])]), 7)


@pytest.fixture()
def with_essay(pool: list[Item]) -> Exam:
    return assemble(pool, Blueprint(sections=[Section(count=2, kinds=["classification"]),
                                              Section(count=1, kinds=["short_answer"])]), 7)


def _answers(exam: Exam, right: list[int]) -> dict:
    """Item n answered right when n is in `right`, else with the first wrong option."""
    return {item.id: item.key.choice if n in right else
            next(o.code for o in item.options if o.code != item.key.choice)
            for n, item in enumerate(exam.items) if item.key.choice}


# totals 4, 2, 2, 2, 1, 0: the upper 27 % (2 places) cuts through the three 2s
PATTERNS = [[0, 1, 2, 3], [0, 1], [0, 2], [1, 3], [3], []]
NAMES = ["王芳", "李雷", "张伟", "赵敏", "陈晨", "刘洋"]


def _book(exam: Exam, names: list[str]) -> MemoryGradebook:
    book = MemoryGradebook()
    for name, right in zip(names, PATTERNS, strict=True):
        record_attempt(book, exam, name, _answers(exam, right), TZ, at=AT)
    return book


@pytest.mark.parametrize("renamed", [
    ["T6", "T5", "T4", "T3", "T2", "T1"],       # sorted order reversed
    ["b", "c", "a", "f", "e", "d"],             # the tied trainees in another order
    ["刘洋", "陈晨", "赵敏", "张伟", "李雷", "王芳"],
])
def test_renamed_trainees_give_identical_statistics(exam: Exam, renamed: list[str]) -> None:
    before = asdict(exam_analysis(_book(exam, NAMES), exam.id))
    assert asdict(exam_analysis(_book(exam, renamed), exam.id)) == before
    # item 1 (right for T1, T2, T4): upper = T1 + ⅓ of each 2 → (1 + ⅓ + 0 + ⅓)/2 = ⅚
    first = before["items"][1]
    assert first["p_upper"] == pytest.approx(5 / 6) and first["p_lower"] == pytest.approx(0)


def test_pending_answers_wait_until_graded(with_essay: Exam) -> None:
    book = MemoryGradebook()
    (essay_item,) = [i for i in with_essay.items if i.kind == "short_answer"]
    essay = essay_item.id
    for name, right in (("王芳", [0, 1]), ("李雷", [0]), ("张伟", [])):
        answers = _answers(with_essay, right) | {essay: "您好，我马上安排。"}
        record_attempt(book, with_essay, name, answers, TZ, at=AT)
    stats = exam_analysis(book, with_essay.id)
    assert stats.n_trainees == 0 and stats.pending_attempts == 3  # not counted as 0
    crit = {c.code: len(c.levels) - 1 for c in rubric(essay_item.key.rubric or "").criteria}
    for row in pending(book, with_essay.id)[:2]:
        grade_pending(book, row.id, "培训师", crit)
    stats = exam_analysis(book, with_essay.id)
    assert stats.n_trainees == 2 and stats.pending_attempts == 1
    (essay_stats,) = [s for s in stats.items if s.item_id == essay]
    assert essay_stats.p == 1.0  # both graded essays at full marks; the third waits


def test_cli_on_an_exam_nobody_has_sat(exam: Exam, tmp_path: Path) -> None:
    path = tmp_path / "gb.json"
    JsonGradebook(path).add_exam(exam)
    chart = tmp_path / "map.png"
    result = CliRunner().invoke(train, ["analyse", "--gradebook", str(path), "--exam", exam.id,
                                        "--chart", str(chart)])
    assert result.exit_code == 0, result.output
    assert "no graded attempt yet, nothing to analyse" in result.output
    assert "no chart" in result.output and not chart.exists()
    result = CliRunner().invoke(train, ["analyse", "--gradebook", str(path), "--exam", exam.id,
                                        "--json"])
    assert result.exit_code == 0 and '"n_trainees": 0' in result.output


def test_cli_shows_moodle_statistics_with_bands(exam: Exam, tmp_path: Path) -> None:
    path = tmp_path / "gb.json"
    book = JsonGradebook(path)
    for name, right in zip(NAMES, PATTERNS, strict=True):
        record_attempt(book, exam, name, _answers(exam, right), TZ, at=AT)
    result = CliRunner().invoke(train, ["analyse", "--gradebook", str(path), "--exam", exam.id])
    assert result.exit_code == 0, result.output
    assert "CIC 内部一致性系数" in result.output and "skewness 偏度" in result.output
    assert " DI " in result.output and " DE " in result.output and "weight 25.0 %" in result.output
