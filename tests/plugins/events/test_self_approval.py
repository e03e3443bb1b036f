"""Nobody approves their own plan or proposal; an approval is never dated before what it
answers (through the CLI). An annual plan is approved once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import Result

from core.desk import Desk
from tests.plugins.events.conftest import counts

Run = Callable[..., Result]
PROPOSAL = ["--organisation", "工程部", "--content", "参观水泵房", "--promotion", "公告栏",
            "--budget", "800", "--risk-plan", "专人引导"]


@pytest.fixture
def cli(run: Run, monkeypatch: pytest.MonkeyPatch) -> Run:
    from core.cli.main import cli as group
    from plugins.events import hooks

    monkeypatch.setattr(group, "commands", dict(group.commands))
    hooks.register_commands(group)
    return run


def test_a_supervisor_does_not_approve_her_own_proposal(site: Desk, cli: Run) -> None:
    proposed = cli("--as", "刘洋", "events", "propose", "设备房开放日", "--starts",
                   "2026-12-20 09:00", *PROPOSAL, "--at", "2026-11-18 09:00")
    assert proposed.exit_code == 0, proposed.output
    own = cli("--as", "刘洋", "events", "approve", "1", "--at", "2026-11-19 09:00")
    assert own.exit_code == 2
    assert own.stderr.strip() == ("error: as: 刘洋 drew up event 1: nobody approves their own "
                                  "proposal (another supervisor or manager approves)")
    early = cli("--as", "陈静", "events", "approve", "1", "--at", "2026-11-17 09:00")
    assert early.exit_code == 2 and "before the proposal it approves" in early.stderr
    ok = cli("--as", "陈静", "events", "approve", "1", "--at", "2026-11-19 09:00")
    assert ok.exit_code == 0 and ok.output.strip() == "event 1: approved by 陈静"


def test_nobody_approves_the_plan_they_drew_up(site: Desk, cli: Run) -> None:
    before = counts(site)
    at_once = cli("--as", "刘洋", "events", "plan", "2027", "--survey", "亲子活动 62%",
                  "--approve", "--at", "2026-11-19 09:00")
    assert at_once.exit_code == 2 and at_once.stderr.startswith("error: as: 刘洋 drew up the "
                                                                "2027 plan")
    assert counts(site) == before  # one command, one transaction: no plan left behind
    assert cli("--as", "刘洋", "events", "plan", "2027", "--survey", "亲子活动 62%",
               "--at", "2026-11-19 09:00").exit_code == 0
    own = cli("--as", "刘洋", "events", "plan", "2027", "--approve")
    assert own.exit_code == 2 and own.stderr.startswith("error: as: ")
    early = cli("--as", "陈静", "events", "plan", "2027", "--approve", "--at",
                "2026-11-18 09:00")
    assert early.exit_code == 2 and early.stderr.startswith("error: at: ")
    ok = cli("--as", "陈静", "events", "plan", "2027", "--approve", "--at", "2026-11-20 09:00")
    assert ok.exit_code == 0 and ok.output.startswith("plan 2027: approved by 陈静")
    again = cli("--as", "陈静", "events", "plan", "2027", "--approve")
    assert again.exit_code == 2 and "already approved" in again.stderr
