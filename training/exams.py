"""Exam assembly from a blueprint and a seed: the same seed gives the same form.

A blueprint is a list of sections (topics, kinds, difficulties, count). Different seeds
draw different items for each section, so forms are parallel: same sections, same
counts, same filters, different questions and option orders.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.kit import DomainError
from training.items import KINDS, Item, PublicItem
from training.vocab import TOPICS


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    count: int = Field(ge=1)
    topics: list[str] = Field(default_factory=list)  # any of these; empty means all
    kinds: list[str] = Field(default_factory=list)
    difficulty: list[int] = Field(default_factory=list)

    @field_validator("topics")
    @classmethod
    def _topics(cls, value: list[str]) -> list[str]:
        try:
            return [TOPICS.parse(t) for t in value]
        except DomainError as exc:
            raise ValueError(exc.message) from None

    @field_validator("kinds")
    @classmethod
    def _kinds(cls, value: list[str]) -> list[str]:
        for kind in value:
            if kind not in KINDS:
                raise ValueError(f"unknown kind {kind!r}; one of: {', '.join(KINDS)}")
        return value

    @field_validator("difficulty")
    @classmethod
    def _difficulty(cls, value: list[int]) -> list[int]:
        for level in value:
            if level not in (1, 2, 3):
                raise ValueError(f"difficulty must be 1, 2 or 3, got {level}")
        return value

    def matches(self, item: Item) -> bool:
        return ((not self.topics or bool(set(self.topics) & set(item.topics)))
                and (not self.kinds or item.kind in self.kinds)
                and (not self.difficulty or item.difficulty in self.difficulty))


class Blueprint(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str = "月度考试"
    sections: list[Section] = Field(min_length=1)
    per_case: int = Field(1, ge=1)  # items drawn from one case; 1 keeps items independent


class PublicExam(BaseModel):
    """What a trainee may receive: no keys, no case ids."""

    model_config = ConfigDict(frozen=True)
    id: str
    title: str
    items: list[PublicItem]


class Exam(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    title: str
    seed: int
    blueprint: Blueprint
    items: list[Item]

    def public(self) -> PublicExam:
        return PublicExam(id=self.id, title=self.title, items=[i.public() for i in self.items])

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise DomainError("item", f"no item {item_id} in exam {self.id}")


def assemble(pool: list[Item], blueprint: Blueprint, seed: int, exam_id: str | None = None
             ) -> Exam:
    """Draw each section's items at random (seeded) without reusing an item."""
    rng = random.Random(seed)
    used: set[str] = set()
    per_case: Counter[str] = Counter()
    chosen: list[Item] = []
    for number, section in enumerate(blueprint.sections, 1):
        candidates = [i for i in pool if section.matches(i) and i.id not in used
                      and per_case[i.case_id] < blueprint.per_case]
        picked = _draw(candidates, section.count, blueprint.per_case, per_case, rng)
        if len(picked) < section.count:
            raise DomainError("count", f"section {number} asks for {section.count} items but "
                              f"only {len(picked)} match its topics, kinds and difficulty")
        used.update(i.id for i in picked)
        chosen.extend(_shuffle_options(i, rng) for i in picked)
    return Exam(id=exam_id or f"exam-{seed}", title=blueprint.title, seed=seed,
                blueprint=blueprint, items=chosen)


def _draw(candidates: list[Item], count: int, limit: int, per_case: Counter[str],
          rng: random.Random) -> list[Item]:
    order = sorted(candidates, key=lambda i: i.id)
    rng.shuffle(order)
    picked = []
    for item in order:
        if len(picked) == count:
            break
        if per_case[item.case_id] < limit:
            per_case[item.case_id] += 1
            picked.append(item)
    return picked


def _shuffle_options(item: Item, rng: random.Random) -> Item:
    if not item.options:
        return item
    options = list(item.options)
    rng.shuffle(options)
    if item.kind == "order":
        while [o.code for o in options] == item.key.order:
            rng.shuffle(options)
    return item.model_copy(update={"options": options})


def load_blueprint(path: Path) -> Blueprint:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Blueprint.model_validate(raw)
    except OSError as exc:
        raise DomainError("blueprint", f"{path}: {exc.strerror}") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise DomainError(loc or "blueprint", err["msg"].removeprefix("Value error, ")
                          + f" (in {path.name})") from None


def save_exam(exam: Exam, path: Path) -> None:
    path.write_text(exam.model_dump_json(indent=1), encoding="utf-8")


def load_exam(path: Path) -> Exam:
    try:
        return Exam.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise DomainError("exam", f"{path}: {exc.strerror}") from None
    except (ValueError, ValidationError):
        raise DomainError("exam", f"{path} is not an exam file written by "
                          "`train exam assemble`") from None
