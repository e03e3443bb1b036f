"""`sim` and `train` join `propdesk` through `register_commands`, as lazy groups."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from core.cli.main import cli
from core.kit.cli import LazyGroup

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("simpy", "numpy", "matplotlib", "dask")


def test_core_names_no_toolkit() -> None:
    """Core imports no simulations/training module, not even by a string in a table."""
    text = (ROOT / "core" / "cli" / "main.py").read_text(encoding="utf-8")
    assert "simulations" not in text and "training" not in text


def test_a_lazy_group_imports_its_module_only_when_used() -> None:
    group = LazyGroup("sim", "simulations.cli:sim", short_help="排班模拟")
    assert "real" not in group.__dict__  # nothing imported yet
    assert group.get_short_help_str() == "排班模拟"
    result = CliRunner().invoke(group, ["mmc", "--arrivals-per-hour", "120", "--aht-min", "4",
                                        "--agents", "0"])
    assert result.exit_code == 2 and "agents" in result.output
    assert "real" in group.__dict__


def test_the_allow_list_decides_which_toolkits_join(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROPDESK_CONFIG", raising=False)
    monkeypatch.setenv("PROPDESK_LOAD_PLUGINS", "")
    listing = CliRunner().invoke(cli, ["--help"]).output
    assert " sim " not in listing and " train " not in listing
    assert CliRunner().invoke(cli, ["sim", "--help"]).exit_code == 2  # no such command
    monkeypatch.setenv("PROPDESK_LOAD_PLUGINS", "simulations")
    listing = CliRunner().invoke(cli, ["--help"]).output
    assert " sim " in listing and " train " not in listing
    monkeypatch.setenv("PROPDESK_LOAD_PLUGINS", "simulations,training")
    result = CliRunner().invoke(cli, ["train", "cases", "--json"])
    assert result.exit_code == 0, result.output


@pytest.mark.slow
@pytest.mark.parametrize("args", [["--help"], ["ticket", "--help"]])
def test_start_up_imports_no_heavy_toolkit(args: list[str]) -> None:
    env = {**os.environ, "PROPDESK_LOAD_PLUGINS": "simulations,training"}
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "core.cli.main", *args],
                          capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = [line for line in proc.stderr.splitlines() if "import time" in line]
    assert imported and not [line for line in imported
                             if any(f" {name}" in line for name in HEAVY)]
    if args == ["--help"]:
        assert " sim " in proc.stdout and " train " in proc.stdout
