"""HTTP routes: keepers manage, roles decide, content only under an approved request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core import tokens
from core.api.app import create_app
from core.desk import Desk
from plugins.archives import service
from tests.plugins.archives.conftest import paper


@pytest.fixture
def api(arch: Desk, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    service.open_file(arch, "1-1-502", actor="孙丽")
    service.add_document(arch, "1-1-502", paper(tmp_path, body=b"deed"), kind="household",
                         title="登记表", actor="孙丽")
    heads = {n: {"Authorization": f"Bearer {tokens.create(arch, n)['token']}"}
             for n in ("孙丽", "陈静", "王芳")}
    with TestClient(create_app(arch)) as client:
        yield client, heads


def test_request_approve_read_over_http(api) -> None:
    client, h = api
    assert client.get("/archive/files/GD-1-1-502", headers=h["王芳"]).status_code == 403
    assert client.get("/archive/files/GD-1-1-502", headers=h["孙丽"]).json()["unit"] == "1-1-502"
    bad = client.post("/archive/files/1-1-502/requests", headers=h["王芳"],
                      json={"purpose": "view", "requester": "李律师", "reason": "诉讼",
                            "requester_kind": "lawyer", "organisation": "某律师事务所",
                            "id_number": "110101198001010011"})
    assert bad.status_code == 422 and bad.json()["field"] == "letter_ref"
    req = client.post("/archive/files/1-1-502/requests", headers=h["王芳"],
                      json={"purpose": "view", "requester": "王芳", "reason": "核对"}).json()
    read = {"document": 1, "action": "view"}
    url = f"/archive/requests/{req['id']}"
    assert client.post(f"{url}/read", headers=h["王芳"], json=read).status_code == 403
    assert client.post(f"{url}/approve", headers=h["陈静"]).status_code == 403  # archivist's
    assert client.post(f"{url}/approve", headers=h["孙丽"]).json()["status"] == "approved"
    got = client.post(f"{url}/read", headers=h["王芳"], json=read)
    assert got.status_code == 200 and got.content == b"deed"
    access = client.get("/archive/files/1-1-502/access", headers=h["陈静"]).json()
    assert [(a["action"], a["actor"]) for a in access] == [("view", "王芳")]
    assert client.get("/archive/audit/2026-11", headers=h["陈静"]).json()["missing"] == [
        {"file": "GD-1-1-502", "missing": ["move_in"]}]
