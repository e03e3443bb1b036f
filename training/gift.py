"""Moodle GIFT export of items, so a site can run the same questions in Moodle.

Mapping: single choice → multiple choice; violations → multiple answers with weights (each
right answer 100/|key| %, each wrong one −100/|distractors| %); procedure order →
matching (step → position); deadline → short answer accepting the usual spellings;
rubric short answer → essay.

What Moodle's GIFT import would get wrong is refused, item by item, with the reason, so the
rest of the file imports (one bad question stops Moodle's whole import):
- the special characters ~ = # { } : and the backslash are escaped with a backslash and a
  newline written \n, as Moodle's `escapedchar_pre` reads them; `->` has no escape and
  Moodle cuts a matching pair at the first one, so an order item with `->` in a step is
  refused;
- a weight must be one Moodle accepts (`question_bank::fraction_options_full`: ±100, 90,
  83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, 14.28571,
  12.5, 11.11111, 10, 5, 0 %); equal shares exist for 1–10 or 20 options, so a violations
  item with, e.g., 11 right options (9.09091 % each) is refused rather than weighted
  unequally, which would score it differently from `grading.grade_multi`;
- a violations item with nothing to find (Moodle needs a right answer).
"""

from __future__ import annotations

from training.items import Item

_SPECIAL = "~=#{}:\\"

#: the answer weights (percent) Moodle accepts, and their negatives
MOODLE_WEIGHTS = ("100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40",
                  "33.33333", "30", "25", "20", "16.66667", "14.28571", "12.5", "11.11111",
                  "10", "5")


class Refused(Exception):
    """An item GIFT cannot carry to Moodle faithfully; the message says why."""


def escape(text: str) -> str:
    out = "".join("\\" + ch if ch in _SPECIAL else ch for ch in text)
    return out.replace("\r", "").replace("\n", "\\n")


def moodle_weight(value: float) -> str | None:
    """The GIFT spelling of a weight Moodle accepts (its import matches within 0.001 %),
    or None."""
    for accepted in MOODLE_WEIGHTS:
        if abs(abs(value) - float(accepted)) < 1e-3:
            return ("-" if value < 0 else "") + accepted
    return None


def _shares(count: int, sign: int, what: str) -> str:
    weight = moodle_weight(sign * 100 / count)
    if weight is None:
        raise Refused(f"{count} {what} options would need {sign * 100 / count:.5f} % each, a "
                      "weight Moodle does not accept (equal shares exist for 1–10 or 20 "
                      "options)")
    return weight


def _question(item: Item) -> str:
    title = f"::{item.id}::"
    text = f"{escape(item.context)}\\n\\n{escape(item.stem)}"
    key = item.key
    if item.kind in ("classification", "followup"):
        answers = [("=" if o.code == key.choice else "~") + escape(o.text) for o in item.options]
    elif item.kind == "violations":
        right = set(key.choices or [])
        wrong = [o for o in item.options if o.code not in right]
        if not right:
            raise Refused("nothing to find: Moodle needs at least one right answer")
        plus = _shares(len(right), 1, "right")
        minus = _shares(len(wrong), -1, "wrong") if wrong else "0"
        answers = [f"~%{plus if o.code in right else minus}%{escape(o.text)}"
                   for o in item.options]
    elif item.kind == "order":
        text_of = {o.code: o.text for o in item.options}
        cut = next((t for t in text_of.values() if "->" in t), None)
        if cut is not None:
            raise Refused(f"step {cut!r} contains '->', where Moodle cuts a matching pair "
                          "(GIFT has no escape for it)")
        answers = [f"={escape(text_of[c])} -> 第{n}步" for n, c in enumerate(key.order or [], 1)]
    elif item.kind == "deadline":
        assert key.due_at is not None
        due = key.due_at
        spellings = dict.fromkeys([f"{due:%Y-%m-%d %H:%M}", f"{due:%Y-%m-%dT%H:%M}",
                                   due.isoformat(timespec="minutes")])
        answers = ["=" + escape(s) for s in spellings]
    elif item.kind == "short_answer":
        return f"{title}{text}{{}}"
    else:  # pragma: no cover - every kind is mapped above
        raise Refused(f"no GIFT form for {item.kind}")
    body = "\n".join(f"\t{a}" for a in answers)
    return f"// {item.kind} from case {item.case_id}\n{title}{text}{{\n{body}\n}}"


def export_gift(items: list[Item]) -> tuple[str, dict[str, str]]:
    """The GIFT text and, for each item left out, why (see the module docstring)."""
    blocks, refused = [], {}
    for item in items:
        try:
            blocks.append(_question(item))
        except Refused as why:
            refused[item.id] = f"{item.kind}: {why}"
    return "\n\n".join(blocks) + "\n", refused


def to_gift(items: list[Item]) -> tuple[str, list[str]]:
    """The GIFT text and the ids of items left out (`export_gift` says why)."""
    text, refused = export_gift(items)
    return text, list(refused)
