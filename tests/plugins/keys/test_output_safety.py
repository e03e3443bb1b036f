"""The key custodian (a role that does not see phones) never reads an owner's phone in
full, in text or JSON; a month that is not one is refused naming the field."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import Result

from core.desk import Desk
from plugins.keys import service
from tests.plugins.keys.conftest import AUTH

Run = Callable[..., Result]
PHONE = "13812345678"  # every owner's phone on the test site


@pytest.fixture
def cli(run: Run, monkeypatch: pytest.MonkeyPatch) -> Run:
    from core.cli.main import cli as group
    from plugins.keys import hooks

    monkeypatch.setattr(group, "commands", dict(group.commands))
    hooks.register_commands(group)
    return run


READS = [["list"], ["list", "--json"], ["show", "K-0502"], ["show", "K-0502", "--json"],
         ["loans"], ["loans", "--json"], ["history", "1-1-502"],
         ["history", "1-1-502", "--json"], ["audit"], ["audit", "--json"],
         ["loss", "list"], ["loss", "list", "--json"], ["vacant", "list", "2026-11"]]


def test_the_custodian_sees_owners_phones_masked_everywhere(keysite: Desk, cli: Run) -> None:
    service.lend(keysite, "K-0502", borrower="赵强", purpose="入户维修", actor="孙丽",
                 at="2026-11-19 10:00",
                 **AUTH)
    shown = []
    for args in READS:
        out = cli("--as", "孙丽", "keys", *args)
        assert out.exit_code == 0, (args, out.output)
        assert PHONE not in out.output, args
        shown.append(out.output)
    assert any("138****5678" in o for o in shown)  # the card still says whose key it is
    manager = cli("--as", "陈静", "keys", "show", "K-0502", "--json")
    assert PHONE in manager.output  # the manager sees phones


@pytest.mark.parametrize("month", ["2026-13", "2026-0", "x"])
def test_a_vacant_round_for_a_month_that_is_not_one_is_refused(keysite: Desk, cli: Run,
                                                               month: str) -> None:
    for verb in ("generate", "list"):
        out = cli("keys", "vacant", verb, month)
        assert out.exit_code == 2 and out.stderr.startswith("error: month: "), out.output


def test_a_counts_period_that_ends_before_it_starts_is_refused(keysite: Desk, cli: Run) -> None:
    out = cli("keys", "counts", "--from", "2026-11-10", "--to", "2026-11-01")
    assert out.exit_code == 2 and out.stderr.startswith("error: to: "), out.output
    bad = cli("keys", "counts", "--from", "2026-13-01")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: from: "), bad.output
