"""Reports from the gradebook: item analysis, scores per trainee and per team, the appraisal."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from statistics import mean, median
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from core.kit import DomainError
from training.access import TRAINERS, authorise
from training.analysis import ExamStats, analyse
from training.gradebook import Gradebook, choice_responses, final_score, graded_matrix, latest
from training.grading import Response, random_guess

if TYPE_CHECKING:
    from core.kit import Desk


def exam_analysis(book: Gradebook, exam_id: str, *, actor: str | None = None) -> ExamStats:
    """Item analysis over each trainee's latest attempt; distractors for single choices.

    Attempts with an answer still to grade are left out until it is graded (counted in
    `pending_attempts`); an exam nobody has sat gives an empty report, not an error.
    """
    authorise(getattr(book, "desk", None), actor, "analyse exam results", TRAINERS)
    exam = book.get_exam(exam_id)
    trainees, item_ids, matrix, waiting = graded_matrix(book, exam_id)
    responses = choice_responses(book, exam_id, trainees)
    choices: dict[str, tuple[list[str], str | None, list[Response]]] = {}
    for item in exam.items:
        if item.form == "choice" and item.id in responses:
            choices[item.id] = ([o.code for o in item.options], item.key.choice,
                                responses[item.id])
    guesses = {item.id: random_guess(item) for item in exam.items}
    return analyse(item_ids, matrix, choices, guesses=guesses, pending_attempts=waiting)


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


def _monthly(book: Gradebook, tz: ZoneInfo) -> dict[str, dict[str, list[tuple[str, float, int]]]]:
    """trainee → month → (exam, percent, pending) for each exam, in the month (site time) of
    the trainee's latest attempt at it."""
    out: dict[str, dict[str, list[tuple[str, float, int]]]] = {}
    for exam_id in sorted({r.exam_id for r in book.submissions()}):
        taken: dict[str, str] = {}
        for sub in latest(book, exam_id):
            at = datetime.fromisoformat(sub.submitted_at).astimezone(tz)
            taken[sub.trainee] = max(taken.get(sub.trainee, ""), f"{at:%Y-%m}")
        for row in trainee_scores(book, exam_id):
            trainee = str(row["trainee"])
            out.setdefault(trainee, {}).setdefault(taken[trainee], []).append(
                (exam_id, float(row["percent"]), int(row["pending"])))  # type: ignore[arg-type, call-overload]
    return out


def appraisal(book: Gradebook, quarter: str, tz: ZoneInfo, *,
              actor: str | None = None) -> list[dict[str, object]]:
    """Quarterly appraisal (季度考核): each trainee's exam percent per month, mean, count.

    An exam counts in the month (site time) of the trainee's latest attempt at it; two
    exams in one month average. Ungraded rubric answers count 0 and are reported in
    `pending`, so a trainer sees which rows will still change.
    """
    months = quarter_months(quarter)
    authorise(getattr(book, "desk", None), actor, "read the appraisal", TRAINERS)
    out: list[dict[str, object]] = []
    for trainee, per in sorted(_monthly(book, tz).items()):
        taken = {m: per[m] for m in months if m in per}
        if not taken:
            continue
        monthly = {m: round(mean(p for _, p, _ in rows), 1) for m, rows in taken.items()}
        out.append({"trainee": trainee, **{m: monthly.get(m) for m in months},
                    "mean": round(mean(monthly.values()), 1),
                    "exams": len({e for rows in taken.values() for e, _, _ in rows}),
                    "pending": sum(n for rows in taken.values() for _, _, n in rows)})
    return out


MONTH = re.compile(r"^(\d{4})-(\d{2})$")
UNASSIGNED = "未分组 unassigned"


def check_month(month: str) -> str:
    """`2026-10` (site time); anything else is a domain error naming the month."""
    match = MONTH.match(month.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise DomainError("month", f"not a month: {month!r} (e.g. 2026-10)")
    return month.strip()


def team_scores(book: Gradebook, month: str, tz: ZoneInfo, teams: Mapping[str, str | None],
                *, actor: str | None = None) -> list[dict[str, object]]:
    """Scores per team (班组) in a month: trainees, exams taken, mean and median percent.

    Each trainee's percent for the month is the mean of the exams counted in it (as in the
    appraisal), so every trainee weighs the same in the team's mean and median; `exams`
    counts (trainee, exam) pairs. A trainee missing from `teams` (or with no department)
    falls under `UNASSIGNED`. Teams are ordered by name, the unassigned last.
    """
    month = check_month(month)
    authorise(getattr(book, "desk", None), actor, "read team scores", TRAINERS)
    members: dict[str, list[tuple[float, int, int]]] = {}
    for trainee, per in _monthly(book, tz).items():
        if month not in per:
            continue
        rows = per[month]
        team = teams.get(trainee) or UNASSIGNED
        members.setdefault(team, []).append(
            (mean(p for _, p, _ in rows), len(rows), sum(n for _, _, n in rows)))
    out: list[dict[str, object]] = []
    for team in sorted(members, key=lambda t: (t == UNASSIGNED, t)):
        percents = [p for p, _, _ in members[team]]
        out.append({"team": team, "month": month, "trainees": len(percents),
                    "exams": sum(n for _, n, _ in members[team]),
                    "mean": round(mean(percents), 1), "median": round(median(percents), 1),
                    "pending": sum(n for _, _, n in members[team])})
    return out


def staff_teams(desk: Desk) -> dict[str, str | None]:
    """Trainee name → department (部门) from the site's staff table."""
    from core.kit import list_staff

    return {s["name"]: s["department"] for s in list_staff(desk)}


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


_TEST_ROWS = (("mean", "mean 平均分", "%"), ("median", "median 中位数", "%"),
              ("sd", "SD 标准差", "%"), ("skewness", "skewness 偏度", ""),
              ("kurtosis", "kurtosis 峰度", ""), ("cic", "CIC 内部一致性系数", "%"),
              ("error_ratio", "error ratio 误差比", "%"),
              ("standard_error", "standard error 标准误", "%"))
_ITEM_ROWS = (("facility", "F"), ("sd", "SD"), ("random_guess", "guess"),
              ("discrimination_index", "DI"), ("discriminative_efficiency", "DE"))


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def analysis_lines(stats: ExamStats, exam_id: str) -> list[str]:
    """The item analysis as the terminal shows it: classical figures, then Moodle's test
    and item statistics, each with its band or the reason it is missing."""
    lines = []
    if stats.pending_attempts:
        lines.append(f"{stats.pending_attempts} attempt(s) left out until their answers are "
                     "graded 有待评分的作答未计入 (propdesk train grade)")
    if stats.n_trainees == 0:
        lines.append(f"{exam_id}: no graded attempt yet, nothing to analyse 尚无已评分的作答")
        return lines
    alpha = "—" if stats.alpha is None else f"{stats.alpha:.3f}"
    kr = "—" if stats.kr20 is None else f"{stats.kr20:.3f}"
    lines.append(f"{exam_id}: {stats.n_trainees} trainees, {stats.n_items} items, "
                 f"mean {stats.mean_total:.2f}, KR-20 {kr}, α {alpha}")
    m = stats.moodle
    lines.append("test statistics (as Moodle) 试卷统计:")
    for name, label, unit in _TEST_ROWS:
        value = getattr(m, name)
        shown = "—  " if value is None else f"{value:.2f}{' %' if unit else '  '}"
        pad = " " * max(0, 24 - _width(label))
        lines.append(f"  {label}{pad}{shown:>9}  {m.bands.get(name) or m.notes.get(name, '')}")
    for s in stats.items:
        r = "—" if s.point_biserial is None else f"{s.point_biserial:+.2f}"
        lines.append(f"{s.item_id} p={s.p:.2f} D={s.discrimination:+.2f} r={r} "
                     f"{'; '.join(s.flags)}")
        mi = s.moodle
        parts = []
        for name, label in _ITEM_ROWS:
            value = getattr(mi, name)
            if value is None:
                parts.append(f"{label} — ({mi.notes.get(name, 'n/a')})")
            else:
                band = mi.bands.get(name)
                parts.append(f"{label} {value:.1f} %" + (f" ({band})" if band else ""))
        weight = ("—" if mi.effective_weight is None else f"{mi.effective_weight:.1f} %")
        parts.append(f"weight {mi.intended_weight or 0:.1f} % → {weight}"
                     + (f" ({mi.notes['effective_weight']})" if "effective_weight" in mi.notes
                        else ""))
        lines.append("    " + " · ".join(parts))
    lines.append(f"{len(stats.to_revise)} item(s) to revise")
    return lines
