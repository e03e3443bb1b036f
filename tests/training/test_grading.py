"""Each grader with its edge cases: exact choices, wrong-pick penalties, partial order credit."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from core.errors import DomainError
from training.grading import (
    grade,
    grade_choice,
    grade_deadline,
    grade_multi,
    grade_order,
    grade_rubric,
    kendall_tau,
)
from training.items import Item

SH = ZoneInfo("Asia/Shanghai")


def test_choice_is_exact() -> None:
    assert grade_choice("complaint.major", "complaint.major") == 1.0
    assert grade_choice("complaint.major", "complaint.important") == 0.0
    assert grade_choice("complaint.major", None) == 0.0


OPTS = {"a", "b", "c", "d", "e"}


@pytest.mark.parametrize(("key", "picks", "expected"), [
    ({"a", "b"}, {"a", "b"}, 1.0),
    ({"a", "b"}, {"a"}, 0.5),
    ({"a", "b"}, {"a", "c"}, 0.5 - 1 / 3),          # one wrong pick costs 1/|distractors|
    ({"a", "b"}, {"a", "b", "c"}, 1 - 1 / 3),
    ({"a", "b"}, OPTS, 0.0),                        # picking everything earns nothing
    ({"a", "b"}, {"c", "d"}, 0.0),                  # floored at 0, never negative
    ({"a", "b"}, set(), 0.0),
    (set(), set(), 1.0),                            # nothing to find, nothing picked
    (set(), {"a"}, 0.8),
])
def test_multi_select_penalises_wrong_picks(key: set, picks: set, expected: float) -> None:
    assert grade_multi(key, OPTS, picks) == pytest.approx(expected)


def test_multi_select_rejects_unknown_options() -> None:
    with pytest.raises(DomainError, match="unknown option z"):
        grade_multi({"a"}, OPTS, {"z"})


def test_order_partial_credit_by_kendall_tau() -> None:
    key = ["s1", "s2", "s3", "s4"]
    assert grade_order(key, key) == 1.0
    assert grade_order(key, key[::-1]) == 0.0
    # one adjacent swap: 5 of 6 pairs concordant → tau = (5 - 1) / 6 = 2/3 → (2/3 + 1) / 2
    assert grade_order(key, ["s2", "s1", "s3", "s4"]) == pytest.approx(5 / 6)
    # first step moved to the end: 3 of 6 pairs concordant → tau 0 → 0.5
    assert grade_order(key, ["s2", "s3", "s4", "s1"]) == pytest.approx(0.5)
    assert kendall_tau(key, ["s1", "s3", "s2", "s4"]) == pytest.approx(2 / 3)


@pytest.mark.parametrize("answer", [["s1", "s2", "s3"], ["s1", "s1", "s2", "s3"],
                                    ["s1", "s2", "s3", "x"]])
def test_order_needs_every_step_once(answer: list[str]) -> None:
    with pytest.raises(DomainError, match="every step exactly once"):
        grade_order(["s1", "s2", "s3", "s4"], answer)


def test_deadline_accepts_iso_with_or_without_offset() -> None:
    key = datetime(2026, 10, 10, 18, 0, tzinfo=SH)
    for answer in ("2026-10-10 18:00", "2026-10-10T18:00", "2026-10-10T18:00+08:00",
                   "2026-10-10T10:00:00+00:00", "2026/10/10 18:00"):
        assert grade_deadline(key, answer, SH) == 1.0, answer
    assert grade_deadline(key, "2026-10-09 18:00", SH) == 0.0
    assert grade_deadline(key, "2026-10-10 18:00+00:00", SH) == 0.0
    with pytest.raises(DomainError, match="not a date and time"):
        grade_deadline(key, "next Saturday", SH)


def test_twelve_character_rubric() -> None:
    full = {c: 2 for c in ("courteous", "optimistic", "warm", "friendly", "patient")}
    assert grade_rubric("twelve_characters", {**full, "equal": 1}) == 1.0  # index 1 = 2 points
    half = {c: 1 for c in full} | {"equal": 0}
    assert grade_rubric("twelve_characters", half) == pytest.approx(5 / 12)
    with pytest.raises(DomainError, match="no level given for criterion equal"):
        grade_rubric("twelve_characters", full)
    with pytest.raises(DomainError, match="levels.equal: level 5 out of range"):
        grade_rubric("twelve_characters", {**full, "equal": 5})


def _item(pool: list[Item], kind: str) -> Item:
    return next(i for i in pool if i.kind == kind)


def test_grade_dispatches_by_kind(pool: list[Item]) -> None:
    choice = _item(pool, "classification")
    assert grade(choice, choice.key.choice, SH).score == 1.0
    assert grade(choice, None, SH).score == 0.0
    order = _item(pool, "order")
    assert grade(order, list(order.key.order or []), SH).score == 1.0
    deadline_item = _item(pool, "deadline")
    assert deadline_item.key.due_at is not None
    assert grade(deadline_item, deadline_item.key.due_at.isoformat(), SH).score == 1.0
    short = _item(pool, "short_answer")
    pending = grade(short, "您好，请问有什么可以帮您？", SH)
    assert pending.pending and pending.score is None
    assert grade(short, "", SH).score == 0.0
    clean = next(i for i in pool if i.kind == "violations" and not i.key.choices)
    assert grade(clean, [], SH).score == 1.0  # "none of these" (the taker's "-"): right
    assert grade(clean, None, SH).score == 0.0  # left unanswered: silence earns nothing
