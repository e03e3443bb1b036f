"""Field types for request bodies and paths that say, in the OpenAPI document, what the
services accept: a valid value per the schema is accepted, an invalid one refused (422).

Text is non-blank and free of control characters (tab and newlines allowed); dates and
times have their ISO 8601 shape and JSON Schema format; ids fit the database's integers;
a bilingual vocabulary (`vocabulary("category")`) lists every spelling the service takes
(the English code and the Chinese and English labels), filled in from the site's own
vocabularies when the document is generated (`core.api.contract`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Path
from pydantic import AfterValidator, Field

from core.labels import Vocabulary

#: refused in a body's text (`core.textcheck`: tab and newlines allowed), and on one line
CONTROLS = "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f"
LINE_CONTROLS = "\\x00-\\x1f\\x7f-\\x9f"
#: some character other than a space; no control character anywhere
FILLED = f"^[^{CONTROLS}]*[^\\s{CONTROLS}][^{CONTROLS}]*$"
CLEAN = f"^[^{CONTROLS}]*$"
DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
MONTH = r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"
TIME = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?)?"
        r"(Z|[+-][0-9]{2}:[0-9]{2})?$")
AMOUNT = r"^[0-9]{1,7}(\.[0-9]{1,2})?$"
MAX_ID = 2**31 - 1


def text(max_length: int, default: Any = ..., **extra: Any) -> Any:
    """A required (or defaulted) non-blank text of at most `max_length` characters."""
    return Field(default, min_length=1, max_length=max_length, pattern=FILLED, **extra)


def optional(max_length: int, default: Any = None, **extra: Any) -> Any:
    """An optional text: may be absent or null; when given, non-blank."""
    return Field(default, min_length=1, max_length=max_length, pattern=FILLED, **extra)


def when(default: Any = None, description: str = "ISO 8601; naive means site time") -> Any:
    """A time (`at`): ISO 8601; a time that has not come yet or is before the record's
    last event is refused with 409 (it depends on the clock, not on the request)."""
    return Field(default, max_length=40, pattern=TIME, description=description,
                 json_schema_extra={"format": "date-time"})


def day(default: Any = ..., **extra: Any) -> Any:
    """A calendar date, YYYY-MM-DD."""
    return Field(default, max_length=10, pattern=DAY, json_schema_extra={"format": "date"},
                 **extra)


def real_day(value: str | None) -> str | None:
    """A date that exists (2026-02-30 does not), whoever reads it later."""
    if value is not None:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"not a date: {value!r} (YYYY-MM-DD)") from None
    return value


RealDay = Annotated[str, AfterValidator(real_day)]


def amount(default: Any = ..., pattern: str = AMOUNT, **extra: Any) -> Any:
    """Yuan, up to two decimals, as text (e.g. "80" or "12.50")."""
    return Field(default, max_length=10, pattern=pattern, **extra)


def spellings(vocab: Vocabulary) -> list[str]:
    """Every spelling `vocab.parse` takes: code, Chinese and English labels, aliases."""
    seen: dict[str, None] = {}
    for term in vocab:
        for word in (term.code, term.zh, term.en, *term.aliases):
            seen.setdefault(word, None)
    return list(seen)


def listed(vocab: Vocabulary | str, *, nullable: bool = False) -> Any:
    """`json_schema_extra` listing a vocabulary's spellings (for a `Query` or `Path` too).

    A site vocabulary that plugins extend (`"category"`) is named, and listed when the
    document is generated (`core.api.contract`); a fixed one is listed here."""
    def extra(schema: dict[str, Any]) -> None:
        if isinstance(vocab, str):
            schema["x-vocabulary"] = vocab
        else:
            schema["enum"] = spellings(vocab) + ([None] if nullable else [])

    return extra


def vocabulary(vocab: Vocabulary | str, default: Any = ..., **extra: Any) -> Any:
    """A term of a vocabulary: the code or either label (投诉 as well as complaint)."""
    return Field(default, max_length=64,
                 json_schema_extra=listed(vocab, nullable=default is None), **extra)


Id = Annotated[int, Path(ge=1, le=MAX_ID, description="a record's number")]
Month = Annotated[str, Path(pattern=MONTH, examples=["2026-11"])]
Day = Annotated[str, Path(pattern=DAY, examples=["2026-11-20"],
                          json_schema_extra={"format": "date"})]
#: a path or query word: something printable, no control character at all
WORD = f"^[^{LINE_CONTROLS}]*[^\\s{LINE_CONTROLS}][^{LINE_CONTROLS}]*$"
Code = Annotated[str, Path(max_length=64, pattern=WORD)]
