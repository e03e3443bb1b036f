"""Moodle GIFT export of items, so a site can run the same questions in Moodle.

Mapping: single choice → multiple choice; violations → multiple answers with weights (each
right answer 100/|key| %, each wrong one −100/|distractors| %); procedure order →
matching (step → position); deadline → short answer accepting the usual spellings;
rubric short answer → essay. A violations item with nothing to find has no GIFT form
(Moodle needs a right answer) and is skipped.
"""

from __future__ import annotations

from training.items import Item

_SPECIAL = "~=#{}:\\"


def escape(text: str) -> str:
    out = "".join("\\" + ch if ch in _SPECIAL else ch for ch in text)
    return out.replace("\r", "").replace("\n", "\\n")


def _weight(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


def _question(item: Item) -> str | None:
    title = f"::{item.id}::"
    text = f"{escape(item.context)}\\n\\n{escape(item.stem)}"
    key = item.key
    if item.kind in ("classification", "followup"):
        answers = [("=" if o.code == key.choice else "~") + escape(o.text) for o in item.options]
    elif item.kind == "violations":
        right = set(key.choices or [])
        wrong = [o for o in item.options if o.code not in right]
        if not right:
            return None
        answers = [f"~%{_weight(100 / len(right))}%{escape(o.text)}" if o.code in right
                   else f"~%-{_weight(100 / len(wrong))}%{escape(o.text)}" for o in item.options]
    elif item.kind == "order":
        text_of = {o.code: o.text for o in item.options}
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
        return None
    body = "\n".join(f"\t{a}" for a in answers)
    return f"// {item.kind} from case {item.case_id}\n{title}{text}{{\n{body}\n}}"


def to_gift(items: list[Item]) -> tuple[str, list[str]]:
    """The GIFT text and the ids of items that have no GIFT form."""
    blocks, skipped = [], []
    for item in items:
        block = _question(item)
        if block is None:
            skipped.append(item.id)
        else:
            blocks.append(block)
    return "\n\n".join(blocks) + "\n", skipped
