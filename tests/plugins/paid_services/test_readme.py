"""The plugin README's worked example runs as written, and says what it prints."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def example() -> list[list[str]]:
    text = (ROOT / "plugins" / "paid_services" / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- paid-example -->\n```sh\n(.*?)```", text, re.S)
    assert match, "the README lost its worked example"
    lines = [shlex.split(line) for line in match.group(1).strip().splitlines()]
    assert all(line[0] == "propdesk" for line in lines)
    return [line[1:] for line in lines]


def test_readme_example_runs(paid_run, tmp_path: Path) -> None:
    out = {}
    for args in example():
        result = paid_run(*args)
        assert result.exit_code == 0, (args, result.output)
        out[" ".join(args[:3])] = result.output
    assert "有偿 paid service: warranty ended 2025-06-30" in out["paid decision GD-20261118-0001"]
    assert "| PS-01 | 更换水龙头 replace a tap | 个 | 30.00 |" in out["paid prices --format"]
    assert "balanced" in out["paid cashup 2026-11-18"].splitlines()[-1]
    assert "NOT" not in out["paid cashup 2026-11-18"]
    assert out["paid statement 2026-11"].strip() == \
        "工程部: 1 jobs, bonus 1.11, penalty 0.00, net 1.11 元"
    page = (tmp_path / "work-order.html").read_text(encoding="utf-8")
    assert page.count("PS-20261118-0001") >= 3 and "55.50" in page


def test_cli_refusals_exit_2_and_write_nothing(paid_run) -> None:
    for args in example()[:5]:
        assert paid_run(*args).exit_code == 0
    assert paid_run("ticket", "new", "--category", "有偿服务", "--unit", "1-1-502", "--summary",
               "疏通", "--by", "王芳", "--at", "2026-11-18 09:00").exit_code == 0
    bad = paid_run("paid", "quote", "GD-20261118-0001", "--item", "PS-77=1")
    assert bad.exit_code == 2 and "unknown price item 'PS-77'" in bad.output
    bad = paid_run("paid", "quote", "GD-20261118-0001", "--item", "PS-01=-2")
    assert bad.exit_code == 2 and "quantity" in bad.output
    assert paid_run("paid", "show", "GD-20261118-0001").exit_code != 0  # no job was written
