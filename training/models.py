"""Training tables on the shared metadata: the gradebook and the case submissions.

Every table here is append-only (the migration installs triggers refusing UPDATE and
DELETE): an exam result that feeds the quarterly appraisal is a record, like the ticket
history. A re-take is a new attempt; a re-grade is a new manual grade.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.kit import Base


class TrainingExam(Base):
    """An exam as assembled, key included: grading and item analysis need the same form."""

    __tablename__ = "training_exams"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_at: Mapped[datetime]


class TrainingSubmission(Base):
    """One response to one item in one attempt (自动评分 or waiting for a trainer)."""

    __tablename__ = "training_submissions"
    id: Mapped[int] = mapped_column(primary_key=True)
    trainee: Mapped[str] = mapped_column(String(64))
    exam_id: Mapped[str] = mapped_column(ForeignKey("training_exams.id"))
    item_id: Mapped[str] = mapped_column(String(120))
    attempt: Mapped[int]
    response: Mapped[Any | None] = mapped_column(JSON)
    auto_score: Mapped[float | None] = mapped_column(Float)
    pending: Mapped[bool]
    submitted_at: Mapped[datetime]

    __table_args__ = (Index("ix_training_submissions_exam", "exam_id", "trainee"),)


class TrainingManualGrade(Base):
    """A trainer's rubric grade of one submission; the latest one counts."""

    __tablename__ = "training_manual_grades"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("training_submissions.id"),
                                               index=True)
    grader: Mapped[str] = mapped_column(String(64))
    levels: Mapped[dict[str, Any]] = mapped_column(JSON)
    score: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    graded_at: Mapped[datetime]


class CaseSubmission(Base):
    """A case handed in for the library (案例库): who, when, and whether the desk studies it.

    SPEC §8: each repair supervisor submits at least one a month; the desk studies two.
    """

    __tablename__ = "training_case_submissions"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    ticket: Mapped[str | None] = mapped_column(String(32))
    for_desk: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime] = mapped_column(index=True)
    recorded_at: Mapped[datetime]


MODELS: tuple[type[Base], ...] = (TrainingExam, TrainingSubmission, TrainingManualGrade,
                                  CaseSubmission)
APPEND_ONLY = tuple(m.__tablename__ for m in MODELS)
