"""The `/paid/...` routes: thin over the services, errors as JSON with the field."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from core import tickets, tokens
from core.api.app import create_app
from core.desk import Desk


@pytest.fixture
def http(priced: Desk) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    keys = {n: {"Authorization": f"Bearer {tokens.create(priced, n)['token']}"}
            for n in ("王芳", "赵强", "刘洋")}
    with TestClient(create_app(priced)) as client:
        yield client, keys


def test_quote_to_print_over_http(http, priced: Desk) -> None:
    client, keys = http
    t = tickets.intake(priced, category="paid_service", summary="疏通下水道", unit="1-1-101",
                       by="王芳", at="2026-11-19T09:00")
    r = client.post(f"/paid/tickets/{t['number']}/quote", headers=keys["王芳"],
                    json={"items": {"PS-99": "1"}, "at": "2026-11-19T09:05"})
    assert r.status_code == 404 and r.json()["field"] == "item"
    r = client.post(f"/paid/tickets/{t['number']}/quote", headers=keys["赵强"],
                    json={"items": {"PS-02": "1"}})
    assert r.status_code == 403  # technicians do not quote
    r = client.post(f"/paid/tickets/{t['number']}/quote", headers=keys["王芳"],
                    json={"items": {"PS-02": "1"}, "at": "2026-11-19T09:05"})
    assert r.status_code == 201 and r.json()["total"] == "50.50"
    job = r.json()["number"]
    assert client.post(f"/paid/jobs/{job}/accept", headers=keys["王芳"],
                       json={"appointment": "2026-11-19T14:00", "at": "2026-11-19T09:06"}
                       ).status_code == 200
    page = client.get(f"/paid/jobs/{job}/print", headers=keys["赵强"])
    assert page.status_code == 200 and page.text.count(job) >= 3
    md = client.get("/paid/prices?format=md", headers=keys["赵强"])
    assert "PS-02" in md.text
    assert client.get("/paid/statement/2026-11", headers=keys["王芳"]).status_code == 403
    assert client.get("/paid/statement/2026-11", headers=keys["刘洋"]).json() == []
