"""Scripted terminal input for demo trainees (notebooks, tests), right with some probability."""

from __future__ import annotations

import random
from string import ascii_uppercase

from training.exams import Exam


def scripted_answers(exam: Exam, ability: float, seed: int) -> str:
    """Lines a trainee would type; uses the key, so only tests and demos may call it."""
    rng = random.Random(seed)
    lines = []
    for item in exam.items:
        codes = [o.code for o in item.options]
        right = rng.random() < ability
        if item.form == "choice":
            code = item.key.choice if right else rng.choice(codes)
            lines.append(ascii_uppercase[codes.index(code)])
        elif item.form == "multi":
            picks = item.key.choices if right else rng.sample(codes, 1)
            lines.append("".join(ascii_uppercase[codes.index(c)] for c in picks) or "-")
        elif item.form == "order":
            order = list(item.key.order or []) if right else rng.sample(codes, len(codes))
            lines.append("".join(ascii_uppercase[codes.index(c)] for c in order))
        elif item.form == "datetime":
            due = item.key.due_at
            assert due is not None
            lines.append(f"{due:%Y-%m-%d %H:%M}" if right else f"{due:%Y-%m-%d} 09:00")
        else:
            lines.append("您好，非常抱歉给您带来不便，我马上登记并联系相关部门，今天内给您答复。")
    return "\n".join(lines) + "\n"
