"""Time distributions a scenario names (in minutes), drawn as whole numpy arrays.

Drawing every value up front, in arrival order, is what gives common random numbers:
a caller's handling time does not depend on how many agents a candidate roster has.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator


class Dist(BaseModel):
    """`exponential` (mean), `lognormal` (mean, sd), `fixed` (mean) or `empirical` (values)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dist: Literal["exponential", "lognormal", "fixed", "empirical"] = "exponential"
    mean: float | None = Field(None, gt=0)
    sd: float | None = Field(None, gt=0)
    values: list[float] | None = None

    @model_validator(mode="after")
    def _complete(self) -> Dist:
        if self.dist == "empirical":
            if not self.values:
                raise ValueError("empirical needs a non-empty list `values`")
            if min(self.values) < 0:
                raise ValueError("empirical values must not be negative")
        elif self.mean is None:
            raise ValueError(f"{self.dist} needs `mean` (minutes)")
        if self.dist == "lognormal" and self.sd is None:
            raise ValueError("lognormal needs `sd` (minutes)")
        return self

    @property
    def expected(self) -> float:
        """Mean in minutes; the Erlang C starting point of the optimizer needs it."""
        if self.dist == "empirical":
            assert self.values is not None
            return float(np.mean(self.values))
        assert self.mean is not None
        return self.mean

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """`n` values in minutes."""
        if self.dist == "exponential":
            return rng.exponential(self.mean, n)
        if self.dist == "fixed":
            return np.full(n, float(self.mean))  # type: ignore[arg-type]
        if self.dist == "lognormal":
            assert self.mean is not None and self.sd is not None
            sigma2 = math.log1p((self.sd / self.mean) ** 2)
            mu = math.log(self.mean) - sigma2 / 2
            return rng.lognormal(mu, math.sqrt(sigma2), n)
        assert self.values is not None
        return rng.choice(np.asarray(self.values, dtype=float), n)


def exponential(mean: float) -> Dist:
    return Dist(dist="exponential", mean=mean)
