"""The GIFT export parses back (with a small GIFT parser written here) to the same items."""

from __future__ import annotations

import re

import pytest

from training.gift import to_gift
from training.items import Item


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def _split_unescaped(text: str, char: str) -> int:
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == char:
            return i
        i += 1
    return -1


def parse_gift(text: str) -> list[dict]:
    """Questions as dicts: title, text, type, answers [(mark, weight, text, match)]."""
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("//")]
    out = []
    for block in "\n".join(lines).split("\n\n"):
        block = block.strip()
        if not block:
            continue
        title_match = re.match(r"::(.*?)::", block)
        assert title_match, block[:40]
        body = block[title_match.end():]
        open_at = _split_unescaped(body, "{")
        assert open_at >= 0 and body.rstrip().endswith("}")
        stem, inner = body[:open_at], body[open_at + 1:body.rstrip().rfind("}")]
        answers = []
        for raw in re.split(r"(?<!\\)(?=[=~])", inner.strip()):
            raw = raw.strip()
            if not raw:
                continue
            mark, rest = raw[0], raw[1:]
            weight = None
            m = re.match(r"%(-?[\d.]+)%", rest)
            if m:
                weight, rest = float(m.group(1)), rest[m.end():]
            match = None
            if " -> " in rest:
                rest, match = rest.split(" -> ", 1)
            answers.append((mark, weight, _unescape(rest.strip()), match))
        if not answers:
            kind = "essay"
        elif any(a[3] for a in answers):
            kind = "matching"
        elif any(a[1] is not None for a in answers):
            kind = "multi"
        elif all(a[0] == "=" for a in answers):
            kind = "short"
        else:
            kind = "mc"
        out.append({"title": title_match.group(1), "text": _unescape(stem), "type": kind,
                    "answers": answers})
    return out


EXPECTED_TYPE = {"classification": "mc", "followup": "mc", "violations": "multi",
                 "order": "matching", "deadline": "short", "short_answer": "essay"}


@pytest.fixture(scope="module")
def parsed(pool: list[Item]) -> tuple[list[dict], list[str]]:
    text, skipped = to_gift(pool)
    return parse_gift(text), skipped


def test_every_item_with_a_gift_form_parses_back(pool: list[Item], parsed) -> None:
    questions, skipped = parsed
    by_id = {q["title"]: q for q in questions}
    assert len(questions) + len(skipped) == len(pool)
    assert all(i.kind == "violations" and not i.key.choices
               for i in pool if i.id in skipped)
    for item in pool:
        if item.id in skipped:
            continue
        q = by_id[item.id]
        assert q["type"] == EXPECTED_TYPE[item.kind], item.id
        assert item.stem in q["text"] and item.context in q["text"]
        text_of = {o.code: o.text for o in item.options}
        if item.kind in ("classification", "followup"):
            right = [a[2] for a in q["answers"] if a[0] == "="]
            assert right == [text_of[item.key.choice]]
            assert sorted(a[2] for a in q["answers"]) == sorted(text_of.values())
        elif item.kind == "violations":
            weights = {a[2]: a[1] for a in q["answers"]}
            key = set(item.key.choices)
            assert sum(w for t, w in weights.items() if w > 0) == pytest.approx(100, abs=1e-3)
            assert {c for c in text_of if weights[text_of[c]] > 0} == key
            assert sum(w for w in weights.values() if w < 0) == pytest.approx(-100, abs=1e-3)
        elif item.kind == "order":
            pairs = [(a[2], a[3]) for a in q["answers"]]
            assert pairs == [(text_of[c], f"第{n}步") for n, c in enumerate(item.key.order, 1)]
        elif item.kind == "deadline":
            accepted = {a[2] for a in q["answers"]}
            assert f"{item.key.due_at:%Y-%m-%d %H:%M}" in accepted
            assert item.key.due_at.isoformat(timespec="minutes") in accepted


def test_special_characters_are_escaped(pool: list[Item]) -> None:
    item = next(i for i in pool if i.kind == "classification")
    tricky = item.model_copy(update={"context": "A {b} = c ~ d # e : f \\ g\n第二行"})
    (q,) = parse_gift(to_gift([tricky])[0])
    assert tricky.context in q["text"]
