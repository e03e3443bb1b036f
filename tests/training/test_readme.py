"""Runs the trainer's month in training/README.md, command by command, in order."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from click.testing import CliRunner

from training.cli import train
from training.demo import scripted_answers
from training.exams import load_exam

README = Path(__file__).parents[2] / "training" / "README.md"


def _commands() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```console\n(.*?)```", text, re.S)
    lines = [ln.strip()[2:] for block in blocks for ln in block.splitlines()
             if ln.strip().startswith("$ ")]
    return [shlex.split(line) for line in lines]


def test_readme_month_runs(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    commands = _commands()
    assert [c[:3] for c in commands[:2]] == [["propdesk", "train", "cases"],
                                             ["propdesk", "train", "exam"]]
    runner = CliRunner()
    abilities = iter([0.9, 0.6, 0.3])
    for n, argv in enumerate(commands):
        assert argv[:2] == ["propdesk", "train"], argv
        args = argv[2:]
        stdin = None
        if args[:2] == ["exam", "take"]:
            stdin = scripted_answers(load_exam(Path(args[2])), next(abilities), seed=n)
        elif args[0] == "grade":
            stdin = "2\n1\n2\n1\n2\n1\n" * 10
        elif args[0] == "practice":
            stdin = "A\n" * 10
        result = runner.invoke(train, args, input=stdin)
        assert result.exit_code == 0, (argv, result.output)
    for name in ("exam-2026-11.json", "paper-2026-11.html", "gradebook.json",
                 "items-2026-11.png", "exam-2026-11.gift", "practice-王芳.json"):
        assert (tmp_path / name).stat().st_size > 0, name
    grade_out = runner.invoke(train, ["grade", "--gradebook", "gradebook.json", "--list"])
    assert grade_out.output.strip().endswith("0 pending, 0 graded now")
