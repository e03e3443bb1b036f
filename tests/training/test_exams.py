"""Parallel forms from seeds, and trainee material that provably holds no key."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest

from core.errors import DomainError
from training.exams import Blueprint, Exam, Section, assemble
from training.items import Item, Key
from training.render import render_html, render_text
from training.taker import parse_answer, take_exam

BLUEPRINT = Blueprint(title="十月考试", sections=[
    Section(count=4, kinds=["classification"]),
    Section(count=3, kinds=["deadline"], topics=["holiday"]),
    Section(count=2, kinds=["order", "violations"], difficulty=[1, 2]),
    Section(count=1, kinds=["short_answer"]),
])


def _profile(exam: Exam) -> list[tuple[str, ...]]:
    return [(i.kind, *sorted(i.topics)) for i in exam.items]


def test_same_seed_same_form(pool: list[Item]) -> None:
    assert assemble(pool, BLUEPRINT, 11) == assemble(pool, BLUEPRINT, 11)


def test_different_seeds_are_parallel_forms(pool: list[Item]) -> None:
    forms = [assemble(pool, BLUEPRINT, seed) for seed in (1, 2, 3)]
    ids = [[i.id for i in f.items] for f in forms]
    assert len({tuple(x) for x in ids}) == 3
    for form in forms:
        kinds = Counter(i.kind for i in form.items)
        assert kinds["classification"] == 4 and kinds["deadline"] == 3
        assert kinds["order"] + kinds["violations"] == 2 and kinds["short_answer"] == 1
        for item in form.items[4:7]:
            assert "holiday" in item.topics
        for item in form.items[7:9]:
            assert item.difficulty in (1, 2)
        assert len({i.case_id for i in form.items}) == len(form.items)  # one item per case


def test_option_order_differs_between_forms_but_keys_stay(pool: list[Item]) -> None:
    bp = Blueprint(sections=[Section(count=40, kinds=["classification"])])
    a, b = assemble(pool, bp, 1), assemble(pool, bp, 2)
    common = {i.id for i in a.items} & {i.id for i in b.items}
    assert common
    orders = {i.id: [o.code for o in i.options] for i in a.items}
    assert any(orders[i.id] != [o.code for o in i.options] for i in b.items if i.id in common)
    for item in a.items:
        assert item.key.choice in {o.code for o in item.options}


def test_too_few_items_is_a_domain_error(pool: list[Item]) -> None:
    bp = Blueprint(sections=[Section(count=500, topics=["keys"])])
    with pytest.raises(DomainError, match="count: section 1 asks for 500"):
        assemble(pool, bp, 1)


def test_order_items_are_never_shown_in_key_order(pool: list[Item]) -> None:
    bp = Blueprint(sections=[Section(count=40, kinds=["order"])])
    for seed in range(5):
        for item in assemble(pool, bp, seed).items:
            assert [o.code for o in item.options] != item.key.order


def _keys_of(exam: Exam) -> list[str]:
    """Every string that would give an answer away."""
    out = []
    for item in exam.items:
        out.append(item.case_id)
        if item.key.due_at:
            due = item.key.due_at
            out += [due.isoformat(), f"{due:%Y-%m-%d %H:%M}", f"{due:%m-%d %H:%M}"]
        if item.key.model_answer:
            out.append(item.key.model_answer)
        out += [s for s in item.key.explanation]
    return out


def test_answer_key_is_absent_from_trainee_material(pool: list[Item]) -> None:
    exam = assemble(pool, BLUEPRINT, 5)
    public = exam.public()
    dumped = public.model_dump_json()
    for field in ("key", "case_id", "due_at", "choices", "explanation", "model_answer"):
        assert f'"{field}"' not in dumped
    for text in (render_html(public), render_text(public), dumped):
        for secret in _keys_of(exam):
            assert secret not in text


def _scrambled(exam: Exam) -> Exam:
    """The same form with every key replaced by nonsense."""
    items = [i.model_copy(update={"key": Key(choice="zzz", choices=["zzz"], order=["zzz"],
                                             rubric="zzz", model_answer="zzz")})
             for i in exam.items]
    return exam.model_copy(update={"items": items})


def test_rendering_does_not_depend_on_the_key(pool: list[Item]) -> None:
    exam = assemble(pool, BLUEPRINT, 8)
    other = _scrambled(exam)
    assert render_html(exam.public()) == render_html(other.public())
    assert render_text(exam.public()) == render_text(other.public())
    assert exam.public() == other.public()


def test_terminal_taker_with_scripted_answers(pool: list[Item]) -> None:
    exam = assemble(pool, Blueprint(sections=[
        Section(count=1, kinds=["classification"]), Section(count=1, kinds=["order"]),
        Section(count=1, kinds=["deadline"]), Section(count=1, kinds=["violations"])]), 3)
    public = exam.public()
    order = public.items[1]
    letters = "".join(chr(65 + i) for i in range(len(order.options)))
    script = "\n".join(["Z", "B",            # bad letter, then a valid one
                        "AB", letters,       # incomplete order, then complete
                        "tomorrow", "2026-10-10 18:00",
                        "-"]) + "\n"
    out = StringIO()
    responses = take_exam(public, StringIO(script), out)
    assert responses[public.items[0].id] == public.items[0].options[1].code
    assert responses[order.id] == [o.code for o in order.options]
    assert responses[public.items[2].id] == "2026-10-10 18:00"
    assert responses[public.items[3].id] == []
    text = out.getvalue()
    assert "no option Z" in text and "put all" in text and "YYYY-MM-DD HH:MM" in text
    for secret in _keys_of(exam):
        assert secret not in text


def test_taker_stops_at_end_of_input(pool: list[Item]) -> None:
    exam = assemble(pool, Blueprint(sections=[Section(count=3, kinds=["classification"])]), 1)
    responses = take_exam(exam.public(), StringIO("A\n"), StringIO())
    assert list(responses.values())[1:] == [None, None]


def test_parse_answer_forms(pool: list[Item]) -> None:
    multi = next(i for i in pool if i.kind == "violations").public()
    assert parse_answer(multi, "b a") == sorted([multi.options[0].code, multi.options[1].code])
    assert parse_answer(multi, "") is None
    with pytest.raises(DomainError, match="twice"):
        parse_answer(multi, "AA")
