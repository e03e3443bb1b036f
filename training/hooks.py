"""The training package as a built-in plugin: its tables and its Alembic branch.

Importing the models here (not from `core.models`) keeps the core free of training while
the shared metadata, and so the migrations check, always sees the training tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import hookimpl
from training.models import MODELS

VERSIONS = Path(__file__).parent / "migrations" / "versions"


@hookimpl
def register_models(register: Any) -> None:
    for model in MODELS:
        register(model)


@hookimpl
def register_migrations(register: Any) -> None:
    register(VERSIONS)
