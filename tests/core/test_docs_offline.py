"""`/docs` and `/redoc` work with no internet: every asset from the service itself, and the
Authorize button sends `Authorization: Bearer ...` (an HTTP bearer security scheme)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from core import db, directory, tokens
from core.api.app import create_app
from core.config import Config
from core.desk import Desk
from core.plugins import make_plugin_manager

TYPES = {".js": "javascript", ".css": "text/css", ".png": "image/png"}


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    desk = Desk(config=Config(), engine=db.make_engine(f"sqlite:///{tmp_path / 'docs.db'}"),
                pm=make_plugin_manager())
    desk.upgrade()
    directory.add_staff(desk, "王芳", "frontdesk", "客服部")
    client = TestClient(create_app(desk))
    client.headers["X-Token"] = tokens.create(desk, "王芳")["token"]
    return client


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_pages_load_their_assets_from_the_service(client: TestClient, page: str) -> None:
    html = client.get(page)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html.text)
    assert assets, html.text
    scripts = [a for a in assets if a.endswith(".js")]
    assert scripts, "the page loads its UI script"
    for asset in assets:
        assert asset.startswith("/"), f"{asset}: not served by the service (CDN?)"
        got = client.get(asset)
        assert got.status_code == 200, asset
        kind = TYPES[Path(asset).suffix]
        assert kind in got.headers["content-type"], (asset, got.headers["content-type"])
        assert len(got.content) > 1000, asset
    # nothing else reached out to the internet: no absolute URL in the page at all
    assert "https://" not in html.text and "http://" not in html.text
    assert client.get("/openapi.json").status_code == 200


def test_the_authorize_button_sends_a_bearer_token(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert [s for s in schemes.values() if s["type"] == "http" and s["scheme"] == "bearer"]
    name = next(iter(schemes))
    operations = [op for path in document["paths"].values() for op in path.values()]
    secured = [op for op in operations if {name: []} in op.get("security", [])]
    assert len(secured) == len(operations) - 1  # all but /health (for monitors)
    assert "security" not in document["paths"]["/health"]["get"]
    # what Swagger UI sends once authorised is what the service reads
    token = client.headers["X-Token"]
    assert client.get("/units", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    refused = client.get("/units")
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Bearer"
    assert refused.json()["field"] == "Authorization"


def test_every_operation_declares_its_answers(client: TestClient) -> None:
    """A success type (a schema or a media type) and the refusals, with the real body."""
    document = client.get("/openapi.json").json()
    assert "Refusal" in document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, op in item.items():
            ok = [s for s in op["responses"] if s.startswith("2")]
            assert ok, (method, path)
            for status in (s for s in ok if s != "204"):  # No Content: nothing to type
                content = op["responses"][status].get("content", {})
                assert content, (method, path, status)
                assert all(c.get("schema") not in (None, {}) for c in content.values()), (
                    method, path, status, content)
            if path != "/health":
                assert {"401", "403", "503"} <= set(op["responses"]), (method, path)
