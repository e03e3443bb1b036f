"""Graders: every item kind scored in Python into [0, 1]; rubric items wait for a trainer.

Responses are plain JSON values: an option code (choice), a list of codes (multi, order),
an ISO datetime string (deadline), free text (short answer). `None` means unanswered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import combinations
from typing import Any
from zoneinfo import ZoneInfo

from core.kit import DomainError
from training.items import Item
from training.rubrics import rubric

Response = str | list[str] | None


@dataclass(frozen=True)
class Grade:
    """`score` is None while a trainer has still to grade (`pending`)."""

    score: float | None
    pending: bool = False

    @property
    def points(self) -> float:
        return self.score or 0.0


def grade_choice(key: str, answer: str | None) -> float:
    return 1.0 if answer == key else 0.0


def grade_multi(key: set[str], options: set[str], picks: set[str]) -> float:
    """Each right pick earns 1/|key|, each wrong pick costs 1/|distractors|; floor 0.

    Picking everything scores 0; with no violation present, not picking is full marks.
    """
    unknown = picks - options
    if unknown:
        raise DomainError("response", f"unknown option {sorted(unknown)[0]}")
    distractors = options - key
    wrong = len(picks - key)
    if not key:
        return max(0.0, 1.0 - wrong / len(distractors)) if distractors else 1.0
    right = len(picks & key)
    penalty = wrong / len(distractors) if distractors else 0.0
    return max(0.0, right / len(key) - penalty)


def kendall_tau(key: list[str], answer: list[str]) -> float:
    """Kendall's tau between two orderings of the same items, in [-1, 1]."""
    if sorted(key) != sorted(answer) or len(set(answer)) != len(answer):
        raise DomainError("response", "the order must list every step exactly once")
    n = len(key)
    if n < 2:
        return 1.0
    rank = {code: i for i, code in enumerate(answer)}
    concordant = sum(1 for a, b in combinations(key, 2) if rank[a] < rank[b])
    pairs = n * (n - 1) // 2
    return (2 * concordant - pairs) / pairs


def grade_order(key: list[str], answer: list[str]) -> float:
    """Partial credit: Kendall's tau scaled to [0, 1] (reversed order scores 0)."""
    return (kendall_tau(key, answer) + 1) / 2


def parse_datetime(text: str, tz: ZoneInfo) -> datetime:
    """ISO 8601 (`T` or a space); naive means site time."""
    try:
        at = datetime.fromisoformat(text.strip().replace("/", "-"))
    except ValueError:
        raise DomainError("response", f"not a date and time: {text!r} (use YYYY-MM-DD HH:MM)"
                          ) from None
    return at.replace(tzinfo=tz) if at.tzinfo is None else at


def grade_deadline(key: datetime, answer: str, tz: ZoneInfo) -> float:
    return 1.0 if parse_datetime(answer, tz) == key else 0.0


def grade(item: Item, response: Response, tz: ZoneInfo) -> Grade:
    """Score one response; unanswered scores 0, a short answer stays pending."""
    key = item.key
    if item.kind == "short_answer":
        return Grade(0.0) if not response else Grade(None, pending=True)
    if response is None or response == "":
        return Grade(0.0)  # unanswered, whatever the key: silence is not "no violations"
    if response == [] and item.kind != "violations":
        return Grade(0.0)
    if item.kind in ("classification", "followup"):
        assert key.choice is not None
        return Grade(grade_choice(key.choice, _one(response)))
    if item.kind == "violations":
        return Grade(grade_multi(set(key.choices or []), _codes(item), set(_many(response))))
    if item.kind == "order":
        return Grade(grade_order(list(key.order or []), _many(response)))
    if item.kind == "deadline":
        assert key.due_at is not None
        return Grade(grade_deadline(key.due_at, _one(response), tz))
    raise DomainError("kind", f"no grader for {item.kind}")


def grade_rubric(rubric_id: str, levels: dict[str, int]) -> float:
    """A trainer's grade: the level chosen per criterion, as a share of the maximum."""
    return rubric(rubric_id).score(levels)


def _codes(item: Item) -> set[str]:
    return {o.code for o in item.options}


def _one(response: Any) -> str:
    if not isinstance(response, str):
        raise DomainError("response", "expected one answer")
    return response


def _many(response: Any) -> list[str]:
    if isinstance(response, str):
        return [response]
    if not isinstance(response, list) or not all(isinstance(r, str) for r in response):
        raise DomainError("response", "expected a list of answers")
    return response


def random_guess(item: Item) -> tuple[float | None, str | None]:
    """The mean score (percent) of a random answer under this module's own graders, as
    Moodle's "random guess score"; None with the reason where no guess is defined.

    Single choice: 1/options. Violations: the trainee is told how many to pick (the
    assumption of Moodle's guide) and picks that many at random: the mean of
    `grade_multi` over every such pick. Order: a random order has E[tau] = 0 by symmetry,
    so 50 %. Deadline: 0 (a typed time is not guessed). Rubric answers: none (an essay).
    """
    if item.kind in ("classification", "followup"):
        return 100 / len(item.options), None
    if item.kind == "violations":
        key = set(item.key.choices or [])
        if not key:
            return None, "nothing to find: the guess depends on how many a trainee picks 无正确项"
        options = _codes(item)
        picks = list(combinations(sorted(options), len(key)))
        return 100 * sum(grade_multi(key, options, set(p)) for p in picks) / len(picks), None
    if item.kind == "order":
        return 50.0, None
    if item.kind == "deadline":
        return 0.0, None
    return None, "graded by a trainer on a rubric (Moodle: essay) 人工评分，无随机猜测分"
