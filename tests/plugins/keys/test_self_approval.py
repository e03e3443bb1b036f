"""Nobody approves their own lost-key report; an approval is never dated before the report
(through the CLI, as the site manager uses it)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import Result

from core import directory
from core.desk import Desk

Run = Callable[..., Result]


@pytest.fixture
def cli(run: Run, monkeypatch: pytest.MonkeyPatch) -> Run:
    from core.cli.main import cli as group
    from plugins.keys import hooks

    monkeypatch.setattr(group, "commands", dict(group.commands))
    hooks.register_commands(group)
    return run


def test_a_manager_does_not_approve_the_loss_she_reported(keysite: Desk, cli: Run) -> None:
    directory.add_staff(keysite, "黄总", "manager", "项目部")
    reported = cli("--as", "陈静", "keys", "loss", "report", "K-PD1", "--circumstances",
                   "晚间核对未见", "--at", "2026-11-19 17:05")
    assert reported.exit_code == 0, reported.output
    own = cli("--as", "陈静", "keys", "loss", "approve", "1", "--accountable", "孙丽")
    assert own.exit_code == 2
    assert own.stderr.strip() == ("error: as: 陈静 reported loss 1: nobody approves their "
                                  "own report (another site manager approves)")
    early = cli("--as", "黄总", "keys", "loss", "approve", "1", "--accountable", "孙丽",
                "--at", "2026-11-19 17:00")
    assert early.exit_code == 2 and early.stderr.startswith("error: at: ")
    assert "before the loss report" in early.stderr
    listed = cli("keys", "loss", "list", "--json")
    assert '"status": "reported"' in listed.output
    ok = cli("--as", "黄总", "keys", "loss", "approve", "1", "--accountable", "孙丽",
             "--at", "2026-11-19 18:00")
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("loss 1: K-PD1 approved, accountable: 孙丽")


def test_a_custodians_report_is_approved_by_the_manager(keysite: Desk, cli: Run) -> None:
    assert cli("--as", "孙丽", "keys", "loss", "report", "K-PD1", "--circumstances", "未见",
               "--at", "2026-11-19 17:05").exit_code == 0
    ok = cli("--as", "陈静", "keys", "loss", "approve", "1", "--accountable", "孙丽",
             "--at", "2026-11-19 18:00")
    assert ok.exit_code == 0, ok.output
