"""The plugin README's worked example runs as written: each command's exit code and output."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def example() -> list[tuple[list[str], list[str]]]:
    """(command arguments, expected output lines) per `$ propdesk ...` line of the block."""
    text = (ROOT / "plugins" / "keys" / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- keys-example -->\n```console\n(.*?)```", text, re.S)
    assert match, "the keys README lost its worked example"
    steps: list[tuple[list[str], list[str]]] = []
    for line in match.group(1).splitlines():
        if line.startswith("$ propdesk "):
            steps.append((shlex.split(line)[2:], []))
        else:
            steps[-1][1].append(line.rstrip())
    return steps


def test_readme_worked_example_runs(run, monkeypatch: pytest.MonkeyPatch) -> None:
    """`propdesk` adds plugin commands at start-up (core.cli.main.main); the test runner
    invokes the group directly, so the plugin's hook adds them here, undone afterwards."""
    from core.cli.main import cli
    from plugins.keys import hooks
    from plugins.keys.common import DUE_ENV

    monkeypatch.delenv(DUE_ENV, raising=False)
    monkeypatch.setattr(cli, "commands", dict(cli.commands))
    hooks.register_commands(cli)
    steps = example()
    assert len(steps) >= 20
    for args, expected in steps:
        result = run(*args)
        failed = bool(expected) and expected[0].startswith("error:")
        assert result.exit_code == (2 if failed else 0), (args, result.output)
        if expected:  # the output is exactly what the README shows
            assert [ln.rstrip() for ln in result.output.splitlines()] == expected, \
                (args, result.output)
