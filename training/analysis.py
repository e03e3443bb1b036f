"""Classical item analysis of one exam: difficulty, discrimination, reliability, flags.

Input is a score matrix (trainees × items, each score in [0, 1]). Conventions, stated once:
- difficulty p is the mean item score (share correct for 0/1 items);
- discrimination D = p(upper) − p(lower), groups of round(27 % × N) trainees (at least 1)
  taken from the total-score ranking; trainees tied on the total across a group's cut share
  its remaining places equally (each counts with weight places / tied), so D is the mean
  over every way of breaking the tie and does not depend on names or row order;
- point-biserial r is the Pearson correlation of the item with the *rest* score (total
  minus the item), so an item is not correlated with itself; None without variance;
- variances are population variances (divide by N) in KR-20 and Cronbach's α alike.

Beside them, the statistics Moodle's quiz report shows (`training.moodle_stats`), with its
interpretation bands: `ExamStats.moodle` for the exam, `ItemStats.moodle` per item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import fsum, sqrt

from training.grading import Response
from training.moodle_stats import MoodleItem, OverallStats, item_statistics, overall_statistics


@dataclass(frozen=True)
class Thresholds:
    too_hard: float = 0.25
    too_easy: float = 0.90
    min_discrimination: float = 0.20
    min_point_biserial: float = 0.20
    group_fraction: float = 0.27


@dataclass
class ItemStats:
    item_id: str
    n: int
    p: float
    p_upper: float
    p_lower: float
    discrimination: float
    point_biserial: float | None
    distractors: dict[str, float] = field(default_factory=dict)  # option code → share
    flags: list[str] = field(default_factory=list)
    moodle: MoodleItem = field(default_factory=MoodleItem)

    @property
    def revise(self) -> bool:
        return bool(self.flags)


@dataclass
class ExamStats:
    n_trainees: int
    n_items: int
    mean_total: float
    kr20: float | None  # only when every score is 0 or 1
    alpha: float | None
    items: list[ItemStats]
    moodle: OverallStats = field(default_factory=lambda: OverallStats(0))
    #: attempts left out because an answer still waits for a trainer (Moodle does the same)
    pending_attempts: int = 0

    @property
    def to_revise(self) -> list[ItemStats]:
        return [i for i in self.items if i.revise]


def _mean(xs: list[float]) -> float:
    return fsum(xs) / len(xs)


def _pvar(xs: list[float]) -> float:
    m = _mean(xs)
    return fsum((x - m) ** 2 for x in xs) / len(xs)


def pearson(xs: list[float], ys: list[float]) -> float | None:
    mx, my = _mean(xs), _mean(ys)
    sxy = fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = fsum((x - mx) ** 2 for x in xs)
    syy = fsum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / sqrt(sxx * syy)


def group_size(n: int, fraction: float = 0.27) -> int:
    return max(1, round(fraction * n)) if n else 0


def _share(totals: list[float], size: int, highest: bool) -> list[float]:
    """Weight of each trainee in the `size` highest (or lowest) totals; a tie across the
    cut shares the places left equally."""
    keyed = [round(t, 9) for t in totals]  # 0.1 + 0.2 and 0.3 are one total
    weights = [0.0] * len(totals)
    left = size
    for value in sorted(set(keyed), reverse=highest):
        if left <= 0:
            break
        members = [i for i, t in enumerate(keyed) if t == value]
        take = min(left, len(members))
        for i in members:
            weights[i] = take / len(members)
        left -= take
    return weights


def groups(totals: list[float], fraction: float = 0.27) -> tuple[list[float], list[float]]:
    """Weights of each trainee in the upper and the lower group (each sums to the group
    size); 1 for a member, 0 for a non-member, a share for a tie across the cut."""
    size = group_size(len(totals), fraction)
    return _share(totals, size, True), _share(totals, size, False)


def _weighted_mean(xs: list[float], weights: list[float]) -> float:
    total = fsum(weights)
    return fsum(x * w for x, w in zip(xs, weights, strict=True)) / total if total else 0.0


def cronbach_alpha(matrix: list[list[float]]) -> float | None:
    k = len(matrix[0]) if matrix else 0
    if k < 2 or len(matrix) < 2:
        return None
    totals = [fsum(row) for row in matrix]
    total_var = _pvar(totals)
    if total_var == 0:
        return None
    item_var = fsum(_pvar([row[j] for row in matrix]) for j in range(k))
    return k / (k - 1) * (1 - item_var / total_var)


def kr20(matrix: list[list[float]]) -> float | None:
    """KR-20 for dichotomous items (equal to α computed with population variances)."""
    if not matrix or any(x not in (0, 1) for row in matrix for x in row):
        return None
    k = len(matrix[0])
    totals = [fsum(row) for row in matrix]
    total_var = _pvar(totals)
    if k < 2 or total_var == 0:
        return None
    pq = fsum(p * (1 - p) for p in (_mean([row[j] for row in matrix]) for j in range(k)))
    return k / (k - 1) * (1 - pq / total_var)


def distractor_shares(responses: list[Response], option_codes: list[str],
                      weights: list[float] | None = None) -> dict[str, float]:
    """Share of trainees picking each option (a multi-select counts every pick); `weights`
    (a group's, see `groups`) count each trainee by their share of the group."""
    w = weights if weights is not None else [1.0] * len(responses)
    n = fsum(w)
    counts: dict[str, list[float]] = {code: [] for code in option_codes}
    for response, weight in zip(responses, w, strict=True):
        picks = response if isinstance(response, list) else [response] if response else []
        for code in picks:
            if code in counts:
                counts[code].append(weight)
    return {code: (fsum(count) / n if n else 0.0) for code, count in counts.items()}


def analyse(item_ids: list[str], matrix: list[list[float]],
            choices: dict[str, tuple[list[str], str | None, list[Response]]] | None = None,
            thresholds: Thresholds | None = None,
            guesses: dict[str, tuple[float | None, str | None]] | None = None,
            pending_attempts: int = 0) -> ExamStats:
    """Statistics per item and for the exam; with no row, an empty report (every figure
    None with its reason), not an error.

    `choices` maps a single-choice item id to (option codes, key code, responses in matrix
    row order) for distractor analysis; `guesses` an item id to its random-guess score
    (percent) or None with the reason. Every item's maximum is 1.
    """
    t = thresholds or Thresholds()
    n = len(matrix)
    totals = [fsum(row) for row in matrix]
    columns = [[row[j] for row in matrix] for j in range(len(item_ids))]
    guess = [(guesses or {}).get(i, (None, None)) for i in item_ids]
    moodle_items = item_statistics(columns, [1.0] * len(item_ids), [g[0] for g in guess],
                                   [g[1] for g in guess])
    item_vars = [None if n < 2 else _pvar(col) * n / (n - 1) for col in columns]
    overall = overall_statistics(totals, item_vars, float(len(item_ids)))
    if n == 0:
        return ExamStats(0, len(item_ids), 0.0, None, None, [], overall, pending_attempts)
    upper, lower = groups(totals, t.group_fraction)
    stats = []
    for j, item_id in enumerate(item_ids):
        col = columns[j]
        rest = [totals[i] - col[i] for i in range(n)]
        p = _mean(col)
        p_up, p_low = _weighted_mean(col, upper), _weighted_mean(col, lower)
        r = pearson(col, rest)
        s = ItemStats(item_id, n, p, p_up, p_low, p_up - p_low, r, moodle=moodle_items[j])
        if p < t.too_hard:
            s.flags.append("too hard 过难")
        if p > t.too_easy:
            s.flags.append("too easy 过易")
        if s.discrimination < t.min_discrimination:
            s.flags.append("weak discrimination 区分度低")
        if r is not None and r < t.min_point_biserial:
            s.flags.append("low item–rest correlation 与总分相关低")
        if choices and item_id in choices:
            codes, key, responses = choices[item_id]
            s.distractors = distractor_shares(responses, codes)
            unused = [c for c in codes if c != key and s.distractors[c] == 0]
            if unused:
                s.flags.append(f"distractor never chosen 无人选择: {', '.join(unused)}")
            up_share = distractor_shares(responses, codes, upper)
            low_share = distractor_shares(responses, codes, lower)
            lure = [c for c in codes if c != key and up_share[c] > low_share[c] + 1e-12]
            if lure:
                s.flags.append(f"distractor draws the upper group 高分组误选: {', '.join(lure)}")
        stats.append(s)
    return ExamStats(n, len(item_ids), _mean(totals), kr20(matrix), cronbach_alpha(matrix),
                     stats, overall, pending_attempts)
