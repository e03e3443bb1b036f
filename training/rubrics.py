"""Rubrics for trainer-graded short answers: criteria, each with ordered levels."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.kit import DomainError

RUBRICS_FILE = Path(__file__).parent / "rubrics.yaml"


class Level(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    points: int = Field(ge=0)
    descriptor: str


class Criterion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(pattern=r"^[a-z_]+$")
    name: str
    levels: list[Level] = Field(min_length=2)

    @model_validator(mode="after")
    def _ascending(self) -> Criterion:
        points = [lv.points for lv in self.levels]
        if points != sorted(set(points)):
            raise ValueError(f"levels of {self.code} must have strictly rising points")
        return self

    @property
    def max_points(self) -> int:
        return self.levels[-1].points


class Rubric(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    title: str
    criteria: list[Criterion] = Field(min_length=1)

    @property
    def max_points(self) -> int:
        return sum(c.max_points for c in self.criteria)

    def score(self, levels: dict[str, int]) -> float:
        """Score in [0, 1] from the level index chosen for every criterion."""
        total = 0
        for criterion in self.criteria:
            if criterion.code not in levels:
                raise DomainError("levels", f"no level given for criterion {criterion.code}")
            index = levels[criterion.code]
            if not 0 <= index < len(criterion.levels):
                raise DomainError(f"levels.{criterion.code}",
                                  f"level {index} out of range 0–{len(criterion.levels) - 1}")
            total += criterion.levels[index].points
        extra = set(levels) - {c.code for c in self.criteria}
        if extra:
            raise DomainError("levels",
                              f"unknown criterion {sorted(extra)[0]} for rubric {self.id}")
        return total / self.max_points


@cache
def rubrics() -> dict[str, Rubric]:
    raw = yaml.safe_load(RUBRICS_FILE.read_text(encoding="utf-8"))
    try:
        return {key: Rubric(id=key, **value) for key, value in raw.items()}
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise DomainError(loc, f"{err['msg']} (in {RUBRICS_FILE.name})") from None


def rubric(rubric_id: str) -> Rubric:
    found = rubrics().get(rubric_id)
    if found is None:
        raise DomainError("rubric", f"unknown rubric {rubric_id!r}; one of: "
                          + ", ".join(sorted(rubrics())))
    return found
