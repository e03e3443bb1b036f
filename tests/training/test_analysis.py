"""Item statistics against numbers worked out by hand (derivations in the comments)."""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict

import pytest

from training.analysis import analyse, cronbach_alpha, groups, kr20

# six trainees × four dichotomous items; totals 4, 3, 2, 2, 1, 1
MATRIX = [
    [1, 1, 1, 1],
    [1, 1, 1, 0],
    [1, 1, 0, 0],
    [1, 0, 1, 0],
    [1, 0, 0, 0],
    [0, 0, 0, 1],
]
ITEMS = ["i1", "i2", "i3", "i4"]
# i1: a single choice with options a–d, key a; T2 picks c, T3 and T5 pick b, T6 skips
CHOICES = {"i1": (["a", "b", "c", "d"], "a", ["a", "c", "b", "a", "b", None])}


def test_groups_are_27_percent_of_six_rounded_to_two() -> None:
    upper, lower = groups([4, 3, 2, 2, 1, 1])
    assert upper == [1, 1, 0, 0, 0, 0] and lower == [0, 0, 0, 0, 1, 1]


# totals 3, 2, 2, 1, 1, 0: both 27 % cuts (2 places) fall inside a tie
TIED = [[1, 1, 1], [1, 1, 0], [0, 1, 1], [1, 0, 0], [0, 0, 1], [0, 0, 0]]


def test_a_tie_across_the_cut_shares_the_places() -> None:
    upper, lower = groups([3, 2, 2, 1, 1, 0])
    assert upper == [1, 0.5, 0.5, 0, 0, 0] and lower == [0, 0, 0, 0.5, 0.5, 1]
    # item 1: upper (1 + ½·1 + ½·0)/2 = 0.75, lower (½·1 + ½·0 + 0)/2 = 0.25 → D = 0.5
    # (breaking the ties by row order gave 1.0 in this order and 0.0 in the reverse one)
    stats = analyse(["a", "b", "c"], TIED)
    assert stats.items[0].p_upper == 0.75 and stats.items[0].p_lower == 0.25
    assert stats.items[0].discrimination == 0.5
    # item 2: upper (1 + ½ + ½)/2 = 1, lower 0 → 1; item 3: upper (1 + 0 + ½)/2 = 0.75,
    # lower (0 + ½ + 0)/2 = 0.25 → 0.5
    assert [s.discrimination for s in stats.items[1:]] == [1.0, 0.5]


def test_every_order_of_the_trainees_gives_identical_statistics() -> None:
    """Renaming trainees only reorders the rows: all 720 orders give the same report,
    to the last bit (sums are exactly rounded, math.fsum)."""
    responses = ["a", "b", "a", "c", None, "b"]  # the first item is a single choice, key a
    reference = asdict(analyse(["a", "b", "c"], TIED, {"a": (["a", "b", "c"], "a", responses)}))
    for order in itertools.permutations(range(6)):
        rows = [TIED[i] for i in order]
        picks = [responses[i] for i in order]
        got = asdict(analyse(["a", "b", "c"], rows, {"a": (["a", "b", "c"], "a", picks)}))
        assert got == reference, order


def test_hand_computed_item_statistics() -> None:
    stats = analyse(ITEMS, MATRIX)
    by = {s.item_id: s for s in stats.items}
    # p: i1 5/6, i2 3/6, i3 3/6, i4 2/6
    assert [by[i].p for i in ITEMS] == pytest.approx([5 / 6, 1 / 2, 1 / 2, 1 / 3])
    # upper = T1, T2; lower = T5, T6. i1: 1 − 0.5; i2, i3: 1 − 0; i4: 0.5 − 0.5
    assert [by[i].discrimination for i in ITEMS] == pytest.approx([0.5, 1.0, 1.0, 0.0])
    # point-biserial with the rest score: r = (Mp − Mq) / s · √(pq)
    # i1: rest 3,2,1,1,0,1 → Mp 7/5, Mq 1, s = √(8/9), √pq = √5/6 → 0.2·√(5/8)
    # i2: rest 3,2,1,2,1,1 → Mp 2, Mq 4/3, s = √5/3, √pq = 1/2 → 1/√5
    # i4: rest 3,3,2,2,1,0 → Mp 3/2, Mq 2, s = √41/6, √pq = √2/3 → −√(2/41)
    assert by["i1"].point_biserial == pytest.approx(0.2 * math.sqrt(5 / 8))
    assert by["i2"].point_biserial == pytest.approx(1 / math.sqrt(5))
    assert by["i4"].point_biserial == pytest.approx(-math.sqrt(2 / 41))
    # KR-20: Σpq = (5 + 9 + 9 + 8)/36 = 31/36, σ²(total) = 35/6 − (13/6)² = 41/36
    #        4/3 · (1 − 31/41) = 40/123
    assert stats.kr20 == pytest.approx(40 / 123)
    assert stats.alpha == pytest.approx(40 / 123)  # equal for 0/1 items, population variances
    assert stats.mean_total == pytest.approx(13 / 6)


def test_items_to_revise_are_flagged() -> None:
    stats = analyse(ITEMS, MATRIX)
    flagged = {s.item_id: s.flags for s in stats.to_revise}
    assert set(flagged) == {"i1", "i4"}
    assert any("与总分相关低" in f for f in flagged["i1"])          # r ≈ 0.158 < 0.2
    assert any("区分度低" in f for f in flagged["i4"])              # D = 0


def test_distractor_shares_and_flags() -> None:
    stats = analyse(ITEMS, MATRIX, CHOICES)
    i1 = stats.items[0]
    assert i1.distractors == pytest.approx({"a": 2 / 6, "b": 2 / 6, "c": 1 / 6, "d": 0.0})
    assert any("无人选择: d" in f for f in i1.flags)
    assert any("高分组误选: c" in f for f in i1.flags)  # T2 (upper) chose c, lower nobody


def test_alpha_with_partial_credit() -> None:
    matrix = [[1, 0.5], [0.5, 0.5], [0, 0]]
    # σ²: item1 1/6, item2 1/18, totals (1.5, 1, 0) → 7/18; α = 2 · (1 − (4/18)/(7/18)) = 6/7
    assert cronbach_alpha(matrix) == pytest.approx(6 / 7)
    assert kr20(matrix) is None


def test_degenerate_inputs() -> None:
    assert cronbach_alpha([[1, 1], [1, 1]]) is None  # no variance
    stats = analyse(["x"], [[1], [1], [1]])
    assert stats.items[0].point_biserial is None
    assert any("过易" in f for f in stats.items[0].flags)
