"""The gradebook in the site database: the same contract as `JsonGradebook`, shared by
every trainer and terminal, and append-only by trigger (results feed the appraisal).

Ids come from the database at insert, not from `next_id`: two trainees finishing at the
same moment must not race for one id. `next_id` is only a hint for callers that print it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from core.kit import DomainError, NotFound
from training.exams import Exam
from training.gradebook import ManualGrade, Submission
from training.models import TrainingExam, TrainingManualGrade, TrainingSubmission

if TYPE_CHECKING:
    from core.kit import Desk


def _stamp(text: str) -> datetime:
    """The contract's ISO strings → aware datetimes (naive means UTC, as `_now` writes)."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise DomainError("at", f"not an ISO 8601 time: {text!r}") from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds")


class SqlGradebook:
    """`training.gradebook.Gradebook` on the desk's database (`training_*` tables)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def add_exam(self, exam: Exam) -> None:
        body = exam.model_dump(mode="json")
        with self.desk.write() as s:
            stored = s.get(TrainingExam, exam.id)
            if stored is not None:
                if Exam.model_validate(stored.body) != exam:
                    raise DomainError("exam",
                                      f"another exam with id {exam.id} is already recorded")
                return
            s.add(TrainingExam(id=exam.id, title=exam.title, body=body,
                               recorded_at=self.desk.now()))

    def get_exam(self, exam_id: str) -> Exam:
        with self.desk.read() as s:
            stored = s.get(TrainingExam, exam_id)
            if stored is None:
                raise NotFound("exam", f"no exam {exam_id} in the gradebook")
            return Exam.model_validate(stored.body)

    def add_submission(self, row: Submission) -> Submission:
        with self.desk.write() as s:
            if s.get(TrainingExam, row.exam_id) is None:
                raise NotFound("exam", f"no exam {row.exam_id} in the gradebook")
            stored = TrainingSubmission(
                trainee=row.trainee, exam_id=row.exam_id, item_id=row.item_id,
                attempt=row.attempt, response=row.response, auto_score=row.auto_score,
                pending=row.pending, submitted_at=_stamp(row.submitted_at))
            s.add(stored)
            s.flush()
            return replace(row, id=stored.id, submitted_at=_iso(stored.submitted_at))

    def add_manual_grade(self, row: ManualGrade) -> ManualGrade:
        with self.desk.write() as s:
            if s.get(TrainingSubmission, row.submission_id) is None:
                raise NotFound("submission", f"no submission {row.submission_id}")
            stored = TrainingManualGrade(
                submission_id=row.submission_id, grader=row.grader, levels=dict(row.levels),
                score=row.score, comment=row.comment, graded_at=_stamp(row.graded_at))
            s.add(stored)
            s.flush()
            return replace(row, id=stored.id, graded_at=_iso(stored.graded_at))

    def submissions(self, exam_id: str | None = None,
                    trainee: str | None = None) -> list[Submission]:
        query = select(TrainingSubmission).order_by(TrainingSubmission.id)
        if exam_id is not None:
            query = query.where(TrainingSubmission.exam_id == exam_id)
        if trainee is not None:
            query = query.where(TrainingSubmission.trainee == trainee)
        with self.desk.read() as s:
            return [Submission(id=r.id, trainee=r.trainee, exam_id=r.exam_id,
                               item_id=r.item_id, attempt=r.attempt, response=r.response,
                               auto_score=r.auto_score, pending=r.pending,
                               submitted_at=_iso(r.submitted_at)) for r in s.scalars(query)]

    def manual_grades(self) -> list[ManualGrade]:
        with self.desk.read() as s:
            rows = s.scalars(select(TrainingManualGrade).order_by(TrainingManualGrade.id))
            return [ManualGrade(id=g.id, submission_id=g.submission_id, grader=g.grader,
                                levels=dict(g.levels), score=g.score, comment=g.comment,
                                graded_at=_iso(g.graded_at)) for g in rows]

    def next_id(self, table: str) -> int:
        model = TrainingSubmission if table == "submission" else TrainingManualGrade
        with self.desk.read() as s:
            return (s.scalar(select(func.max(model.id))) or 0) + 1
