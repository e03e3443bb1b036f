"""The `train` group through CliRunner: listing, exams, errors as one line with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from training.cli import train
from training.demo import scripted_answers
from training.exams import load_exam


@pytest.fixture()
def runner(tmp_path: Path, monkeypatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_cases_json_lists_the_library(runner: CliRunner) -> None:
    result = runner.invoke(train, ["cases", "--json"])
    assert result.exit_code == 0
    cases = json.loads(result.output)
    assert len(cases) >= 40
    lift = next(c for c in cases if c["id"] == "cp-major-lift-eve")
    assert lift["expected"]["classification"]["severity"] == "major"
    assert "deadline" not in json.dumps(lift["expected"])


def test_bad_case_folder_exits_2_naming_the_field(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "x-bad.yaml").write_text("id: x-bad\ntitle: 标题测试\n",
                                                   encoding="utf-8")
    result = runner.invoke(train, ["cases", "--dir", "cases"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: narrative: required field missing (in x-bad.yaml)"]


@pytest.mark.parametrize(("args", "field"), [
    (["exam", "assemble", "--seed", "1", "--count", "3", "--topic", "nope", "--out", "e.json"],
     "--topic"),
    (["exam", "assemble", "--seed", "1", "--count", "3", "--kind", "essay", "--out", "e.json"],
     "--kind"),
    (["exam", "assemble", "--seed", "1", "--out", "e.json"], "--count"),
    (["exam", "assemble", "--seed", "x", "--count", "3", "--out", "e.json"], "--seed"),
    (["exam", "assemble", "--seed", "1", "--count", "999", "--out", "e.json"], "count"),
    (["exam", "render", "missing.json"], "EXAM_FILE"),
    (["practice", "--trainee", "王芳", "--topic", "nope"], "topic"),
])
def test_bad_input_is_one_line_exit_2(runner: CliRunner, args: list[str], field: str) -> None:
    result = runner.invoke(train, args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and field in lines[0]


def test_assemble_render_take_grade_analyse(runner: CliRunner, tmp_path: Path) -> None:
    args = ["exam", "assemble", "--seed", "3", "--count", "6", "--kind", "classification",
            "--kind", "short_answer", "--out", "e.json", "--id", "m1"]
    assert runner.invoke(train, args).exit_code == 0
    again = runner.invoke(train, [*args[:-4], "--out", "f.json", "--id", "m1"])
    assert again.exit_code == 0
    assert Path("e.json").read_text() == Path("f.json").read_text()  # same seed, same form
    exam = load_exam(Path("e.json"))
    html = runner.invoke(train, ["exam", "render", "e.json"]).output
    assert html.startswith("<!DOCTYPE html>")
    for item in exam.items:
        assert item.case_id not in html and (item.key.choice or "§") not in html
    for n, (name, ability) in enumerate([("王芳", 1.0), ("李雷", 0.0)]):
        result = runner.invoke(train, ["exam", "take", "e.json", "--trainee", name,
                                       "--gradebook", "gb.json"],
                               input=scripted_answers(exam, ability, n))
        assert result.exit_code == 0, result.output
    listing = runner.invoke(train, ["grade", "--gradebook", "gb.json", "--list"]).output
    waiting = sum(1 for i in exam.items if i.kind == "short_answer") * 2
    assert listing.strip().endswith(f"{waiting} pending, 0 graded now")
    analysis = runner.invoke(train, ["analyse", "--gradebook", "gb.json", "--exam", "m1",
                                     "--json"])
    stats = json.loads(analysis.output)
    assert stats["n_trainees"] == 2
    for item in stats["items"]:
        kind = exam.item(item["item_id"]).kind
        if kind == "classification":
            assert item["p"] == 0.5 or item["p"] == 1.0  # 王芳 always right
    bad = runner.invoke(train, ["grade", "--gradebook", "gb.json", "--submission", "1"])
    assert bad.exit_code == 2 and "--levels" in bad.output


def test_gift_export_of_the_library(runner: CliRunner) -> None:
    result = runner.invoke(train, ["gift", "--out", "all.gift"])
    assert result.exit_code == 0 and "questions written" in result.output
    assert Path("all.gift").read_text(encoding="utf-8").count("::q") > 200
