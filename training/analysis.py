"""Classical item analysis of one exam: difficulty, discrimination, reliability, flags.

Input is a score matrix (trainees × items, each score in [0, 1]). Conventions, stated once:
- difficulty p is the mean item score (share correct for 0/1 items);
- discrimination D = p(upper) − p(lower), groups of round(27 % × N) trainees (at least 1)
  taken from the total-score ranking; ties keep the matrix order;
- point-biserial r is the Pearson correlation of the item with the *rest* score (total
  minus the item), so an item is not correlated with itself; None without variance;
- variances are population variances (divide by N) in KR-20 and Cronbach's α alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import sqrt

from training.grading import Response


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

    @property
    def to_revise(self) -> list[ItemStats]:
        return [i for i in self.items if i.revise]


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs)


def _pvar(xs: list[float]) -> float:
    m = _mean(xs)
    return sum((x - m) ** 2 for x in xs) / len(xs)


def pearson(xs: list[float], ys: list[float]) -> float | None:
    mx, my = _mean(xs), _mean(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / sqrt(sxx * syy)


def groups(totals: list[float], fraction: float = 0.27) -> tuple[list[int], list[int]]:
    """Indices of the upper and lower groups by total score."""
    size = max(1, round(fraction * len(totals)))
    ranked = sorted(range(len(totals)), key=lambda i: -totals[i])
    return ranked[:size], ranked[-size:]


def cronbach_alpha(matrix: list[list[float]]) -> float | None:
    k = len(matrix[0]) if matrix else 0
    if k < 2 or len(matrix) < 2:
        return None
    totals = [sum(row) for row in matrix]
    total_var = _pvar(totals)
    if total_var == 0:
        return None
    item_var = sum(_pvar([row[j] for row in matrix]) for j in range(k))
    return k / (k - 1) * (1 - item_var / total_var)


def kr20(matrix: list[list[float]]) -> float | None:
    """KR-20 for dichotomous items (equal to α computed with population variances)."""
    if not matrix or any(x not in (0, 1) for row in matrix for x in row):
        return None
    k = len(matrix[0])
    totals = [sum(row) for row in matrix]
    total_var = _pvar(totals)
    if k < 2 or total_var == 0:
        return None
    pq = sum(p * (1 - p) for p in (_mean([row[j] for row in matrix]) for j in range(k)))
    return k / (k - 1) * (1 - pq / total_var)


def distractor_shares(responses: list[Response], option_codes: list[str]) -> dict[str, float]:
    """Share of trainees picking each option (a multi-select counts every pick)."""
    n = len(responses)
    counts = dict.fromkeys(option_codes, 0)
    for response in responses:
        picks = response if isinstance(response, list) else [response] if response else []
        for code in picks:
            if code in counts:
                counts[code] += 1
    return {code: (count / n if n else 0.0) for code, count in counts.items()}


def analyse(item_ids: list[str], matrix: list[list[float]],
            choices: dict[str, tuple[list[str], str | None, list[Response]]] | None = None,
            thresholds: Thresholds | None = None) -> ExamStats:
    """Statistics per item and for the exam.

    `choices` maps a single-choice item id to (option codes, key code, responses in matrix
    row order) for distractor analysis.
    """
    t = thresholds or Thresholds()
    n = len(matrix)
    totals = [sum(row) for row in matrix]
    upper, lower = groups(totals, t.group_fraction) if n else ([], [])
    stats = []
    for j, item_id in enumerate(item_ids):
        col = [row[j] for row in matrix]
        rest = [totals[i] - col[i] for i in range(n)]
        p = _mean(col)
        p_up, p_low = _mean([col[i] for i in upper]), _mean([col[i] for i in lower])
        r = pearson(col, rest)
        s = ItemStats(item_id, n, p, p_up, p_low, p_up - p_low, r)
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
            up_share = distractor_shares([responses[i] for i in upper], codes)
            low_share = distractor_shares([responses[i] for i in lower], codes)
            lure = [c for c in codes if c != key and up_share[c] > low_share[c]]
            if lure:
                s.flags.append(f"distractor draws the upper group 高分组误选: {', '.join(lure)}")
        stats.append(s)
    return ExamStats(n, len(item_ids), _mean(totals) if n else 0.0, kr20(matrix),
                     cronbach_alpha(matrix), stats)
