"""Gradebook: attempts append, rubric answers stay pending until a trainer grades them."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.errors import DomainError
from training.exams import Blueprint, Exam, Section, assemble
from training.gradebook import (
    JsonGradebook,
    MemoryGradebook,
    final_score,
    grade_pending,
    latest,
    pending,
    record_attempt,
    score_matrix,
)
from training.items import Item
from training.report import exam_analysis, trainee_scores
from training.rubrics import rubric

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture()
def exam(pool: list[Item]) -> Exam:
    return assemble(pool, Blueprint(sections=[Section(count=3, kinds=["classification"]),
                                              Section(count=1, kinds=["short_answer"])]), 4)


def _right(exam: Exam) -> dict:
    return {i.id: i.key.choice for i in exam.items if i.key.choice}


def test_attempts_append_and_latest_counts(exam: Exam) -> None:
    book = MemoryGradebook()
    first = record_attempt(book, exam, "王芳", {}, TZ)
    assert {r.attempt for r in first} == {1}
    second = record_attempt(book, exam, "王芳", _right(exam) | {exam.items[3].id: "您好"}, TZ)
    assert {r.attempt for r in second} == {2}
    assert len(book.submissions()) == 8  # nothing overwritten
    assert {r.attempt for r in latest(book, exam.id)} == {2}
    (waiting,) = pending(book, exam.id)
    assert waiting.item_id == exam.items[3].id and final_score(book, waiting) is None
    rubric_id = exam.items[3].key.rubric
    assert rubric_id
    wanted = {c.code: len(c.levels) - 1 for c in rubric(rubric_id).criteria}
    graded = grade_pending(book, waiting.id, "培训师", wanted, "很好")
    assert graded.score == 1.0 and pending(book, exam.id) == []
    trainees, items, matrix = score_matrix(book, exam.id)
    assert trainees == ["王芳"] and matrix == [[1.0, 1.0, 1.0, 1.0]]
    assert trainee_scores(book, exam.id)[0]["percent"] == 100.0
    with pytest.raises(DomainError, match="graded automatically"):
        grade_pending(book, second[0].id, "培训师", wanted)


def test_json_gradebook_survives_reopening(exam: Exam, tmp_path: Path) -> None:
    path = tmp_path / "gb.json"
    record_attempt(JsonGradebook(path), exam, "李雷", _right(exam), TZ)
    record_attempt(JsonGradebook(path), exam, "王芳", {}, TZ)
    book = JsonGradebook(path)
    assert book.get_exam(exam.id) == exam
    assert len(book.submissions(exam.id, "李雷")) == 4
    stats = exam_analysis(book, exam.id)
    assert stats.n_trainees == 2 and stats.items[0].p == 0.5
    assert json.loads(path.read_text(encoding="utf-8"))["submissions"][0]["trainee"] == "李雷"


def test_a_different_exam_under_the_same_id_is_refused(exam: Exam, pool: list[Item]) -> None:
    book = MemoryGradebook()
    book.add_exam(exam)
    other = assemble(pool, exam.blueprint, 99, exam_id=exam.id)
    with pytest.raises(DomainError, match="already recorded"):
        book.add_exam(other)
    with pytest.raises(DomainError, match="trainee"):
        record_attempt(book, exam, " ", {}, TZ)
