"""Moodle's quiz statistics on a fixture worked by hand from Moodle's published definitions.

Definitions (Moodle docs "Quiz statistics calculations"; S attempts, x an item's mark, T the
attempt total, X = T − x, V and C sample variance and covariance, dividing by S − 1):
  facility F = 100·x̄/max;  item SD = 100·√V(x)/max
  discrimination index DI = 100·C(x, X)/√(V(x)·V(X))
  discriminative efficiency DE = 100·C(x, X)/C_max, C_max = C over x and X each sorted
  effective weight EW = 100·√C(x, T)/Σ√C(x_p, T);  intended weight = 100·max/Σ max
  test: mean, median; SD = √(Σd²/(S−1)); m_r = Σd^r/S; k2 = S·m2/(S−1);
  k3 = S²·m3/((S−1)(S−2)); skewness = k3/k2^1.5;
  k4 = S²·((S+1)·m4 − 3(S−1)·m2²)/((S−1)(S−2)(S−3)); kurtosis = k4/k2²
  CIC = 100·P/(P−1)·(1 − ΣV(x_p)/k2); ER = 100·√(1 − CIC/100); SE = ER/100·SD
"""

from __future__ import annotations

import math
from itertools import permutations

import pytest

from training.analysis import analyse
from training.grading import grade_order, random_guess
from training.items import Item, Key, Option
from training.moodle_stats import discrimination_band, facility_band

# five trainees × three items, marks 0/1; totals 3, 2, 2, 1, 0
FIXTURE = [[1, 1, 1], [1, 1, 0], [1, 0, 1], [1, 0, 0], [0, 0, 0]]


def test_test_statistics_by_hand() -> None:
    m = analyse(["q1", "q2", "q3"], FIXTURE).moodle
    # mean 8/5 = 1.6 of 3; median 2 of 3
    assert m.mean == pytest.approx(100 * 1.6 / 3) and m.median == pytest.approx(200 / 3)
    # d = 1.4, .4, .4, −.6, −1.6: Σd² = 5.2, Σd³ = −1.44, Σd⁴ = 10.576
    # SD = √(5.2/4) = √1.3 of 3
    assert m.sd == pytest.approx(100 * math.sqrt(1.3) / 3)
    # m2 = 1.04, m3 = −.288, m4 = 2.1152; k2 = 1.3, k3 = 25·(−.288)/12 = −.6
    assert m.skewness == pytest.approx(-0.6 / 1.3 ** 1.5)
    # k4 = 25·(6·2.1152 − 12·1.04²)/24 = 25·(−.288)/24 = −.3
    assert m.kurtosis == pytest.approx(-0.3 / 1.3 ** 2)
    # V(x): .8/4 = .2, 1.2/4 = .3, .3 → Σ .8; CIC = 150·(1 − .8/1.3) = 150·5/13
    assert m.cic == pytest.approx(750 / 13)
    assert m.error_ratio == pytest.approx(100 * math.sqrt(1 - 7.5 / 13))
    assert m.standard_error == pytest.approx(math.sqrt(1 - 7.5 / 13) * 100 * math.sqrt(1.3) / 3)
    assert m.bands["cic"].startswith("below 64 %") and m.bands["error_ratio"].startswith("above")


def test_item_statistics_by_hand() -> None:
    q1, q2, q3 = (s.moodle for s in analyse(["q1", "q2", "q3"], FIXTURE).items)
    assert (q1.facility, q2.facility, q3.facility) == pytest.approx((80, 40, 40))
    assert q1.sd == pytest.approx(100 * math.sqrt(0.2))
    assert q2.sd == pytest.approx(100 * math.sqrt(0.3))
    # q1: x 1,1,1,1,0 and X 2,1,1,0,0 (means .8, .8): ΣdxdX = .8 → C = .2; V(X) = 2.8/4 = .7
    assert q1.discrimination_index == pytest.approx(100 * 0.2 / math.sqrt(0.2 * 0.7))
    # sorted x 0,1,1,1,1 with sorted X 0,0,1,1,2: the same pairs' sum .8 → DE 100 %
    assert q1.discriminative_efficiency == pytest.approx(100)
    # q2: x 1,1,0,0,0, X 2,1,2,1,0 (means .4, 1.2): Σ = .6 → C = .15; V(X) = .7
    assert q2.discrimination_index == pytest.approx(100 * 0.15 / math.sqrt(0.3 * 0.7))
    # sorted: x 0,0,0,1,1 with X 0,1,1,2,2 → Σ 1.6 → C_max = .4 → DE = 37.5 %
    assert q2.discriminative_efficiency == pytest.approx(37.5)
    assert q3.discrimination_index == pytest.approx(q2.discrimination_index)
    # C(x, T): q1 1.6/4 = .4, q2 and q3 1.8/4 = .45 (they add up to V(T) = 1.3)
    root = math.sqrt(0.4) + 2 * math.sqrt(0.45)
    assert q1.effective_weight == pytest.approx(100 * math.sqrt(0.4) / root)
    assert q2.effective_weight == pytest.approx(100 * math.sqrt(0.45) / root)
    assert q1.intended_weight == pytest.approx(100 / 3)
    assert q1.bands["facility"].startswith("fairly easy")
    assert q1.bands["discrimination_index"].startswith("very good")
    assert q2.bands["discrimination_index"].startswith("adequate")


def test_lsat6_still_matches_published_figures() -> None:
    """LSAT section 6 (Bock & Lieberman 1970): 1000 examinees, 5 items, 32 patterns."""
    counts = [3, 6, 2, 11, 1, 1, 3, 4, 1, 8, 0, 16, 0, 3, 2, 15,
              10, 29, 14, 81, 3, 28, 15, 80, 16, 56, 21, 173, 11, 61, 28, 298]
    matrix = [[int(c) for c in f"{pattern:05b}"] for pattern, n in enumerate(counts)
              for _ in range(n)]
    stats = analyse(list("abcde"), matrix)
    assert [round(s.p, 3) for s in stats.items] == [0.924, 0.709, 0.553, 0.763, 0.870]
    assert round(stats.kr20 or 0, 3) == 0.295
    assert stats.moodle.cic == pytest.approx(100 * (stats.kr20 or 0))  # same formula


def test_one_trainee_and_no_variance_are_explained() -> None:
    one = analyse(["a", "b"], [[1, 0]])
    assert one.moodle.mean == 50 and one.moodle.sd is None
    assert "at least 2 attempts" in one.moodle.notes["sd"]
    assert "at least 2 attempts" in one.items[0].moodle.notes["discrimination_index"]
    same = analyse(["a", "b"], [[1, 0], [1, 0], [1, 0]])
    assert same.moodle.sd == 0 and same.moodle.cic is None
    assert "no variance" in same.moodle.notes["cic"]
    assert "no variance" in same.items[0].moodle.notes["discrimination_index"]
    negative = analyse(["a", "b", "c"], [[1, 1, 0], [1, 0, 1], [0, 0, 1]])
    # item c goes against the total: C(c, T) = −1/6 < 0, Moodle gives no effective weight
    assert negative.items[2].moodle.effective_weight is None
    assert "negative covariance" in negative.items[2].moodle.notes["effective_weight"]


def test_no_attempt_is_an_empty_report() -> None:
    stats = analyse(["a", "b"], [])
    assert stats.n_trainees == 0 and stats.items == []
    assert "no graded attempt" in stats.moodle.notes["mean"]


def test_bands() -> None:
    assert [facility_band(f)[:8] for f in (5, 8, 15, 30, 50, 70, 85, 92, 97)] == [
        "extremel", "very dif", "difficul", "moderate", "about ri", "fairly e", "easy 容易",
        "very eas", "extremel"]
    assert [discrimination_band(d).split()[0] for d in (60, 40, 25, 5, -3)] == [
        "very", "adequate", "weak", "very", "question"]


def _item(kind: str, options: int, key: Key) -> Item:
    return Item(id="x", kind=kind, form="multi", context="c", stem="s",
                options=[Option(code=f"o{n}", text=f"t{n}") for n in range(options)],
                case_id="c", slot="s", topics=[], difficulty=1, key=key)


def test_random_guess_scores() -> None:
    assert random_guess(_item("classification", 4, Key(choice="o0")))[0] == 25
    # violations, key {o0, o1} among 4, told to pick 2: of the 6 pairs, {o0,o1} scores 1,
    # the four with one right and one wrong score ½ − ½ = 0, {o2,o3} scores 0 → 1/6
    violations = _item("violations", 4, Key(choices=["o0", "o1"]))
    assert random_guess(violations)[0] == pytest.approx(100 / 6)
    # order: the mean of the grader over every order of five steps is ½
    steps = [f"s{n}" for n in range(5)]
    mean = sum(grade_order(steps, list(p)) for p in permutations(steps)) / 120
    assert random_guess(_item("order", 5, Key(order=steps)))[0] == pytest.approx(100 * mean)
    assert random_guess(_item("short_answer", 0, Key(rubric="r")))[0] is None
