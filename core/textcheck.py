"""Control characters are refused where text comes in, naming the field.

NUL is stored by SQLite and refused by PostgreSQL (with an error naming no field), and
other control characters (ESC, backspace, ...) rewrite a terminal or a printed page. So
every text input is checked before it reaches a database: tab, newline and carriage
return are allowed in free text (a summary, a note, a reason), nothing else below U+0020,
DEL or the C1 range anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from core.errors import DomainError

#: anything control-like; free text allows \t \n \r
_ANY = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FREE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: fields that hold free text (several lines allowed)
FREE_TEXT = frozenset({"summary", "note", "result", "reason", "answer", "comment",
                       "description", "cause", "actions", "verification", "text",
                       "circumstances", "work_done", "care", "purpose"})


def bad_character(value: str, free: bool = True) -> str | None:
    """The first control character of `value` as U+XXXX, or None."""
    found = (_FREE if free else _ANY).search(value)
    return f"U+{ord(found.group()):04X}" if found else None


def check_text(field: str, value: Any, free: bool | None = None) -> None:
    """Raise `DomainError(field)` when `value` (a string, or strings inside lists and
    mappings) holds a control character; `free` defaults by the field's name."""
    free = field.rsplit(".", 1)[-1] in FREE_TEXT if free is None else free
    if isinstance(value, str):
        char = bad_character(value, free)
        if char:
            raise DomainError(field, f"control character {char} is not allowed"
                              + ("" if free else " (one line of text)"))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            check_text(f"{field}.{key}" if field else str(key), item)
    elif isinstance(value, list | tuple):
        for item in value:
            check_text(field, item, free)


def check_fields(data: Mapping[str, Any]) -> None:
    """`check_text` for each field of a request or an action's data."""
    for key, value in data.items():
        check_text(str(key), value)


def first_bad(value: Any, path: str = "") -> tuple[str, str] | None:
    """(field path, U+XXXX) of the first control character in a decoded JSON body (tab,
    newline and carriage return allowed), or None."""
    if isinstance(value, str):
        char = bad_character(value)
        return (path or "body", char) if char else None
    if isinstance(value, dict):
        for key, item in value.items():
            key_char = bad_character(str(key), free=False)
            if key_char:
                return (path or "body", key_char)
            found = first_bad(item, f"{path}.{key}" if path else str(key))
            if found:
                return found
    if isinstance(value, list):
        for item in value:
            found = first_bad(item, path)
            if found:
                return found
    return None
