"""The gradebook: append-only records of exams, responses and trainers' grades.

`Gradebook` is the storage contract (four appends, four reads); `MemoryGradebook`,
`JsonGradebook` (one file, for notebooks and offline use) and `training.store.SqlGradebook`
(the site database) implement it. Everything derived (latest attempt, pending items, score
matrix) is computed here from those reads, so a store only has to store and return rows.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from core.kit import DomainError, NotFound
from training.access import TAKERS, TRAINERS, authorise
from training.exams import Exam
from training.grading import Grade, Response, grade, grade_rubric


@dataclass(frozen=True)
class Submission:
    """One response to one item; a re-take is a new row with a higher attempt."""

    id: int
    trainee: str
    exam_id: str
    item_id: str
    attempt: int
    response: Response
    auto_score: float | None  # None while pending
    pending: bool
    submitted_at: str  # ISO 8601, UTC


@dataclass(frozen=True)
class ManualGrade:
    id: int
    submission_id: int
    grader: str
    levels: dict[str, int]
    score: float
    comment: str
    graded_at: str


class Gradebook(Protocol):
    """What a store must do; rows are never updated or deleted.

    `add_submission`/`add_manual_grade` return the row as stored: a store may assign its
    own id (the database does), so callers use the returned row, not `next_id`.
    """

    def add_exam(self, exam: Exam) -> None: ...
    def get_exam(self, exam_id: str) -> Exam: ...
    def add_submission(self, row: Submission) -> Submission: ...
    def add_manual_grade(self, row: ManualGrade) -> ManualGrade: ...
    def submissions(self, exam_id: str | None = None,
                    trainee: str | None = None) -> list[Submission]: ...
    def manual_grades(self) -> list[ManualGrade]: ...
    def next_id(self, table: str) -> int: ...


@dataclass
class MemoryGradebook:
    exams: dict[str, dict[str, Any]] = field(default_factory=dict)
    rows: list[Submission] = field(default_factory=list)
    grades: list[ManualGrade] = field(default_factory=list)
    #: the site whose staff table names who acts (`actor=`); None: only the operator
    desk: Any = field(default=None, compare=False, repr=False)

    def add_exam(self, exam: Exam) -> None:
        if exam.id in self.exams:
            if Exam.model_validate(self.exams[exam.id]) != exam:
                raise DomainError("exam", f"another exam with id {exam.id} is already recorded")
            return
        self.exams[exam.id] = exam.model_dump(mode="json")
        self._saved()

    def get_exam(self, exam_id: str) -> Exam:
        if exam_id not in self.exams:
            raise NotFound("exam", f"no exam {exam_id} in the gradebook")
        return Exam.model_validate(self.exams[exam_id])

    def add_submission(self, row: Submission) -> Submission:
        self.rows.append(row)
        self._saved()
        return row

    def add_manual_grade(self, row: ManualGrade) -> ManualGrade:
        self.grades.append(row)
        self._saved()
        return row

    def submissions(self, exam_id: str | None = None,
                    trainee: str | None = None) -> list[Submission]:
        return [r for r in self.rows if (exam_id is None or r.exam_id == exam_id)
                and (trainee is None or r.trainee == trainee)]

    def manual_grades(self) -> list[ManualGrade]:
        return list(self.grades)

    def next_id(self, table: str) -> int:
        rows = self.rows if table == "submission" else self.grades
        return max((r.id for r in rows), default=0) + 1

    def _saved(self) -> None:
        """Hook for stores that persist after every append."""


class JsonGradebook(MemoryGradebook):
    """A gradebook in one JSON file, rewritten atomically after every append."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        if path.exists():
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                self.exams = raw["exams"]
                self.rows = [Submission(**r) for r in raw["submissions"]]
                self.grades = [ManualGrade(**g) for g in raw["manual_grades"]]
            except (ValueError, KeyError, TypeError):
                raise DomainError("gradebook", f"{path} is not a gradebook file") from None

    def _saved(self) -> None:
        data = {"exams": self.exams, "submissions": [asdict(r) for r in self.rows],
                "manual_grades": [asdict(g) for g in self.grades]}
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self.path)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def record_attempt(book: Gradebook, exam: Exam, trainee: str,
                   responses: dict[str, Response], tz: Any, at: str | None = None, *,
                   actor: str | None = None) -> list[Submission]:
    """Grade a trainee's responses automatically and append them as one attempt."""
    authorise(getattr(book, "desk", None), actor, "take an exam", TAKERS)
    if not trainee.strip():
        raise DomainError("trainee", "a trainee name is required")
    book.add_exam(exam)
    previous = book.submissions(exam.id, trainee)
    attempt = max((r.attempt for r in previous), default=0) + 1
    stamp = at or _now()
    rows = []
    for item in exam.items:
        response = responses.get(item.id)
        result: Grade = grade(item, response, tz)
        rows.append(book.add_submission(Submission(
            id=book.next_id("submission"), trainee=trainee, exam_id=exam.id, item_id=item.id,
            attempt=attempt, response=response, auto_score=result.score,
            pending=result.pending, submitted_at=stamp)))
    return rows


def pending(book: Gradebook, exam_id: str | None = None, *,
            actor: str | None = None) -> list[Submission]:
    """Rubric responses of latest attempts that no trainer has graded yet (for graders)."""
    authorise(getattr(book, "desk", None), actor, "grade training answers", TRAINERS)
    graded = {g.submission_id for g in book.manual_grades()}
    return [r for r in latest(book, exam_id) if r.pending and r.id not in graded]


def grade_pending(book: Gradebook, submission_id: int, grader: str | None,
                  levels: dict[str, int], comment: str = "", at: str | None = None, *,
                  actor: str | None = None) -> ManualGrade:
    """A trainer grades one rubric response; a later grade supersedes an earlier one.

    `actor` (a trainer, supervisor or manager; None: the operator) is the default grader.
    """
    staff = authorise(getattr(book, "desk", None), actor, "grade training answers", TRAINERS)
    grader = grader or (staff.name if staff is not None else "trainer")
    row = next((r for r in book.submissions() if r.id == submission_id), None)
    if row is None:
        raise NotFound("submission", f"no submission {submission_id}")
    item = book.get_exam(row.exam_id).item(row.item_id)
    if item.key.rubric is None:
        raise DomainError("submission", f"submission {submission_id} is graded automatically")
    score = grade_rubric(item.key.rubric, levels)
    return book.add_manual_grade(ManualGrade(
        id=book.next_id("manual_grade"), submission_id=submission_id, grader=grader,
        levels=dict(levels), score=score, comment=comment, graded_at=at or _now()))


def latest(book: Gradebook, exam_id: str | None = None) -> list[Submission]:
    """Each trainee's latest attempt at each item."""
    best: dict[tuple[str, str, str], Submission] = {}
    for row in book.submissions(exam_id):
        key = (row.trainee, row.exam_id, row.item_id)
        if key not in best or row.attempt > best[key].attempt:
            best[key] = row
    return list(best.values())


def final_score(book: Gradebook, row: Submission) -> float | None:
    """The automatic score, or the latest manual grade; None while pending."""
    manual = [g for g in book.manual_grades() if g.submission_id == row.id]
    if manual:
        return max(manual, key=lambda g: g.id).score
    return None if row.pending else row.auto_score


def score_matrix(book: Gradebook, exam_id: str) -> tuple[list[str], list[str], list[list[float]]]:
    """Trainees × items of the latest attempts (pending counts 0), in exam order."""
    exam = book.get_exam(exam_id)
    items = [i.id for i in exam.items]
    rows = latest(book, exam_id)
    trainees = sorted({r.trainee for r in rows})
    cell = {(r.trainee, r.item_id): final_score(book, r) or 0.0 for r in rows}
    return trainees, items, [[cell.get((t, i), 0.0) for i in items] for t in trainees]


def graded_matrix(book: Gradebook, exam_id: str
                  ) -> tuple[list[str], list[str], list[list[float]], int]:
    """`score_matrix` without the attempts that still have an answer to grade, as Moodle
    leaves out attempts needing grading: their total is not known yet. The last value is
    how many attempts were left out."""
    waiting = {r.trainee for r in latest(book, exam_id) if final_score(book, r) is None}
    trainees, items, matrix = score_matrix(book, exam_id)
    kept = [(t, row) for t, row in zip(trainees, matrix, strict=True) if t not in waiting]
    return [t for t, _ in kept], items, [row for _, row in kept], len(waiting)


def choice_responses(book: Gradebook, exam_id: str,
                     trainees: list[str] | None = None) -> dict[str, list[Response]]:
    """Latest responses per item, in trainee order (only `trainees`, in their order, when
    given: the rows of `graded_matrix`), for distractor analysis."""
    rows = sorted(latest(book, exam_id), key=lambda r: r.trainee)
    if trainees is not None:
        order = {t: n for n, t in enumerate(trainees)}
        rows = sorted((r for r in rows if r.trainee in order), key=lambda r: order[r.trainee])
    out: dict[str, list[Response]] = {}
    for row in rows:
        out.setdefault(row.item_id, []).append(row.response)
    return out
