"""HTTP routes under /keys: the custodian and supervisors only; refusals as JSON."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from core import directory, tickets, tokens
from core.api.app import create_app
from core.desk import Desk
from core.plugins import make_plugin_manager
from tests.conftest import Clock, make_desk
from tests.plugins.keys.conftest import AUTH, counts, finish


@pytest.fixture
def api(keysite: Desk) -> Iterator[tuple[TestClient, dict[str, str]]]:
    keys = {name: tokens.create(keysite, name)["token"] for name in
            ("孙丽", "赵强", "刘洋", "陈静", "王芳")}
    with TestClient(create_app(keysite)) as client:
        yield client, keys


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_lend_and_return_over_http(api, keysite: Desk, work_order: str) -> None:
    client, keys = api
    body = {"to": "赵强", "purpose": "入户维修", "ticket": work_order,
            "at": "2026-11-19 10:00", **AUTH}
    r = client.post("/keys/K-0502/lend", json=body, headers=auth(keys["孙丽"]))
    assert r.status_code == 201, r.text
    assert r.json()["due_at"] == "2026-11-19T14:00:00+08:00"
    r = client.post("/keys/K-0502/lend", json=body, headers=auth(keys["孙丽"]))
    assert r.status_code == 409 and r.json()["field"] == "tag"
    finish(keysite, work_order)
    r = client.post(f"/tickets/{work_order}/close", headers=auth(keys["王芳"]))
    assert r.status_code == 409 and r.json()["field"] == "key"
    assert client.post("/keys/check", headers=auth(keys["刘洋"])).json()["overdue"][0][
        "tag"] == "K-0502"
    r = client.post("/keys/K-0502/return", json={},
                    headers=auth(keys["孙丽"]))
    assert r.status_code == 200 and r.json()["outcome"] == "returned"
    assert client.post(f"/tickets/{work_order}/close",
                       headers=auth(keys["王芳"])).status_code == 200
    history = client.get("/keys/units/1-1-502/history", headers=auth(keys["刘洋"])).json()
    assert [h["action"] for h in history] == ["registered", "lent", "overdue", "returned"]


def test_only_keepers_reach_the_keys(api, keysite: Desk) -> None:
    client, keys = api
    before = counts(keysite)
    for name in ("赵强", "王芳"):
        r = client.get("/keys", headers=auth(keys[name]))
        assert r.status_code == 403 and r.json()["field"] == "as"
    assert client.get("/keys").status_code == 401
    assert [k["tag"] for k in client.get("/keys", headers=auth(keys["刘洋"])).json()] == [
        "K-0502", "K-PD1"]
    assert client.get("/keys/K-NOPE", headers=auth(keys["孙丽"])).status_code == 404
    r = client.post("/keys/K-0502/lend", json={"to": "赵强", "purpose": "x"},
                    headers=auth(keys["孙丽"]))
    assert r.status_code == 422 and r.json()["field"] == "authorised_by"
    loss = client.post("/keys/losses", json={"tag": "K-PD1", "circumstances": "未见"},
                       headers=auth(keys["孙丽"])).json()
    r = client.post(f"/keys/losses/{loss['id']}/approve", json={"accountable": "孙丽"},
                    headers=auth(keys["刘洋"]))
    assert r.status_code == 403
    r = client.post(f"/keys/losses/{loss['id']}/approve", json={"accountable": "孙丽"},
                    headers=auth(keys["陈静"]))
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert counts(keysite)["keys_losses"] == before["keys_losses"] + 1
    found = client.post("/keys/losses", json={"tag": "K-0502", "circumstances": "未见"},
                        headers=auth(keys["孙丽"])).json()
    r = client.post(f"/keys/losses/{found['id']}/withdraw", json={"reason": "在前台找到"},
                    headers=auth(keys["孙丽"]))
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    r = client.post(f"/keys/losses/{loss['id']}/withdraw", json={"reason": "x"},
                    headers=auth(keys["孙丽"]))
    assert r.status_code == 409  # approved already: not withdrawn


def test_the_core_works_with_the_plugin_left_out(db_url: str, clock: Clock,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROPDESK_LOAD_PLUGINS", "training")
    pm = make_plugin_manager()
    assert pm.get_plugin("keys") is None
    desk = make_desk(db_url, clock, pm=pm)
    directory.add_staff(desk, "王芳", "frontdesk")
    n = tickets.intake(desk, category="inquiry", summary="停车费标准", by="王芳",
                       answer="见公告", at="2026-11-19 09:00")["number"]
    tickets.report(desk, n, True, at="2026-11-19 09:05")
    assert tickets.close(desk, n, at="2026-11-19 09:10")["state"] == "closed"
    with TestClient(create_app(desk)) as client:
        assert not any(getattr(r, "path", "").startswith("/keys") for r in client.app.routes)
    desk.engine.dispose()
