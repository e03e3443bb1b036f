"""schemathesis against our own OpenAPI document: no input makes the service answer 5xx.

Driven through each operation's Hypothesis strategy (schemathesis' pytest plugin does not
yet run under pytest 9). `PROPDESK_FUZZ_EXAMPLES` bounds the examples per operation.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from core import db, directory, tokens
from core.api.app import create_app
from core.config import Config
from core.desk import Desk
from core.plugins import make_plugin_manager

#: server subprocesses / many requests: not in the fast set (`-m "not slow"`)
pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("PROPDESK_FUZZ_EXAMPLES", "12"))


def test_no_input_gives_a_5xx(tmp_path: Path) -> None:
    desk = Desk(config=Config(), engine=db.make_engine(f"sqlite:///{tmp_path / 'fuzz.db'}"),
                pm=make_plugin_manager())
    desk.upgrade()
    directory.add_staff(desk, "刘洋", "supervisor", "客服部")
    directory.add_unit(desk, "1-1-502", "李女士", "13812345678")
    headers = {"Authorization": f"Bearer {tokens.create(desk, '刘洋')['token']}"}
    app = create_app(desk)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def probe(case) -> None:  # noqa: ANN001
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code}"
                                f" {response.text[:200]}")

        probe()
    assert operations >= 20
    assert failures == []
