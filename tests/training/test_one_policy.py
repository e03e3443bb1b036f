"""One SLA policy: the README's 4-hour leak plugin moves the service's deadline, a simulated
deadline and an exam's answer key alike (all three ask `kit.policy_function`)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from core import directory, kit, tickets
from core.config import Config, parse_config
from core.plugins import make_plugin_manager
from simulations.clocks import Clocks
from simulations.model import DeskModel
from simulations.params import parse_scenario
from simulations.results import summarise
from tests.conftest import Clock, make_desk
from tests.simulations.conftest import small
from training.items import items_for_case
from training.schema import parse_case

ROOT = Path(__file__).resolve().parents[2]
TZ = ZoneInfo("Asia/Shanghai")
RECEIVED = datetime(2026, 11, 19, 9, 0, tzinfo=TZ)  # a Thursday, a working day


def readme_plugin() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- plugin-example -->\n```python\n(.*?)```", text, re.S)
    assert match, "README lost its plugin example"
    assert "4h" in match.group(1) and "漏水" in match.group(1)
    return match.group(1)


@pytest.fixture
def leak_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's site plugin in a site plugin folder, and only it besides the built-ins."""
    folder = tmp_path / "site_plugins"
    folder.mkdir()
    (folder / "sms_notify.py").write_text(readme_plugin(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # its ticket_created writes sms_outbox.txt here
    monkeypatch.setenv("PROPDESK_PLUGINS_DIR", str(folder))
    monkeypatch.setenv("PROPDESK_LOAD_PLUGINS", "sms_notify")


def leak_case() -> object:
    return parse_case({
        "id": "rp-leak-policy", "title": "卫生间漏水", "difficulty": 1,
        "narrative": "业主来电反映卫生间天花板漏水，水滴到地面，要求尽快上门维修。",
        "facts": {"channel": "phone", "unit_kind": "high_rise", "topic": "漏水",
                  "received_at": RECEIVED.replace(tzinfo=None).isoformat()},
        "topics": ["repair", "leak"], "source": {"kind": "written", "author": "培训专员"},
        "expected": {"classification": {"category": "repair"},
                     "followup": {"owner": "frontdesk",
                                  "timing": "within_1wd_after_completion"},
                     "procedure": ["受理登记", "派工维修", "回访"]},
        "discussion": ["为什么漏水报修的时限更短？"]})


def service_resolve_due(db_url: str, config: Config) -> datetime | None:
    desk = make_desk(db_url, Clock(), config=config, pm=make_plugin_manager())
    directory.add_staff(desk, "王芳", "frontdesk")
    made = tickets.intake(desk, category="repair", topic="漏水", summary="卫生间漏水",
                          by="王芳", at=RECEIVED)
    desk.engine.dispose()
    due = made["deadlines"]["resolve"]
    return None if due is None else datetime.fromisoformat(due)


def exam_resolve_due(config: Config, policy: kit.Policy | None = None) -> datetime | None:
    items = {i.slot: i for i in items_for_case(leak_case(), config, policy)}
    assert "deadline-reply" in items  # repairs always have a reply clock
    item = items.get("deadline-resolve")
    return None if item is None else item.key.due_at


def simulated_resolve_hours(config: Config, policy: kit.Policy | None = None) -> float:
    raw = small(arrivals={"stream": [{"channel": "phone", "category": "repair",
                                      "topic": "漏水", "per_week": 168 * 2}]})
    sc = parse_scenario(raw).model_copy(update={"site": config})
    result = summarise(DeskModel(sc, seed=3, policy=policy).run(), keep_tickets=True)
    t = result.tickets
    assert t is not None and len(t["received_s"]) > 0
    hours = (t["resolve_due_s"] - t["received_s"]) / 3600
    return float("nan") if np.isnan(hours).all() else float(np.nanmax(hours))


def test_the_leak_plugin_moves_all_three_alike(leak_site: None, db_url: str) -> None:
    config = parse_config({})
    service = service_resolve_due(db_url, config)
    assert service == RECEIVED + timedelta(hours=4)
    # the exam's key and the simulation ask the same plugins (the default policy) ...
    assert exam_resolve_due(config) == service
    assert simulated_resolve_hours(config) == pytest.approx(4.0)
    clocks = Clocks(config, RECEIVED)
    assert clocks.policy("repair", None, channel="phone", topic="漏水")[2] == \
        kit.Duration.parse("4h")
    # ... and a plugin manager handed in explicitly gives the same answer
    policy = kit.policy_function(config, make_plugin_manager())
    assert exam_resolve_due(config, policy) == service


def test_without_the_plugin_the_configured_policy_holds(monkeypatch: pytest.MonkeyPatch,
                                                        db_url: str) -> None:
    """`[sla.policies]` gives a plain repair no resolve clock: none anywhere, then."""
    monkeypatch.delenv("PROPDESK_PLUGINS_DIR", raising=False)
    monkeypatch.setenv("PROPDESK_LOAD_PLUGINS", "")
    config = parse_config({})
    assert config.policy_for("repair", None)[1].resolve is None
    assert service_resolve_due(db_url, config) is None
    assert exam_resolve_due(config) is None
    assert np.isnan(simulated_resolve_hours(config))
