"""Roles that do not see phones read the outbox masked, in text and JSON; a year or season
that is not one is refused naming the field (through the CLI)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import Result

from core import directory
from core.desk import Desk
from plugins.events import registration
from tests.plugins.events.conftest import approved_event, t

Run = Callable[..., Result]
PHONE = "13812345678"  # every owner's phone on the test site


@pytest.fixture
def cli(run: Run, monkeypatch: pytest.MonkeyPatch) -> Run:
    from core.cli.main import cli as group
    from plugins.events import hooks

    monkeypatch.setattr(group, "commands", dict(group.commands))
    hooks.register_commands(group)
    return run


def test_the_outbox_is_masked_for_roles_that_do_not_see_phones(site: Desk, cli: Run) -> None:
    directory.add_staff(site, "孙丽", "archivist", "档案室")
    directory.add_staff(site, "钱进", "custodian", "工程部")
    session = approved_event(site)["sessions"][0]["id"]
    registration.register(site, session, unit="1-1-101", channel="phone",
                          at=t("2026-11-20 09:30"))
    for who in ("孙丽", "钱进"):
        for args in (["notices"], ["notices", "--json"], ["show", "1"], ["show", "1", "--json"],
                     ["report", "2026", "winter"], ["report", "2026", "winter", "--json"]):
            out = cli("--as", who, "events", *args)
            assert out.exit_code == 0, (who, args, out.output)
            assert PHONE not in out.output, (who, args)
    assert "138****5678" in cli("--as", "孙丽", "events", "notices").output
    assert PHONE in cli("--as", "王芳", "events", "notices").output  # the desk sees phones


@pytest.mark.parametrize(("args", "field"), [
    (["report", "99999", "spring"], "year"), (["report", "1999", "spring"], "year"),
    (["report", "2026", "monsoon"], "season"), (["plan", "1999"], "year")])
def test_a_period_that_is_not_one_is_refused(site: Desk, cli: Run, args: list[str],
                                             field: str) -> None:
    out = cli("events", *args)
    assert out.exit_code == 2, out.output
    assert out.stderr.startswith(f"error: {field}: ") and "Traceback" not in out.output
