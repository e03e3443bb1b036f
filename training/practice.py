"""Ungraded practice with spaced review (Leitner boxes); state kept in a JSON file.

A right answer moves an item up a box and further into the future (1, 2, 4, 8, 16 days);
a miss puts it back in box 1, due the next day. Practice tells right or wrong and shows
the case's discussion points, never the key: practice items are exam items too.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from core.kit import DomainError
from training.grading import grade
from training.items import Item
from training.taker import ask

INTERVALS = {1: 1, 2: 2, 3: 4, 4: 8, 5: 16}  # box → days until the next review
TOP_BOX = max(INTERVALS)


@dataclass
class Card:
    box: int = 1
    due: str = ""  # ISO date
    seen: int = 0
    right: int = 0


@dataclass
class PracticeState:
    trainee: str
    cards: dict[str, Card] = field(default_factory=dict)

    def due_items(self, today: date) -> list[str]:
        return sorted((i for i, c in self.cards.items() if date.fromisoformat(c.due) <= today),
                      key=lambda i: (self.cards[i].box, self.cards[i].due, i))


def load_state(path: Path, trainee: str) -> PracticeState:
    if not path.exists():
        return PracticeState(trainee)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        state = PracticeState(raw["trainee"], {k: Card(**v) for k, v in raw["cards"].items()})
    except (ValueError, KeyError, TypeError):
        raise DomainError("state", f"{path} is not a practice state file") from None
    if state.trainee != trainee:
        raise DomainError("trainee", f"{path} belongs to {state.trainee}, not {trainee}")
    return state


def save_state(state: PracticeState, path: Path) -> None:
    data = {"trainee": state.trainee, "cards": {k: asdict(c) for k, c in state.cards.items()}}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def record(state: PracticeState, item_id: str, right: bool, today: date) -> Card:
    card = state.cards.setdefault(item_id, Card())
    card.seen += 1
    if right:
        card.right += 1
        card.box = min(TOP_BOX, card.box + 1)
    else:
        card.box = 1
    card.due = (today + timedelta(days=INTERVALS[card.box])).isoformat()
    return card


def select(pool: list[Item], state: PracticeState, today: date, count: int,
           rng: random.Random) -> list[Item]:
    """Due reviews first (lowest box first), then new items at random."""
    by_id = {i.id: i for i in pool if i.kind != "short_answer"}
    chosen = [by_id[i] for i in state.due_items(today) if i in by_id][:count]
    fresh = sorted(i for i in by_id if i not in state.cards)
    rng.shuffle(fresh)
    chosen += [by_id[i] for i in fresh[: count - len(chosen)]]
    return chosen


def practise(pool: list[Item], state: PracticeState, today: date, count: int, tz: ZoneInfo,
             stdin: TextIO, stdout: TextIO, discussion: dict[str, list[str]] | None = None,
             seed: int | None = None) -> list[tuple[str, float]]:
    """One session at the terminal; returns (item id, score) for each item asked."""
    items = select(pool, state, today, count, random.Random(seed))
    if not items:
        stdout.write("今天没有需要复习的题目。Nothing due today.\n")
        return []
    results = []
    for number, item in enumerate(items, 1):
        response = ask(item.public(), number, len(items), stdin, stdout)
        score = grade(item, response, tz).points
        right = score >= 1.0
        record(state, item.id, right, today)
        stdout.write("✓ 正确\n" if right else f"✗ 未全对（得分 {score:.2f}），稍后会再练到这题\n")
        for point in (discussion or {}).get(item.case_id, []):
            stdout.write(f"  想一想：{point}\n")
        results.append((item.id, score))
    return results
