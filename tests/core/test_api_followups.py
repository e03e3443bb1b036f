"""HTTP routes of the follow-up queue, reports, warnings and CAPA (thin over the services)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from core import directory, tickets, tokens
from core.api import followups as followup_routes
from core.api import reports as report_routes
from core.api.app import create_app
from core.desk import Desk


@pytest.fixture
def http(site: Desk) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    keys = {n: {"Authorization": f"Bearer {tokens.create(site, n)['token']}"}
            for n in ("王芳", "刘洋", "赵强")}
    app = create_app(site)
    fastapi_app = getattr(app, "app", app)  # the body-limit wrapper holds the FastAPI app
    if not any(getattr(r, "path", "") == "/followups" for r in fastapi_app.routes):
        fastapi_app.include_router(followup_routes.router)
        fastapi_app.include_router(report_routes.router)
    with TestClient(app) as client:
        yield client, keys


def test_queue_rain_report_capa_over_http(site: Desk, http) -> None:
    client, keys = http
    directory.add_unit(site, "3-1-101")
    n = tickets.intake(site, category="repair", severity="urgent", summary="停电",
                       unit="1-1-502", by="王芳", at="2026-11-19 09:00")["number"]
    tickets.dispatch(site, n, "赵强", at="2026-11-19 09:10")
    tickets.start(site, n, at="2026-11-19 09:20")
    tickets.resolve(site, n, "已修复", at="2026-11-19 10:00")
    r = client.get("/followups?mine=true", headers=keys["王芳"])
    assert r.status_code == 200 and [q["number"] for q in r.json()] == [n]
    assert client.get("/followups", headers=keys["赵强"]).status_code == 403
    r = client.post(f"/followups/{n}/unreachable", json={"at": "2026-11-19 11:00"},
                    headers=keys["王芳"])
    assert r.status_code == 200 and r.json()["attempts"] == 1
    assert client.post("/rainy-days", json={"day": "2026-11-40"},
                       headers=keys["王芳"]).json()["field"] == "day"
    assert client.post("/rainy-days", json={"day": "2026-11-19"},
                       headers=keys["王芳"]).status_code == 201
    for unit in ("1-1-101", "1-1-502", "2-1-301"):
        tickets.intake(site, category="complaint", severity="minor", summary="电梯坏了",
                       unit=unit, by="王芳", at="2026-11-20 08:00")
    rep = client.get("/reports/monthly/2026-11", headers=keys["刘洋"])
    assert rep.status_code == 200 and rep.json()["totals"]["tickets"] == 4
    assert client.get("/reports/monthly/2026-11", headers=keys["王芳"]).status_code == 403
    csv_text = client.get("/reports/monthly/2026-11?format=csv", headers=keys["刘洋"])
    assert csv_text.headers["content-type"].startswith("text/csv")
    # a well-formed period of another kind: no such report
    assert client.get("/reports/monthly/2026-Q4", headers=keys["刘洋"]).status_code == 404
    warned = client.get("/warnings/monthly/2026-11", headers=keys["刘洋"]).json()
    assert [w["kind"] for w in warned] == ["group"]
    assert client.get("/capa", headers=keys["刘洋"]).json() == []
    assert client.patch("/capa/CAPA-2026-0009", json={"cause": "x"},
                        headers=keys["刘洋"]).status_code == 404
