"""Taking an exam in a notebook (ipywidgets): one input widget per item, a Submit button.

The form is built from a `PublicExam` only, and option values are the letters A, B, C… of
the printed paper, so no widget state (what a notebook saves and a browser receives)
carries a key, a case id or even an option code. On Submit, each answer is turned into the
text a trainee would type at the terminal and parsed by `taker.parse_answer`; the attempt
is then recorded by `taker.record_responses`, the terminal's own path, with the exam (and
its key) fetched from the gradebook at that moment. Feedback is the score, never the key.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape
from typing import Any

import ipywidgets as w

from core.kit import DomainError
from training.exams import Exam, PublicExam
from training.gradebook import Gradebook, Submission
from training.grading import Response
from training.items import PublicItem
from training.render import INSTRUCTIONS, letters
from training.taker import parse_answer, record_responses

NONE_OF_THESE = "以上都没有 none of these"
UNSET = "—"
WIDE = w.Layout(width="95%")


@dataclass
class ExamForm:
    """The notebook form: `box` to display, `inputs` per item id, `submit` to press."""

    exam: PublicExam
    box: w.VBox
    inputs: dict[str, w.Widget]
    submit: w.Button
    status: w.HTML
    errors: dict[str, w.HTML]
    rows: list[Submission] = field(default_factory=list)


def _choices(item: PublicItem) -> list[tuple[str, str]]:
    texts = {o.code: o.text for o in item.options}
    return [(f"{letter}. {texts[code]}", letter) for letter, code in letters(item).items()]


def _input(item: PublicItem) -> w.Widget:
    """One widget per answer form; values are letters or typed text, never option codes."""
    if item.form == "choice":
        return w.RadioButtons(options=_choices(item), value=None, layout=WIDE)
    if item.form == "multi":
        picks = w.SelectMultiple(options=_choices(item), value=(), rows=len(item.options),
                                 layout=WIDE)
        return w.VBox([picks, w.Checkbox(value=False, description=NONE_OF_THESE,
                                         indent=False)])
    if item.form == "order":
        positions = [(UNSET, ""), *_choices(item)]
        return w.VBox([w.Dropdown(options=positions, value="", description=f"第{n}步 step {n}",
                                  layout=WIDE) for n in range(1, len(item.options) + 1)])
    if item.form == "datetime":
        return w.Text(value="", placeholder="YYYY-MM-DD HH:MM",
                      description="时间 time", layout=w.Layout(width="24em"))
    return w.Textarea(value="", placeholder="简答 short answer", rows=3, layout=WIDE)


def typed_text(item: PublicItem, widget: w.Widget) -> str:
    """What the widget holds, written as the terminal taker's input line."""
    if item.form == "multi":
        picks, none = widget.children
        if none.value and picks.value:
            raise DomainError("response", "picks and 'none of these' together")
        return "-" if none.value else "".join(picks.value)
    if item.form == "order":
        chosen = [d.value for d in widget.children]
        if not any(chosen):
            return ""
        if not all(chosen):
            raise DomainError("response", f"put all {len(chosen)} steps in order")
        return "".join(chosen)
    if item.form == "choice":
        return widget.value or ""
    return str(widget.value)


def exam_form(exam: PublicExam, book: Gradebook, trainee: str, tz: Any) -> ExamForm:
    """Build the form for one trainee; Submit records one attempt in `book` (once)."""
    if isinstance(exam, Exam):
        raise DomainError("exam", "pass exam.public(): the form must not hold the key")
    if not trainee.strip():
        raise DomainError("trainee", "a trainee name is required")
    inputs: dict[str, w.Widget] = {}
    errors: dict[str, w.HTML] = {}
    parts: list[w.Widget] = [w.HTML(f"<h3>{escape(exam.title)}（{escape(exam.id)}）</h3>"
                                    f"<p>学员 trainee：{escape(trainee)} · 共 {len(exam.items)}"
                                    " 题 items</p>")]
    total = len(exam.items)
    for n, item in enumerate(exam.items, 1):
        inputs[item.id] = _input(item)
        errors[item.id] = w.HTML("")
        parts.append(w.VBox([
            w.HTML(f"<b>第 {n}/{total} 题</b><p>{escape(item.context)}</p>"
                   f"<p>问：{escape(item.stem)}</p><i>{escape(INSTRUCTIONS[item.form])}</i>"),
            inputs[item.id], errors[item.id]]))
    submit = w.Button(description="交卷 Submit", button_style="primary")
    status = w.HTML("")
    form = ExamForm(exam=exam, box=w.VBox([*parts, submit, status]), inputs=inputs,
                    submit=submit, status=status, errors=errors)

    def on_submit(_: w.Button) -> None:
        if submit.disabled:  # one attempt per form; a retake is a new form
            return
        responses = collect(form)
        if responses is None:
            status.value = "有无效作答，请修改后再交卷 invalid answers: see the items marked"
            return
        try:
            full = book.get_exam(exam.id)
            if full.public() != exam:
                raise DomainError("exam", "this form differs from the exam in the gradebook")
            form.rows, summary = record_responses(book, full, trainee, responses, tz)
        except DomainError as exc:
            status.value = f"未能交卷 not submitted: {escape(exc.message)}"
            return
        submit.disabled = True
        for widget in _walk(form.box):
            if hasattr(widget, "disabled") and widget is not submit:
                widget.disabled = True
        status.value = f"已交卷 submitted. {escape(summary)}"

    submit.on_click(on_submit)
    return form


def collect(form: ExamForm) -> dict[str, Response] | None:
    """Every item's response, or None (with messages under the items) if one is invalid."""
    responses: dict[str, Response] = {}
    bad = False
    for item in form.exam.items:
        try:
            responses[item.id] = parse_answer(item, typed_text(item, form.inputs[item.id]))
            form.errors[item.id].value = ""
        except DomainError as exc:
            form.errors[item.id].value = f"<span style='color:#b00'>无效作答 invalid: " \
                                         f"{escape(exc.message)}</span>"
            bad = True
    return None if bad else responses


def _walk(widget: w.Widget) -> Iterator[w.Widget]:
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def widget_strings(widget: w.Widget) -> list[str]:
    """Every string in the synced state of a widget tree: what a notebook or browser sees."""
    out: list[str] = []

    def strings(value: object) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, list | tuple):
            for v in value:
                strings(v)
        elif isinstance(value, dict):
            for v in value.values():
                strings(v)

    for node in _walk(widget):
        strings(node.get_state())
        strings(getattr(node, "options", ()))
    return out
