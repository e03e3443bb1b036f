"""The statistics Moodle's quiz statistics report shows, computed as Moodle computes them.

Sources: Moodle's `mod/quiz/report/statistics/classes/calculator.php` (test statistics) and
`question/classes/statistics/questions/calculator.php` (item statistics), described in the
developer docs "Quiz statistics calculations"; the interpretation bands are those of the
Moodle docs "Quiz report statistics" (the Open University's guide to its iCMA reports, on
which Moodle's page is based), and the 15 % line under which Moodle's report marks a
question as dubious (`statistics_table::is_dubious_question`).

Conventions (Moodle's): S attempts, each item's mark x in [0, max]; T = Σ x (the attempt
total); X = T − x (the rest of the exam). Variances and covariances divide by S − 1.
Test figures are percentages of the maximum total; item facility and SD percentages of
the item's maximum. A figure that cannot be computed is None with a one-line reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import fsum, sqrt


@dataclass
class OverallStats:
    """Moodle's "quiz overall statistics" (percent of the maximum total where a grade)."""

    attempts: int
    mean: float | None = None
    median: float | None = None
    sd: float | None = None
    skewness: float | None = None
    kurtosis: float | None = None
    cic: float | None = None            # coefficient of internal consistency, percent
    error_ratio: float | None = None    # percent
    standard_error: float | None = None  # percent of the maximum total
    bands: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)  # figure → why it is missing


@dataclass
class MoodleItem:
    """Moodle's per-question columns (all in percent)."""

    facility: float | None = None
    sd: float | None = None
    random_guess: float | None = None
    intended_weight: float | None = None
    effective_weight: float | None = None
    discrimination_index: float | None = None
    discriminative_efficiency: float | None = None
    bands: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


def _mean(xs: list[float]) -> float:
    return fsum(xs) / len(xs)


def _median(xs: list[float]) -> float:
    s = sorted(xs)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def _cov(xs: list[float], ys: list[float]) -> float:
    """Sample covariance (divide by S − 1), Moodle's convention."""
    mx, my = _mean(xs), _mean(ys)
    return fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / (len(xs) - 1)


# --- interpretation bands -------------------------------------------------------------

def facility_band(f: float) -> str:
    """Moodle's facility bands (5 or less … 95–100), boundaries ≤5, ≤10, ≤20, <35, <65,
    ≤80, <90, <95."""
    for limit, text in ((5, "extremely difficult or something wrong with the question "
                             "极难或题目有误"),
                        (10, "very difficult 很难"), (20, "difficult 难")):
        if f <= limit:
            return text
    if f < 35:
        return "moderately difficult 较难"
    if f < 65:
        return "about right for the average trainee 难度适中"
    if f <= 80:
        return "fairly easy 较易"
    if f < 90:
        return "easy 容易"
    if f < 95:
        return "very easy 很容易"
    return "extremely easy 极易"


def discrimination_band(di: float) -> str:
    """Moodle's discrimination-index bands: ≥50, 30–50, 20–29, 0–19, negative."""
    if di >= 50:
        return "very good discrimination 区分度很好"
    if di >= 30:
        return "adequate discrimination 区分度尚可"
    if di >= 20:
        return "weak discrimination 区分度弱"
    if di >= 0:
        return "very weak discrimination 区分度很弱"
    return "question probably invalid 题目可能无效"


def overall_bands(t: OverallStats) -> dict[str, str]:
    """The docs' aims for a discriminating end-of-unit test."""
    out: dict[str, str] = {}
    if t.mean is not None:
        out["mean"] = ("within the aim 50–75 % 在目标范围内" if 50 <= t.mean <= 75
                       else "outside the aim 50–75 %: think about it 超出 50–75 % 目标")
    if t.sd is not None:
        out["sd"] = ("within the aim 12–18 % 在目标范围内" if 12 <= t.sd <= 18 else
                     "below 12 %: scores bunched up 分数过于集中" if t.sd < 12 else
                     "above 18 % (aim 12–18 %) 高于目标")
    if t.skewness is not None:
        out["skewness"] = ("above +1: little discrimination near the pass mark 及格线附近区分不足"
                           if t.skewness > 1 else
                           "at most +1 (aim about −1; far more negative: the better trainees "
                           "are not told apart) 可接受")
    if t.kurtosis is not None:
        out["kurtosis"] = ("within the aim 0–1 在目标范围内" if 0 <= t.kurtosis <= 1 else
                           "above 1: the very good or very weak are not told apart from the "
                           "average 区分不足" if t.kurtosis > 1 else
                           "below 0: flatter than a normal distribution 分布偏平")
    if t.cic is not None:
        out["cic"] = ("above 75 %: satisfactory 满意" if t.cic > 75 else
                      "below 64 %: unsatisfactory, consider remedial measures 不满意" if t.cic < 64
                      else "64–75 %: short of satisfactory 尚未达到满意")
    if t.error_ratio is not None:
        out["error_ratio"] = ("at most 50 %: meaningful 有意义" if t.error_ratio <= 50 else
                              "above 50 %: not meaningful, more than half the spread is chance "
                              "超过一半的离散来自偶然")
    if t.standard_error is not None:
        out["standard_error"] = ("a trainee's percent is uncertain by about "
                                 f"±{t.standard_error:.1f} points 个人成绩的不确定度")
    return out


def item_bands(m: MoodleItem) -> dict[str, str]:
    out: dict[str, str] = {}
    if m.facility is not None:
        out["facility"] = facility_band(m.facility)
    if m.sd is not None:
        out["sd"] = ("below 33 %: not generally satisfactory 离散不足" if m.sd < 33
                     else "at least 33 % 可以")
    if m.random_guess is not None:
        out["random_guess"] = ("above 40 %: unsatisfactory, too easy to guess 易猜中"
                               if m.random_guess > 40 else "at most 40 % 可以")
    if m.discrimination_index is not None:
        out["discrimination_index"] = discrimination_band(m.discrimination_index)
    if m.discriminative_efficiency is not None:
        out["discriminative_efficiency"] = (
            "below 15 %: dubious, Moodle highlights the question 可疑"
            if m.discriminative_efficiency < 15 else "at least 15 % 可以")
    if m.effective_weight is not None and m.intended_weight is not None:
        ratio = m.effective_weight / m.intended_weight if m.intended_weight else 0
        out["effective_weight"] = ("close to the intended weight 接近预定权重"
                                   if 0.5 <= ratio <= 1.5 else
                                   "far above the intended weight 远高于预定权重" if ratio > 1.5
                                   else "far below the intended weight 远低于预定权重")
    return out


# --- the figures -----------------------------------------------------------------------

def overall_statistics(totals: list[float], item_variances: list[float | None],
                       max_total: float) -> OverallStats:
    """Moodle's test statistics of the attempt totals.

    `item_variances` are the items' sample variances (None below 2 attempts); the CIC
    uses their sum, as Moodle's `get_sum_of_mark_variance`.
    """
    t = _overall(totals, item_variances, max_total)
    t.bands = overall_bands(t)
    return t


def _overall(totals: list[float], item_variances: list[float | None],
             max_total: float) -> OverallStats:
    s = len(totals)
    t = OverallStats(attempts=s)
    if s == 0:
        t.notes = dict.fromkeys(("mean", "median", "sd", "skewness", "kurtosis", "cic",
                                 "error_ratio", "standard_error"),
                                "no graded attempt yet 尚无已评分的作答")
        return t
    pct = 100 / max_total if max_total else 0.0
    mean = _mean(totals)
    t.mean, t.median = mean * pct, _median(totals) * pct
    if s < 2:
        for name in ("sd", "skewness", "kurtosis", "cic", "error_ratio", "standard_error"):
            t.notes[name] = "needs at least 2 attempts 至少需要 2 份作答"
        return t
    p2 = fsum((x - mean) ** 2 for x in totals)
    p3 = fsum((x - mean) ** 3 for x in totals)
    p4 = fsum((x - mean) ** 4 for x in totals)
    t.sd = sqrt(p2 / (s - 1)) * pct
    k2 = p2 / (s - 1)  # = s·m2/(s − 1)
    if s < 3:
        for name in ("skewness", "kurtosis", "cic", "error_ratio", "standard_error"):
            t.notes[name] = "needs at least 3 attempts (as in Moodle) 至少需要 3 份作答"
        return t
    if k2 == 0:
        for name in ("skewness", "kurtosis", "cic", "error_ratio", "standard_error"):
            t.notes[name] = "every attempt has the same total: no variance 总分无差异"
        return t
    m2, m3, m4 = p2 / s, p3 / s, p4 / s
    k3 = s * s * m3 / ((s - 1) * (s - 2))
    t.skewness = k3 / k2 ** 1.5
    if s > 3:
        k4 = s * s * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2) / ((s - 1) * (s - 2) * (s - 3))
        t.kurtosis = k4 / (k2 * k2)
    else:
        t.notes["kurtosis"] = "needs at least 4 attempts 至少需要 4 份作答"
    p = len(item_variances)
    if p > 1 and all(v is not None for v in item_variances):
        total_item_var = fsum(v for v in item_variances if v is not None)
        t.cic = 100 * p / (p - 1) * (1 - total_item_var / k2)
        t.error_ratio = 100 * sqrt(max(0.0, 1 - t.cic / 100))
        t.standard_error = t.error_ratio * t.sd / 100
    else:
        for name in ("cic", "error_ratio", "standard_error"):
            t.notes[name] = "needs at least 2 items 至少需要 2 道题"
    return t


def item_statistics(columns: list[list[float]], maxima: list[float],
                    random_guess: list[float | None],
                    guess_notes: list[str | None]) -> list[MoodleItem]:
    """Moodle's item statistics for every item (`columns[j]` = item j's marks, attempt order)."""
    k = len(columns)
    s = len(columns[0]) if columns else 0
    totals = [fsum(col[i] for col in columns) for i in range(s)]
    out = [MoodleItem() for _ in range(k)]
    total_max = fsum(maxima)
    cov_t: list[float | None] = [None] * k
    for j, (col, m) in enumerate(zip(columns, maxima, strict=True)):
        item = out[j]
        item.intended_weight = 100 * m / total_max if total_max else None
        item.random_guess = random_guess[j]
        if random_guess[j] is None and guess_notes[j]:
            item.notes["random_guess"] = guess_notes[j] or ""
        if s == 0:
            item.notes["facility"] = "no graded attempt yet 尚无已评分的作答"
            continue
        item.facility = 100 * _mean(col) / m if m else None
        if s < 2:
            for name in ("sd", "discrimination_index", "discriminative_efficiency",
                         "effective_weight"):
                item.notes[name] = "needs at least 2 attempts 至少需要 2 份作答"
            continue
        rest = [totals[i] - col[i] for i in range(s)]
        var_x, var_rest = _cov(col, col), _cov(rest, rest)
        cov = _cov(col, rest)
        item.sd = 100 * sqrt(var_x) / m if m else None
        if var_x == 0:
            item.notes["discrimination_index"] = item.notes["discriminative_efficiency"] = (
                "every trainee scored the same on this item: no variance 本题得分无差异")
        elif var_rest == 0:
            item.notes["discrimination_index"] = item.notes["discriminative_efficiency"] = (
                "the rest of the exam has no variance 其余题目总分无差异")
        else:
            item.discrimination_index = 100 * cov / sqrt(var_x * var_rest)
            cov_max = _cov(sorted(col), sorted(rest))
            if cov_max:
                item.discriminative_efficiency = 100 * cov / cov_max
            else:
                item.notes["discriminative_efficiency"] = "maximum covariance is 0 最大协方差为 0"
        cov_t[j] = _cov(col, totals)
    if s >= 2:
        root_sum = fsum(sqrt(c) for c in cov_t if c is not None and c >= 0)
        for j, c in enumerate(cov_t):
            if c is None:
                continue
            if c < 0:
                out[j].notes["effective_weight"] = (
                    "negative covariance of the item with the total: cannot be computed "
                    "与总分负协方差，无法计算")
            elif root_sum == 0:
                out[j].notes["effective_weight"] = "no item covaries with the total 总分无差异"
            else:
                out[j].effective_weight = 100 * sqrt(c) / root_sum
    for item in out:
        item.bands = item_bands(item)
    return out
