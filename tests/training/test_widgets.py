"""The notebook taker (ipywidgets), driven headless: same responses as the terminal, no key."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest

from core.config import Config
from core.desk import Desk
from core.errors import DomainError
from tests.training.test_exams import _keys_of
from training.exams import Blueprint, Exam, Section, assemble
from training.gradebook import Gradebook, MemoryGradebook
from training.items import Item
from training.render import letters
from training.store import SqlGradebook
from training.taker import take_exam
from training.widgets import NONE_OF_THESE, ExamForm, exam_form, widget_strings

ALL_KINDS = Blueprint(sections=[Section(count=1, kinds=[k]) for k in (
    "classification", "deadline", "followup", "order", "violations", "short_answer")])


@pytest.fixture()
def exam(pool: list[Item]) -> Exam:
    return assemble(pool, ALL_KINDS, 11, "2026-11")


def _letter(item: Item, code: str) -> str:
    return next(letter for letter, c in letters(item).items() if c == code)


def _answer_right(form: ExamForm, exam: Exam) -> str:
    """Fill every widget with the key's answer; returns the same answers as terminal input."""
    lines = []
    for item in exam.items:
        widget: Any = form.inputs[item.id]
        if item.form == "choice":
            widget.value = _letter(item, item.key.choice or "")
            lines.append(widget.value)
        elif item.form == "multi":
            picks = tuple(sorted(_letter(item, c) for c in item.key.choices or []))
            widget.children[0].value = picks
            widget.children[1].value = not picks
            lines.append("".join(picks) or "-")
        elif item.form == "order":
            order = [_letter(item, c) for c in item.key.order or []]
            for dropdown, letter in zip(widget.children, order, strict=True):
                dropdown.value = letter
            lines.append("".join(order))
        elif item.form == "datetime":
            assert item.key.due_at is not None
            widget.value = f"{item.key.due_at:%Y-%m-%d %H:%M}"
            lines.append(widget.value)
        else:
            widget.value = "您好，非常理解您的心情，我们马上安排。"
            lines.append(widget.value)
    return "\n".join(lines) + "\n"


def _submit(book: Gradebook, exam: Exam, config: Config) -> None:
    form = exam_form(exam.public(), book, "王芳", config.tz)
    script = _answer_right(form, exam)
    form.submit.click()
    assert form.submit.disabled and "已交卷 submitted" in form.status.value
    terminal = take_exam(exam.public(), StringIO(script), StringIO())
    rows = book.submissions(exam.id, "王芳")
    assert {r.item_id: r.response for r in rows} == terminal  # the terminal's responses
    for row in rows:
        kind = exam.item(row.item_id).kind
        assert (row.pending, row.auto_score) == ((True, None) if kind == "short_answer"
                                                 else (False, 1.0)), kind
    assert "automatic score 5.00 of 5; 1 short answer(s)" in form.status.value


def test_right_answers_are_recorded_like_the_terminal(exam: Exam, config: Config) -> None:
    book = MemoryGradebook()
    book.add_exam(exam)
    _submit(book, exam, config)


def test_recorded_in_the_database_gradebook(desk: Desk, exam: Exam, config: Config) -> None:
    book = SqlGradebook(desk)
    book.add_exam(exam)
    _submit(book, exam, config)
    assert len(book.submissions(exam.id)) == len(exam.items)


def _assert_no_key(form: ExamForm, exam: Exam) -> None:
    strings = widget_strings(form.box)
    text = "\n".join(strings)
    assert exam.items[0].stem in text  # the walk does see the questions
    for secret in _keys_of(exam):
        assert secret not in text, secret
    codes = {o.code for i in exam.items for o in i.options}
    for item in exam.items:
        codes |= {item.key.choice or "", *(item.key.choices or []), *(item.key.order or []),
                  item.key.rubric or ""}
    assert not (codes - {""}) & set(strings)  # not even an option code


def test_key_is_not_in_any_widget(exam: Exam, config: Config) -> None:
    book = MemoryGradebook()
    book.add_exam(exam)
    form = exam_form(exam.public(), book, "王芳", config.tz)
    _assert_no_key(form, exam)
    form.submit.click()  # all unanswered: the feedback must not tell the answers either
    assert "已交卷" in form.status.value and len(form.rows) == len(exam.items)
    _assert_no_key(form, exam)
    _answer_right(form, exam)
    form.submit.click()  # one attempt per form: a second click records nothing
    assert len(book.submissions()) == len(exam.items)


def test_invalid_answers_are_shown_and_nothing_is_recorded(exam: Exam, config: Config) -> None:
    book = MemoryGradebook()
    book.add_exam(exam)
    form = exam_form(exam.public(), book, "李娜", config.tz)
    by_form = {i.form: i for i in exam.items}
    deadline = form.inputs[by_form["datetime"].id]
    order: Any = form.inputs[by_form["order"].id]
    multi: Any = form.inputs[by_form["multi"].id]
    deadline.value = "tomorrow"  # type: ignore[attr-defined]
    order.children[0].value = "A"
    multi.children[0].value = ("A",)
    multi.children[1].value = True
    form.submit.click()
    assert book.submissions() == [] and not form.submit.disabled
    assert "无效作答" in form.status.value
    assert "YYYY-MM-DD HH:MM" in form.errors[by_form["datetime"].id].value
    assert "put all" in form.errors[by_form["order"].id].value
    assert "together" in form.errors[by_form["multi"].id].value
    for dropdown in order.children:  # the same letter twice is refused too
        dropdown.value = "A"
    form.submit.click()
    assert "twice" in form.errors[by_form["order"].id].value
    deadline.value = "2026/10/10 18:00"  # type: ignore[attr-defined]
    for dropdown in order.children:
        dropdown.value = ""  # left unanswered
    multi.children[0].value = ()  # "none of these" alone: an answer, []
    form.submit.click()
    assert form.submit.disabled and form.errors[by_form["order"].id].value == ""
    got = {r.item_id: r.response for r in book.submissions()}
    assert got[by_form["order"].id] is None and got[by_form["multi"].id] == []
    assert got[by_form["datetime"].id] == "2026/10/10 18:00"
    assert got[by_form["choice"].id] is None
    assert all(getattr(w, "disabled", True) for w in (deadline, *order.children))


def test_the_form_refuses_the_key_and_a_mismatched_exam(exam: Exam, pool: list[Item],
                                                        config: Config) -> None:
    book = MemoryGradebook()
    with pytest.raises(DomainError, match="public"):
        exam_form(exam, book, "王芳", config.tz)  # type: ignore[arg-type]
    with pytest.raises(DomainError, match="trainee"):
        exam_form(exam.public(), book, " ", config.tz)
    form = exam_form(exam.public(), book, "王芳", config.tz)
    form.submit.click()  # the exam was never given to the gradebook
    assert "未能交卷" in form.status.value and book.submissions() == []
    book.add_exam(assemble(pool, ALL_KINDS, 12, "2026-11"))  # another form, same id
    form.submit.click()
    assert "differs" in form.status.value and book.submissions() == []


def test_none_of_these_is_labelled(exam: Exam, config: Config) -> None:
    form = exam_form(exam.public(), MemoryGradebook(), "王芳", config.tz)
    multi = next(i for i in exam.items if i.form == "multi")
    assert form.inputs[multi.id].children[1].description == NONE_OF_THESE  # type: ignore[attr-defined]
