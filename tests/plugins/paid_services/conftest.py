"""A site with a price list and helpers that walk a paid job through its steps."""

from __future__ import annotations

from typing import Any

import pytest

from core import tickets
from core.desk import Desk
from plugins.paid_services import jobs, pricing


@pytest.fixture
def priced(site: Desk) -> Desk:
    pricing.set_price(site, code="PS-01", name_zh="更换水龙头", name_en="replace a tap",
                      unit="个", labour="30", approval="穗价〔2026〕12号",
                      effective="2026-01-01")
    pricing.set_price(site, code="PS-02", name_zh="疏通下水道", name_en="clear a drain",
                      unit="次", labour="50.50", approval="穗价〔2026〕12号",
                      effective="2026-01-01", materials_separate=False)
    return site


def open_job(desk: Desk, day: str = "2026-11-18", items: Any = (("PS-01", "2"),),
             unit: str = "1-1-502") -> dict[str, Any]:
    t = tickets.intake(desk, category="paid_service", summary="厨房水龙头漏水，要求更换",
                       unit=unit, by="王芳", actor="王芳", at=f"{day}T09:00")
    return jobs.quote(desk, t["number"], list(items), actor="王芳", at=f"{day}T09:05")


def on_site(desk: Desk, day: str = "2026-11-18", **kw: Any) -> dict[str, Any]:
    """A job accepted, issued, called, arrived at and worked on (not yet signed)."""
    job = open_job(desk, day, **kw)
    n = job["number"]
    jobs.accept(desk, n, f"{day}T14:00", actor="王芳", at=f"{day}T09:06")
    jobs.issue(desk, n, ["赵强"], actor="王芳", at=f"{day}T09:10")
    jobs.confirm_call(desk, n, "业主在家", actor="赵强", at=f"{day}T13:30")
    jobs.arrive(desk, n, list(jobs.CHECKLIST), actor="赵强", at=f"{day}T14:00")
    return jobs.record_work(desk, n, work_done="更换两个水龙头", cause="阀芯老化",
                            care_advice="关水时不要用力过猛",
                            materials=[("水龙头", "2", "25.50")], actor="赵强")


def completed(desk: Desk, day: str = "2026-11-18", **kw: Any) -> dict[str, Any]:
    job = on_site(desk, day, **kw)
    jobs.sign(desk, job["number"], "李女士", f"sig/{job['number']}.png", at=f"{day}T15:00")
    return jobs.complete(desk, job["number"], actor="赵强", at=f"{day}T15:05")


@pytest.fixture
def paid_run(run: Any) -> Any:
    """`run` with the plugin's commands added, as `propdesk` (core.cli.main.main) does."""
    from core.cli.main import cli
    from plugins.paid_services.cli import paid

    added = "paid" not in cli.commands
    cli.add_command(paid)
    yield run
    if added:
        cli.commands.pop("paid", None)
