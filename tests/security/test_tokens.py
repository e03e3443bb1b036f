"""Tokens expire (configurable, or per token), record their last use, and an expired one
is refused with a 401 that says so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from core import tokens
from core.api.app import create_app
from core.config import Config
from core.desk import Desk
from core.errors import DomainError


def test_default_expiry_is_the_configured_days(site: Desk, clock) -> None:  # noqa: ANN001
    row = tokens.create(site, "王芳")
    assert row["expires_at"] == "2027-02-18T10:00:00+08:00"  # 90 days after 2026-11-20
    site.config = Config.model_validate({"service": {"token_days": 0}})
    assert tokens.create(site, "王芳")["expires_at"] is None
    assert tokens.create(site, "王芳", expires="12h")["expires_at"] == "2026-11-20T22:00:00+08:00"
    assert tokens.create(site, "王芳", expires="2027-01-31")["expires_at"] == \
        "2027-01-31T00:00:00+08:00"
    for bad in ("-1d", "0d", "yesterday", "2026-11-19", "99999d"):
        with pytest.raises(DomainError) as exc:
            tokens.create(site, "王芳", expires=bad)
        assert exc.value.field == "expires"


def test_expired_token_gets_401_saying_so_and_last_use_is_listed(site: Desk, clock) -> None:  # noqa: ANN001
    site.config = Config.model_validate({"service": {"token_cache_seconds": 0}})
    row = tokens.create(site, "王芳", expires="1h")
    auth = {"Authorization": f"Bearer {row['token']}"}
    with TestClient(create_app(site)) as client:
        assert client.get("/units", headers=auth).status_code == 200
        listed = tokens.list_tokens(site)[0]
        assert listed["last_used_at"] == "2026-11-20T10:00:00+08:00"
        assert listed["status"] == "live" and listed["created_at"] == "2026-11-20T10:00:00+08:00"
        clock.at += timedelta(minutes=30)
        assert client.get("/units", headers=auth).status_code == 200
        assert tokens.list_tokens(site)[0]["last_used_at"] == "2026-11-20T10:30:00+08:00"
        clock.at += timedelta(minutes=31)
        r = client.get("/units", headers=auth)
        assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"
        assert r.json() == {"field": "Authorization", "error": "token expired at "
                            "2026-11-20T11:00:00+08:00; ask a manager for a new one"}
        assert tokens.list_tokens(site)[0]["status"] == "expired"
        r = client.get("/units", headers={"Authorization": "Bearer pd_nothing"})
        assert r.status_code == 401 and r.json()["error"] == "unknown or revoked token"


def test_a_cached_token_is_not_trusted_past_its_expiry(site: Desk, clock) -> None:  # noqa: ANN001
    site.config = Config.model_validate({"service": {"token_cache_seconds": 300}})
    row = tokens.create(site, "王芳", expires="1h")
    assert tokens.authenticate(site, row["token"]) is not None
    clock.at += timedelta(hours=2)
    assert tokens.cached(site, row["token"]) is None
    assert tokens.authenticate(site, row["token"]) is None


def test_token_cli_expires_and_list(run) -> None:  # noqa: ANN001
    run("staff", "add", "王芳", "--role", "frontdesk")
    made = run("token", "create", "--staff", "王芳", "--expires", "30d")
    assert made.exit_code == 0 and "expires 20" in made.stderr
    bad = run("token", "create", "--staff", "王芳", "--expires", "soon")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: expires: 'soon'")
    out = run("token", "list").stdout
    for column in ("created", "expires", "last used", "status"):
        assert column in out
    assert "live" in out
