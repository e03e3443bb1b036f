"""The plugin README's worked example runs as written and prints what it shows."""

from __future__ import annotations

import fnmatch
import re
import shlex
from pathlib import Path

README = Path(__file__).resolve().parents[3] / "plugins" / "archives" / "README.md"


def example() -> list[tuple[list[str], list[str]]]:
    """(command arguments, expected output lines) for each `$ propdesk` line."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- archive-example -->\n```console\n(.*?)```", text, re.S)
    assert match, "the README lost its worked example"
    steps: list[tuple[list[str], list[str]]] = []
    for line in match.group(1).splitlines():
        if line.startswith("$ propdesk "):
            steps.append((shlex.split(line)[2:], []))
        else:
            steps[-1][1].append(line)
    return steps


def test_the_worked_example_runs(run, tmp_path: Path) -> None:
    (tmp_path / "deed.pdf").write_bytes(b"%PDF-1.4 deed of 3-1-502")
    steps = example()
    assert len(steps) >= 15
    for args, expected in steps:
        result = run(*args)
        refused = bool(expected) and expected[0].startswith("error:")
        assert result.exit_code == (2 if refused else 0), (args, result.output)
        lines = result.output.rstrip("\n").splitlines()
        assert len(lines) == len(expected), (args, result.output)
        for got, want in zip(lines, expected, strict=True):
            assert fnmatch.fnmatchcase(got, want), (args, got, want)
    assert (tmp_path / "copy.pdf").read_bytes() == b"%PDF-1.4 deed of 3-1-502"
