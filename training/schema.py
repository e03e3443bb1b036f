"""The case-library schema: one YAML file per case, validated with one-line errors.

A case states what happened (`facts`, `narrative`) and what good handling looks like
(`expected`). Deadlines are never written in a case: items compute them from the
classification, the received time and the site's SLA policy (`core.sla`).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from core.kit import CHANNELS, COMPLAINT_SEVERITIES, NATURES, SEVERITIES, DomainError, Vocabulary
from core.kit import builtin_categories as _categories
from training.rubrics import rubrics
from training.vocab import FOLLOWUP_OWNERS, FOLLOWUP_TIMINGS, TOPICS, UNIT_KINDS, VIOLATIONS

CASES_DIR = Path(__file__).parent / "cases"
CATEGORIES = _categories()


class CaseError(DomainError):
    """A case file that does not validate; `field` is the dotted path inside the case."""


def _code(vocab: Vocabulary) -> AfterValidator:
    def parse(value: str) -> str:
        try:
            return vocab.parse(value)
        except DomainError as exc:
            raise ValueError(exc.message) from None
    return AfterValidator(parse)


Channel = Annotated[str, _code(CHANNELS)]
Category = Annotated[str, _code(CATEGORIES)]
Severity = Annotated[str, _code(SEVERITIES)]
Nature = Annotated[str, _code(NATURES)]
UnitKind = Annotated[str, _code(UNIT_KINDS)]
Topic = Annotated[str, _code(TOPICS)]
Owner = Annotated[str, _code(FOLLOWUP_OWNERS)]
Timing = Annotated[str, _code(FOLLOWUP_TIMINGS)]
Violation = Annotated[str, _code(VIOLATIONS)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Facts(_Strict):
    """What the desk knew at intake; the trainee sees all of it."""

    channel: Channel
    unit_kind: UnitKind
    received_at: datetime  # naive means site time
    #: the ticket's topic as the desk records it (e.g. 漏水); a site's SLA rule may read it
    topic: str | None = Field(None, min_length=1, max_length=40)

    def received(self, tz: ZoneInfo) -> datetime:
        at = self.received_at
        return at.replace(tzinfo=tz) if at.tzinfo is None else at


class Classification(_Strict):
    category: Category
    severity: Severity | None = None
    nature: Nature = "general"

    @model_validator(mode="after")
    def _severity_fits(self) -> Classification:
        if self.category == "complaint" and self.severity not in COMPLAINT_SEVERITIES:
            raise ValueError("a complaint needs severity major, important or minor")
        if self.severity == "urgent" and self.category != "repair":
            raise ValueError("severity urgent belongs to repairs only")
        if self.category not in ("complaint", "repair") and self.severity is not None:
            raise ValueError(f"category {self.category} takes no severity")
        return self

    @property
    def answer(self) -> str:
        """The classification as one code, e.g. `complaint.major` or `inquiry`."""
        return f"{self.category}.{self.severity}" if self.severity else self.category


class Followup(_Strict):
    owner: Owner
    timing: Timing


class Violations(_Strict):
    present: list[Violation] = Field(default_factory=list)
    distractors: list[Violation] = Field(min_length=2)

    @model_validator(mode="after")
    def _disjoint(self) -> Violations:
        both = set(self.present) & set(self.distractors)
        if both:
            raise ValueError(f"{sorted(both)[0]} is listed both as present and as distractor")
        if len(set(self.present)) != len(self.present):
            raise ValueError("a violation is listed twice")
        return self


class ShortAnswer(_Strict):
    prompt: str = Field(min_length=4)
    rubric: str = Field(pattern=r"^[a-z_]+$")
    model_answer: str | None = None


class Expected(_Strict):
    classification: Classification
    followup: Followup
    procedure: list[str] = Field(min_length=3)
    violations: Violations | None = None
    short_answer: ShortAnswer | None = None

    @field_validator("procedure")
    @classmethod
    def _unique_steps(cls, steps: list[str]) -> list[str]:
        if len(set(steps)) != len(steps):
            raise ValueError("procedure steps must be distinct")
        return steps


class Source(_Strict):
    kind: Literal["written", "ticket"]
    author: str = Field(min_length=1)
    ticket: int | str | None = None  # the ticket number, e.g. GD-20261001-0001

    @model_validator(mode="after")
    def _ticket(self) -> Source:
        if (self.kind == "ticket") != (self.ticket is not None):
            raise ValueError("ticket number is required exactly when kind is ticket")
        return self


class Case(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]{2,40}$")
    title: str = Field(min_length=4)
    narrative: str = Field(min_length=20)
    facts: Facts
    topics: list[Topic] = Field(min_length=1)
    difficulty: int = Field(ge=1, le=3)
    source: Source
    expected: Expected
    discussion: list[str] = Field(min_length=1)


def parse_case(raw: Any, source: str = "case") -> Case:
    """Validate one case's data; a bad field raises `CaseError` naming it."""
    if not isinstance(raw, dict):
        raise CaseError("case", f"expected a mapping at the top (in {source})")
    try:
        return Case.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-after"))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        elif err["type"] == "missing":
            msg = "required field missing"
        raise CaseError(loc or "case", f"{msg} (in {source})") from None


def load_case(path: Path) -> Case:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise CaseError("case", f"not valid YAML{where} (in {path.name})") from None
    case = parse_case(raw, path.name)
    short = case.expected.short_answer
    if short is not None and short.rubric not in rubrics():
        raise CaseError("expected.short_answer.rubric",
                        f"unknown rubric {short.rubric!r} (in {path.name})")
    if case.id != path.stem:
        raise CaseError("id", f"{case.id!r} must match the file name {path.stem!r} "
                        f"(in {path.name})")
    return case


def load_library(directory: Path | None = None) -> list[Case]:
    """Every case in the directory, sorted by id; the first bad file raises."""
    folder = directory or CASES_DIR
    if not folder.is_dir():
        raise CaseError("cases", f"{folder}: no such directory")
    cases = [load_case(p) for p in sorted(folder.glob("*.yaml"))]
    if not cases:
        raise CaseError("cases", f"{folder}: no case files (*.yaml)")
    return sorted(cases, key=lambda c: c.id)
