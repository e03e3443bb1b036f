"""Shared fixtures: the default site configuration, the case library and its items."""

from __future__ import annotations

import pytest

from core.config import Config, parse_config
from training.exams import Exam
from training.items import Item, items_for_library
from training.schema import Case, load_library


@pytest.fixture(scope="session")
def config() -> Config:
    return parse_config({})


@pytest.fixture(scope="session")
def library() -> list[Case]:
    return load_library()


@pytest.fixture(scope="session")
def pool(library: list[Case], config: Config) -> list[Item]:
    return items_for_library(library, config)


def first_right(exam: Exam, right: int) -> dict:
    """Answers to a choice exam: the first `right` items correct, the rest wrong."""
    out = {}
    for n, item in enumerate(exam.items):
        wrong = next(o.code for o in item.options if o.code != item.key.choice)
        out[item.id] = item.key.choice if n < right else wrong
    return out
