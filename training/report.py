"""Reports from the gradebook: item analysis of an exam and scores per trainee."""

from __future__ import annotations

from training.analysis import ExamStats, analyse
from training.gradebook import Gradebook, choice_responses, final_score, latest, score_matrix
from training.grading import Response


def exam_analysis(book: Gradebook, exam_id: str) -> ExamStats:
    """Item analysis over each trainee's latest attempt; distractors for single choices."""
    exam = book.get_exam(exam_id)
    trainees, item_ids, matrix = score_matrix(book, exam_id)
    responses = choice_responses(book, exam_id)
    choices: dict[str, tuple[list[str], str | None, list[Response]]] = {}
    for item in exam.items:
        if item.form == "choice" and item.id in responses:
            choices[item.id] = ([o.code for o in item.options], item.key.choice,
                                responses[item.id])
    return analyse(item_ids, matrix, choices)


def trainee_scores(book: Gradebook, exam_id: str) -> list[dict[str, object]]:
    """One row per trainee: points, maximum, percent and how many items still pending."""
    exam = book.get_exam(exam_id)
    rows: dict[str, dict[str, object]] = {}
    for sub in latest(book, exam_id):
        row = rows.setdefault(sub.trainee, {"trainee": sub.trainee, "exam": exam_id,
                                            "points": 0.0, "max": len(exam.items),
                                            "pending": 0})
        score = final_score(book, sub)
        if score is None:
            row["pending"] = int(row["pending"]) + 1  # type: ignore[call-overload]
        else:
            row["points"] = float(row["points"]) + score  # type: ignore[arg-type]
    for row in rows.values():
        row["percent"] = round(100 * float(row["points"]) / len(exam.items), 1)  # type: ignore[arg-type]
    return sorted(rows.values(), key=lambda r: str(r["trainee"]))
