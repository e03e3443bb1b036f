"""Taking an exam (or practising) at a terminal: streams are injected so tests drive it.

The taker sees only `PublicItem`s and returns raw responses; grading happens elsewhere,
with the key, after the trainee is done.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TextIO

from core.kit import DomainError
from training.exams import Exam, PublicExam
from training.gradebook import Gradebook, Submission, record_attempt
from training.grading import Response
from training.items import PublicItem
from training.render import INSTRUCTIONS, letters

MAX_TRIES = 3


def parse_answer(item: PublicItem, text: str) -> Response:
    """Turn what a trainee typed into a response; empty input leaves the item unanswered."""
    text = text.strip()
    if not text:
        return None
    if item.form == "datetime":
        try:
            datetime.fromisoformat(text.replace("/", "-"))
        except ValueError:
            raise DomainError("response", "not a date and time; write YYYY-MM-DD HH:MM"
                              ) from None
        return text
    if item.form == "text":
        return text
    mapping = letters(item)
    picked = [c for c in text.upper().replace(",", "").replace(" ", "")]
    if item.form == "multi" and picked == ["-"]:
        return []
    unknown = [c for c in picked if c not in mapping]
    if unknown:
        raise DomainError("response", f"no option {unknown[0]}; choose from "
                          + "".join(mapping))
    if len(set(picked)) != len(picked):
        raise DomainError("response", "a letter is given twice")
    if item.form == "choice":
        if len(picked) != 1:
            raise DomainError("response", "choose exactly one letter")
        return mapping[picked[0]]
    if item.form == "order" and len(picked) != len(mapping):
        raise DomainError("response", f"put all {len(mapping)} steps in order")
    codes = [mapping[c] for c in picked]
    return codes if item.form == "order" else sorted(codes)


def ask(item: PublicItem, number: int, total: int, stdin: TextIO, stdout: TextIO) -> Response:
    """Show one item and read an answer, asking again (up to MAX_TRIES) on bad input."""
    stdout.write(f"\n—— 第 {number}/{total} 题 ——\n{item.context}\n问：{item.stem}\n")
    for letter, option in letters(item).items():
        text = next(o.text for o in item.options if o.code == option)
        stdout.write(f"  {letter}. {text}\n")
    for _ in range(MAX_TRIES):
        stdout.write(f"{INSTRUCTIONS[item.form]} 回车跳过 > ")
        stdout.flush()
        line = stdin.readline()
        if line == "":  # end of input: the rest stays unanswered
            stdout.write("\n")
            return None
        try:
            return parse_answer(item, line)
        except DomainError as exc:
            stdout.write(f"无效作答 invalid: {exc.message}\n")
    stdout.write("已跳过 skipped\n")
    return None


def take_exam(exam: PublicExam, stdin: TextIO, stdout: TextIO) -> dict[str, Response]:
    """Ask every item in order; returns item id → response (None when skipped)."""
    stdout.write(f"{exam.title}（{exam.id}），共 {len(exam.items)} 题。\n")
    total = len(exam.items)
    return {item.id: ask(item, n, total, stdin, stdout) for n, item in enumerate(exam.items, 1)}


def record_responses(book: Gradebook, exam: Exam, trainee: str,
                     responses: dict[str, Response], tz: Any, *,
                     actor: str | None = None) -> tuple[list[Submission], str]:
    """Grade and append one attempt (terminal or notebook); returns the rows and a summary.

    The summary gives the automatic score and how many answers wait for the trainer, never
    which answers were right.
    """
    if not trainee.strip():
        raise DomainError("trainee", "a trainee name is required")
    rows = record_attempt(book, exam, trainee, responses, tz, actor=actor)
    auto = sum(r.auto_score or 0 for r in rows if not r.pending)
    waiting = sum(r.pending for r in rows)
    return rows, (f"{trainee}: attempt {rows[0].attempt}, automatic score {auto:.2f} of "
                  f"{len(rows) - waiting}; {waiting} short answer(s) wait for the trainer")
