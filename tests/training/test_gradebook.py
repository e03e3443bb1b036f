"""Gradebook: attempts append, rubric answers stay pending until a trainer grades them.

The contract tests run on every store: in memory, the JSON file and the site database.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from core.desk import Desk
from core.errors import DomainError, NotFound
from training.exams import Blueprint, Exam, Section, assemble
from training.gradebook import (
    Gradebook,
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
from training.models import APPEND_ONLY
from training.report import exam_analysis, trainee_scores
from training.rubrics import rubric
from training.store import SqlGradebook

TZ = ZoneInfo("Asia/Shanghai")
Opener = Callable[[], Gradebook]


@pytest.fixture(params=["memory", "json", "sql"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    """Opens the same store again each call (memory: the same object)."""
    if request.param == "memory":
        book = MemoryGradebook()
        return lambda: book
    if request.param == "json":
        return lambda: JsonGradebook(tmp_path / "gb.json")
    desk: Desk = request.getfixturevalue("desk")
    return lambda: SqlGradebook(desk)


@pytest.fixture()
def exam(pool: list[Item]) -> Exam:
    return assemble(pool, Blueprint(sections=[Section(count=3, kinds=["classification"]),
                                              Section(count=1, kinds=["short_answer"])]), 4)


def _right(exam: Exam) -> dict:
    return {i.id: i.key.choice for i in exam.items if i.key.choice}


def test_attempts_append_and_latest_counts(exam: Exam, opener: Opener) -> None:
    book = opener()
    first = record_attempt(book, exam, "王芳", {}, TZ, at="2026-11-02T02:00:00+00:00")
    assert {r.attempt for r in first} == {1}
    second = record_attempt(book, exam, "王芳", _right(exam) | {exam.items[3].id: "您好"}, TZ)
    assert {r.attempt for r in second} == {2}
    assert len(opener().submissions()) == 8  # nothing overwritten
    assert len({r.id for r in opener().submissions()}) == 8
    assert opener().submissions(exam.id, "王芳")[0] == first[0]  # returned row == stored row
    assert first[0].submitted_at == "2026-11-02T02:00:00+00:00"
    assert {r.attempt for r in latest(book, exam.id)} == {2}
    (waiting,) = pending(book, exam.id)
    assert waiting.item_id == exam.items[3].id and final_score(book, waiting) is None
    assert waiting.response == "您好"
    rubric_id = exam.items[3].key.rubric
    assert rubric_id
    wanted = {c.code: len(c.levels) - 1 for c in rubric(rubric_id).criteria}
    graded = grade_pending(opener(), waiting.id, "培训师", wanted, "很好")
    assert graded.score == 1.0 and pending(opener(), exam.id) == []
    assert opener().manual_grades() == [graded] and graded.levels == wanted
    trainees, items, matrix = score_matrix(opener(), exam.id)
    assert trainees == ["王芳"] and matrix == [[1.0, 1.0, 1.0, 1.0]]
    assert trainee_scores(opener(), exam.id)[0]["percent"] == 100.0
    with pytest.raises(DomainError, match="graded automatically"):
        grade_pending(book, second[0].id, "培训师", wanted)
    with pytest.raises(NotFound, match="submission"):
        grade_pending(book, 999, "培训师", wanted)


def test_store_survives_reopening(exam: Exam, opener: Opener) -> None:
    record_attempt(opener(), exam, "李雷", _right(exam), TZ)
    record_attempt(opener(), exam, "王芳", {}, TZ)
    book = opener()
    assert book.get_exam(exam.id) == exam
    assert len(book.submissions(exam.id, "李雷")) == 4
    assert book.submissions(trainee="nobody") == [] and book.submissions("other") == []
    assert book.next_id("submission") == 9 and book.next_id("manual_grade") == 1
    stats = exam_analysis(book, exam.id)
    assert stats.n_trainees == 2 and stats.items[0].p == 0.5


def test_json_file_layout(exam: Exam, tmp_path: Path) -> None:
    path = tmp_path / "gb.json"
    record_attempt(JsonGradebook(path), exam, "李雷", _right(exam), TZ)
    assert json.loads(path.read_text(encoding="utf-8"))["submissions"][0]["trainee"] == "李雷"


def test_a_different_exam_under_the_same_id_is_refused(exam: Exam, pool: list[Item],
                                                       opener: Opener) -> None:
    book = opener()
    book.add_exam(exam)
    book.add_exam(exam)  # the same form again is fine
    other = assemble(pool, exam.blueprint, 99, exam_id=exam.id)
    with pytest.raises(DomainError, match="already recorded"):
        book.add_exam(other)
    with pytest.raises(NotFound, match="no exam"):
        book.get_exam("nope")
    with pytest.raises(DomainError, match="trainee"):
        record_attempt(book, exam, " ", {}, TZ)


def test_database_refuses_updates_and_deletes(exam: Exam, site: Desk) -> None:
    """The triggers make every training table append-only, whatever the caller does."""
    from training.cases_store import submit_case

    desk = site
    submit_case(desk, "cp-minor-lobby-light", "大堂灯不亮", "刘洋")
    book = SqlGradebook(desk)
    (row, *_rest) = record_attempt(book, exam, "王芳", {exam.items[3].id: "您好"}, TZ)
    waiting = pending(book, exam.id)[0]
    crit = {c.code: 0 for c in rubric(exam.items[3].key.rubric or "").criteria}
    grade_pending(book, waiting.id, "培训师", crit)
    for table in APPEND_ONLY:
        for sql in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
            with pytest.raises(DatabaseError, match="append-only"), desk.write() as s:
                s.execute(text(sql))
    assert book.submissions()[0] == row
