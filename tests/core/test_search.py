"""Search and paging (`ticket search`, `GET /tickets?q=…`) and a household's history."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from core import db, directory, hookimpl, search, textsearch, tickets, tokens
from core.api.app import create_app
from core.desk import Desk
from core.models import Staff, Ticket, Unit
from tests.conftest import make_desk, migration_locations


def test_pairs_find_two_character_words_and_never_span_runs() -> None:
    two, one = textsearch.terms(["卫生间渗水", "门锁, 坏了"])
    assert two.split() == ["卫生", "生间", "间渗", "渗水", "0", "门锁", "0", "坏了", "0"]
    assert "卫" in one.split()
    # "锁坏" spans two runs ("门锁" and "坏了"): no phrase of pairs can match it
    assert textsearch.fts5_query(["锁坏"]) == 'terms : "锁坏"'
    assert "锁坏" not in two.split()
    assert textsearch.tsquery(["渗水", "漏"], single=False) == "('渗水')"
    assert textsearch.tsquery(["渗水", "漏"], single=True) == "'漏'"
    assert textsearch.query_words("ＡＢ　漏水!") == ["ab", "漏水"]  # NFKC, case-folded


def _take(desk: Desk, summary: str, unit: str | None = "1-1-502", **kw: Any) -> str:
    req = {"category": "repair", "summary": summary, "by": "王芳", "at": "2026-11-19 09:00"}
    if unit:
        req["unit"] = unit
    return tickets.intake(desk, **(req | kw))["number"]


@pytest.fixture
def filled(site: Desk) -> Desk:
    directory.add_unit(site, "3-2-801", "赵阿姨", "13900001234")
    directory.add_staff(site, "档案员", "archivist")
    _take(site, "卫生间水管漏水，楼下渗水")
    _take(site, "厨房下水道堵塞", unit="3-2-801")
    _take(site, "电梯困人二十分钟", category="complaint", severity="major")
    _take(site, "楼道灯不亮", unit=None, location="2号楼楼道")
    n = _take(site, "门锁坏了", unit="3-2-801", at="2026-11-18 10:00")
    tickets.dispatch(site, n, "赵强")
    tickets.start(site, n, actor="赵强")
    tickets.resolve(site, n, "更换锁芯，已试用正常", actor="赵强")
    return site


def summaries(page: dict[str, Any]) -> list[str]:
    return [t["summary"] for t in page["tickets"]]


def test_words_match_as_substrings_and_later_texts_count(filled: Desk) -> None:
    assert summaries(search.search(filled, q="渗水")) == ["卫生间水管漏水，楼下渗水"]
    assert summaries(search.search(filled, q="漏水 楼下")) == ["卫生间水管漏水，楼下渗水"]
    assert summaries(search.search(filled, q="漏水 电梯")) == []  # every word must occur
    assert set(summaries(search.search(filled, q="灯"))) == {"楼道灯不亮"}  # one character
    assert summaries(search.search(filled, q="楼道")) == ["楼道灯不亮"]  # location text too
    assert summaries(search.search(filled, q="锁芯")) == ["门锁坏了"]  # the result, written later
    assert summaries(search.search(filled, q="锁坏")) == ["门锁坏了"]  # inside one run
    assert summaries(search.search(filled, q="水楼")) == []  # "漏水，楼下": across two runs


def test_filters_combine_with_words(filled: Desk) -> None:
    assert summaries(search.search(filled, unit="3-2-801")) == ["门锁坏了", "厨房下水道堵塞"]
    assert summaries(search.search(filled, household="赵阿姨", q="堵塞")) == ["厨房下水道堵塞"]
    assert summaries(search.search(filled, phone="1234")) == ["门锁坏了", "厨房下水道堵塞"]
    assert summaries(search.search(filled, phone="139 0000 1234")) == ["门锁坏了", "厨房下水道堵塞"]
    assert summaries(search.search(filled, category="投诉")) == ["电梯困人二十分钟"]
    assert summaries(search.search(filled, state="resolved")) == ["门锁坏了"]
    assert summaries(search.search(filled, received_to="2026-11-18")) == ["门锁坏了"]
    assert len(search.search(filled, received_from="2026-11-19")["tickets"]) == 4
    assert summaries(search.search(filled, owner="李娜")) == []
    assert summaries(search.search(filled, unit="9-9-999")) == []


def test_cursor_pages_walk_everything_once(filled: Desk) -> None:
    seen, cursor = [], None
    while True:
        page = search.search(filled, limit=2, cursor=cursor)
        seen += [t["number"] for t in page["tickets"]]
        cursor = page["next"]
        if not cursor:
            break
    everything = [t["number"] for t in search.search(filled, limit=50)["tickets"]]
    assert seen == everything and len(seen) == 5 == len(set(seen))
    first = search.search(filled, q="水", limit=1)
    second = search.search(filled, q="水", limit=1, cursor=first["next"])
    assert first["tickets"][0]["number"] != second["tickets"][0]["number"]


def test_masked_roles_see_masked_phones_and_may_not_search_by_phone(filled: Desk) -> None:
    page = search.search(filled, unit="3-2-801", actor="档案员")
    assert page["tickets"] and "13900001234" not in json.dumps(page, ensure_ascii=False)
    with pytest.raises(search.Forbidden) as refused:
        search.search(filled, phone="1234", actor="档案员")
    assert refused.value.field == "phone"
    history = search.unit_history(filled, "3-2-801", actor="档案员")
    assert history["unit"]["phone"] == "139****1234"


@pytest.mark.parametrize(("args", "field"), [
    (["--limit", "0"], "limit"), (["!!"], "q"), (["--cursor", "garbage!"], "cursor"),
    (["--from", "2026-11-20", "--to", "2026-11-01"], "from"), (["--from", "11/20"], "from"),
    (["--state", "nope"], "state"), (["--category", "nope"], "category"),
    (["--phone", "12"], "phone"), (["--owner", "路人甲"], "owner"),
])
def test_bad_search_input_is_one_line_naming_the_field(filled: Desk, run, args: list[str],
                                                       field: str) -> None:
    out = run("ticket", "search", *args)
    assert out.exit_code == 2
    assert out.output.strip().startswith(f"error: {field}:"), out.output
    assert len(out.output.strip().splitlines()) == 1


def test_the_command_line_prints_pages_and_json(filled: Desk, run) -> None:
    out = run("ticket", "search", "漏水", "--json")
    page = json.loads(out.output)
    assert [t["summary"] for t in page["tickets"]] == ["卫生间水管漏水，楼下渗水"]
    assert page["next"] is None
    out = run("ticket", "search", "--limit", "1")
    assert out.exit_code == 0 and "more: --cursor " in out.output
    refused = run("--as", "档案员", "ticket", "search", "--phone", "1234")
    assert refused.exit_code == 2 and refused.output.startswith("error: phone:")


@pytest.fixture
def api(filled: Desk) -> Iterator[tuple[TestClient, dict[str, str]]]:
    keys = {name: tokens.create(filled, name)["token"] for name in ("王芳", "档案员")}
    with TestClient(create_app(filled)) as client:
        yield client, keys


def test_the_api_searches_with_a_next_link(api) -> None:
    client, keys = api
    h = {"Authorization": f"Bearer {keys['王芳']}"}
    r = client.get("/tickets", params={"q": "水", "limit": 1}, headers=h)
    assert r.status_code == 200 and len(r.json()) == 1
    assert r.headers["X-Next-Cursor"] and 'rel="next"' in r.headers["Link"]
    nxt = client.get("/tickets", params={"q": "水", "limit": 1,
                                         "cursor": r.headers["X-Next-Cursor"]}, headers=h)
    assert nxt.json()[0]["number"] != r.json()[0]["number"]
    assert [t["summary"] for t in client.get("/tickets", params={"phone": "1234"},
                                             headers=h).json()] == ["门锁坏了", "厨房下水道堵塞"]
    # no search parameter: the open tickets, as before (the resolved one is still open)
    assert len(client.get("/tickets", headers=h).json()) == 5
    bad = client.get("/tickets", params={"from": "tomorrow"}, headers=h)
    assert bad.status_code == 422 and bad.json()["field"] == "from"
    masked = client.get("/tickets", params={"phone": "1234"},
                        headers={"Authorization": f"Bearer {keys['档案员']}"})
    assert masked.status_code == 403 and masked.json()["field"] == "phone"


class UnitRecords:
    """A plugin that keeps something about units (as the key plugin keeps loans)."""

    @hookimpl
    def unit_records(self, unit: dict[str, Any], session: Any, desk: Any) -> list[dict]:
        assert session is not None and desk is not None
        return [{"kind": "key_loan", "at": "2026-11-10T09:00:00+08:00", "source": "test",
                 "summary": f"{unit['code']} 备用钥匙借出", "phone": "13900001234"}]


def test_hook_unit_records(filled: Desk, run) -> None:
    filled.pm.register(UnitRecords())
    history = search.unit_history(filled, "3-2-801")
    assert [t["summary"] for t in history["tickets"]] == ["门锁坏了", "厨房下水道堵塞"]
    assert history["records"][0]["summary"] == "3-2-801 备用钥匙借出"
    masked = search.unit_history(filled, "3-2-801", actor="档案员")
    assert masked["records"][0]["phone"] == "139****1234"
    out = run("unit", "history", "3-2-801")
    assert out.exit_code == 0 and "门锁坏了" in out.output
    assert run("unit", "history", "9-9-999").output.startswith("error: unit:")


def test_unit_history_over_http(api) -> None:
    client, keys = api
    r = client.get("/units/3-2-801/history", headers={"Authorization": f"Bearer {keys['档案员']}"})
    assert r.status_code == 200
    assert r.json()["unit"]["phone"] == "139****1234"
    assert [t["summary"] for t in r.json()["tickets"]] == ["门锁坏了", "厨房下水道堵塞"]
    missing = client.get("/units/9-9-999/history",
                         headers={"Authorization": f"Bearer {keys['王芳']}"})
    assert missing.status_code == 404 and missing.json()["field"] == "unit"


KEYWORDS = ["卫生间水管漏水", "厨房下水道堵塞", "楼道声控灯不亮", "电梯故障困人", "楼上装修噪音",
            "车位被占用", "门禁刷卡无反应", "消防通道堵塞"]


@pytest.mark.slow
def test_a_hundred_thousand_tickets_found_by_word_unit_and_phone_digits(db_url: str,
                                                                        clock) -> None:
    """Tickets of an existing store (written before the index existed) are indexed by the
    migration, then found by keyword, unit and the last four digits of the owner's phone."""
    from alembic import command

    engine = db.make_engine(db_url)
    cfg = db.alembic_config(engine, migration_locations())
    command.downgrade(cfg, "0003_followups")
    n, units = 100_000, 2_000
    with engine.begin() as conn:
        conn.execute(insert(Staff), [{"id": 1, "name": "王芳", "role": "frontdesk",
                                      "active": True}])
        conn.execute(insert(Unit), [{"id": i + 1, "code": f"{1 + i // 100}-1-{100 + i % 100}",
                                     "building": str(1 + i // 100), "owner_name": f"业主{i}",
                                     "owner_phone": f"139{i:08d}"} for i in range(units)])
        at = clock()
        for base in range(0, n, 20_000):
            conn.execute(insert(Ticket), [{
                "id": i + 1, "number": f"GD-{i:08d}", "channel": "phone", "category": "repair",
                "nature": "general",
                "summary": KEYWORDS[i % len(KEYWORDS)] + ("" if i % 997 else "，编号罕见"),
                "unit_id": 1 + i % units, "owner_id": 1, "state": "closed", "received_at": at,
                "recorded_at": at, "reopen_count": 0, "escalation_level": 0}
                for i in range(base, base + 20_000)])
    engine.dispose()
    db.upgrade(db.make_engine(db_url), migration_locations())
    desk = make_desk(db_url, clock)
    rare = search.search(desk, q="罕见", limit=500)
    assert len(rare["tickets"]) == len(range(0, n, 997)) and rare["next"] is None
    page = search.search(desk, q="漏水", limit=50)
    assert len(page["tickets"]) == 50 and page["next"]
    assert all("漏水" in t["summary"] for t in page["tickets"])
    unit = search.search(desk, unit="5-1-142", limit=500)["tickets"]
    assert len(unit) == n // units and {t["unit"] for t in unit} == {"5-1-142"}
    digits = search.search(desk, phone="00000442", limit=500)["tickets"]  # unit id 443
    assert len(digits) == n // units and {t["unit"] for t in digits} == {"5-1-142"}
    both = search.search(desk, q="声控", phone="0442", limit=500)["tickets"]  # 442 % 8 == 2
    assert len(both) == n // units and all("声控" in t["summary"] for t in both)
    assert search.search(desk, q="噪音", phone="0442")["tickets"] == []
    desk.engine.dispose()


def test_a_long_history_keeps_its_latest_text_in_the_last_slot(site: Desk) -> None:
    """More texts than a ticket's slots: the last slot takes the latest (it was a duplicate
    row, a 500, found by the OpenAPI contract test's stateful phase)."""
    n = _take(site, "阳台门关不上")
    for i in range(search.SLOTS + 2):
        tickets.contact(site, n, f"第{i}次联系业主", actor="王芳")
    found = search.search(site, q=f"第{search.SLOTS + 1}次")
    assert [t["number"] for t in found["tickets"]] == [n]
