"""The training package as a built-in plugin: its tables, its Alembic branch, `train`.

Importing the models here (not from `core.models`) keeps the core free of training while
the shared metadata, and so the migrations check, always sees the training tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.kit import hookimpl
from core.kit.cli import LazyGroup
from training.models import MODELS

VERSIONS = Path(__file__).parent / "migrations" / "versions"


@hookimpl
def register_models(register: Any) -> None:
    for model in MODELS:
        register(model)


@hookimpl
def register_migrations(register: Any) -> None:
    register(VERSIONS)


@hookimpl
def register_commands(cli: Any) -> None:
    # lazy: the toolkit (pydantic models, yaml, matplotlib) loads only when `train` runs
    cli.add_command(LazyGroup(
        "train", "training.cli:train",
        short_help="Training: case library, exams, grading, item analysis, practice (培训)."))
