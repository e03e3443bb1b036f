"""Reports from the gradebook: item analysis, scores per trainee, the quarterly appraisal."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from statistics import mean
from zoneinfo import ZoneInfo

from core.errors import DomainError
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


QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


def quarter_months(quarter: str) -> list[str]:
    """`2026-Q4` → ['2026-10', '2026-11', '2026-12']."""
    match = QUARTER.match(quarter.strip())
    if not match:
        raise DomainError("quarter", f"not a quarter: {quarter!r} (e.g. 2026-Q4)")
    year, q = int(match.group(1)), int(match.group(2))
    return [f"{year}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]


def appraisal(book: Gradebook, quarter: str, tz: ZoneInfo) -> list[dict[str, object]]:
    """Quarterly appraisal (季度考核): each trainee's exam percent per month, mean, count.

    An exam counts in the month (site time) of the trainee's latest attempt at it; two
    exams in one month average. Ungraded rubric answers count 0 and are reported in
    `pending`, so a trainer sees which rows will still change.
    """
    months = quarter_months(quarter)
    per: dict[str, dict[str, list[float]]] = {}
    exams: dict[str, set[str]] = {}
    waiting: dict[str, int] = {}
    exam_ids = sorted({r.exam_id for r in book.submissions()})
    for exam_id in exam_ids:
        taken: dict[str, str] = {}
        for sub in latest(book, exam_id):
            at = datetime.fromisoformat(sub.submitted_at).astimezone(tz)
            taken[sub.trainee] = max(taken.get(sub.trainee, ""), f"{at:%Y-%m}")
        for row in trainee_scores(book, exam_id):
            trainee = str(row["trainee"])
            month = taken[trainee]
            if month not in months:
                continue
            per.setdefault(trainee, {}).setdefault(month, []).append(float(row["percent"]))  # type: ignore[arg-type]
            exams.setdefault(trainee, set()).add(exam_id)
            waiting[trainee] = waiting.get(trainee, 0) + int(row["pending"])  # type: ignore[call-overload]
    out: list[dict[str, object]] = []
    for trainee in sorted(per):
        monthly = {m: round(mean(per[trainee][m]), 1) for m in months if m in per[trainee]}
        out.append({"trainee": trainee, **{m: monthly.get(m) for m in months},
                    "mean": round(mean(monthly.values()), 1), "exams": len(exams[trainee]),
                    "pending": waiting.get(trainee, 0)})
    return out


def appraisal_csv(rows: list[dict[str, object]], quarter: str) -> str:
    """The CSV a manager opens in a spreadsheet: bilingual header, empty for no exam."""
    months = quarter_months(quarter)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["trainee 学员", *months, "mean 平均", "exams 考试次数",
                     "pending 待评分"])
    for row in rows:
        writer.writerow([row["trainee"], *("" if row[m] is None else row[m] for m in months),
                         row["mean"], row["exams"], row["pending"]])
    return buf.getvalue()
