"""HTTP routes: propose, approve (roles, 15-day rule → 422), register, full → 422."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from core import tokens
from core.api.app import create_app
from core.desk import Desk
from tests.plugins.events.conftest import PROPOSAL, counts


@pytest.fixture
def api(site: Desk) -> Iterator[tuple[TestClient, dict[str, str]]]:
    keys = {n: {"Authorization": f"Bearer {tokens.create(site, n)['token']}"}
            for n in ("王芳", "刘洋", "陈静", "赵强")}
    with TestClient(create_app(site)) as client:
        yield client, keys


def test_event_routes(api, site: Desk) -> None:
    client, keys = api
    body = {"title": "便民服务日", "starts_at": "2026-12-01 09:00", "large": True,
            "at": "2026-11-20 09:00", **PROPOSAL}
    assert client.post("/events", json=body, headers=keys["赵强"]).status_code == 403
    event = client.post("/events", json=body, headers=keys["王芳"])
    assert event.status_code == 201, event.text
    eid = event.json()["id"]
    r = client.post(f"/events/{eid}/sessions", headers=keys["王芳"],
                    json={"starts_at": "2026-12-01 09:00", "capacity": 1,
                          "at": "2026-11-20 09:00"})
    assert r.status_code == 201
    sid = r.json()["sessions"][0]["id"]
    assert client.post(f"/events/{eid}/approve", json={}, headers=keys["王芳"]).status_code \
        == 403
    late = client.post(f"/events/{eid}/approve", json={}, headers=keys["刘洋"])
    assert late.status_code == 422 and late.json()["field"] == "at"
    ok = client.post(f"/events/{eid}/approve", json={"override": "节前便民"},
                     headers=keys["陈静"])
    assert ok.status_code == 200 and ok.json()["override_reason"] == "节前便民"
    reg = client.post(f"/events/sessions/{sid}/registrations", headers=keys["王芳"],
                      json={"unit": "1-1-101", "channel": "phone"})
    assert reg.status_code == 201 and reg.json()["status"] == "confirmed"
    again = client.post(f"/events/sessions/{sid}/registrations", headers=keys["王芳"],
                        json={"unit": "1-1-101"})
    assert again.status_code == 409 and again.json()["field"] == "unit"
    before = counts(site)
    assert client.post(f"/events/sessions/{sid}/registrations", headers=keys["王芳"],
                       json={"unit": "1-1-502"}).json()["status"] == "waiting"
    assert counts(site)["events_registrations"] == before["events_registrations"] + 1
    cover = client.get(f"/events/{eid}/coverage", headers=keys["王芳"]).json()
    assert cover["participants"] == 0 and cover["large"] is True
    report = client.get("/events/reports/2026/winter", headers=keys["陈静"]).json()
    assert [e["title"] for e in report["events"]] == ["便民服务日"]


def test_call_off_route(api, site: Desk) -> None:
    from tests.plugins.events.conftest import approved_event

    client, keys = api
    eid = approved_event(site)["id"]
    body = {"reason": "台风预警", "at": "2026-11-20 09:30"}
    assert client.post(f"/events/{eid}/call-off", json=body,
                       headers=keys["王芳"]).status_code == 403
    r = client.post(f"/events/{eid}/call-off", json={"reason": ""}, headers=keys["刘洋"])
    assert r.status_code == 422 and r.json()["field"] == "reason"
    r = client.post(f"/events/{eid}/call-off", json=body, headers=keys["刘洋"])
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["cancel_reason"]) == ("cancelled", "台风预警")
