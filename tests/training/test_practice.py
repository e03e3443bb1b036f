"""Leitner spaced review: misses come back the next day, right answers climb the boxes."""

from __future__ import annotations

import random
from datetime import date
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.errors import DomainError
from training.items import Item
from training.practice import (
    PracticeState,
    load_state,
    practise,
    record,
    save_state,
    select,
)

DAY = date(2026, 11, 2)


def test_boxes_and_intervals() -> None:
    state = PracticeState("王芳")
    card = record(state, "q1", True, DAY)
    assert (card.box, card.due) == (2, "2026-11-04")
    card = record(state, "q1", True, DAY)
    assert (card.box, card.due) == (3, "2026-11-06")
    card = record(state, "q1", False, DAY)
    assert (card.box, card.due) == (1, "2026-11-03")
    for _ in range(10):
        card = record(state, "q1", True, DAY)
    assert card.box == 5 and card.due == "2026-11-18"
    assert (card.seen, card.right) == (13, 12)


def test_due_reviews_come_before_new_items(pool: list[Item]) -> None:
    state = PracticeState("王芳")
    missed = [i for i in pool if i.kind == "classification"][:2]
    for item in missed:
        record(state, item.id, False, DAY)
    assert select(pool, state, DAY, 3, random.Random(1))[0].id not in {m.id for m in missed}
    tomorrow = select(pool, state, date(2026, 11, 3), 3, random.Random(1))
    assert [i.id for i in tomorrow[:2]] == sorted(m.id for m in missed)
    assert all(i.kind != "short_answer" for i in select(pool, state, DAY, 200, random.Random(1)))


def test_session_brings_a_missed_item_back(pool: list[Item], tmp_path: Path) -> None:
    tz = ZoneInfo("Asia/Shanghai")
    one = [i for i in pool if i.kind == "classification"][:1]
    item = one[0]
    wrong = next(o for o in item.options if o.code != item.key.choice)
    letter = chr(65 + item.options.index(wrong))
    state = PracticeState("王芳")
    out = StringIO()
    results = practise(one, state, DAY, 5, tz, StringIO(letter + "\n"), out,
                       {item.case_id: ["讨论点"]}, seed=1)
    assert results == [(item.id, 0.0)]
    assert "稍后会再练" in out.getvalue() and "讨论点" in out.getvalue()
    assert item.key.choice not in out.getvalue()
    path = tmp_path / "p.json"
    save_state(state, path)
    again = load_state(path, "王芳")
    assert again.due_items(date(2026, 11, 3)) == [item.id]
    right = chr(65 + [o.code for o in item.options].index(item.key.choice))
    results = practise(one, again, date(2026, 11, 3), 5, tz, StringIO(right + "\n"), StringIO())
    assert results == [(item.id, 1.0)] and again.cards[item.id].box == 2
    assert practise(one, again, date(2026, 11, 3), 5, tz, StringIO(""), out) == []


def test_state_belongs_to_one_trainee(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    save_state(PracticeState("王芳"), path)
    with pytest.raises(DomainError, match="trainee: .* belongs to 王芳"):
        load_state(path, "李雷")
    path.write_text("{", encoding="utf-8")
    with pytest.raises(DomainError, match="state: .* not a practice state file"):
        load_state(path, "王芳")
