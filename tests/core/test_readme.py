"""The README's plugin example runs as written, as a site plugin."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def plugin_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- plugin-example -->\n```python\n(.*?)```", text, re.S)
    assert match, "README lost its plugin example"
    return match.group(1)


def test_the_example_is_about_twenty_lines() -> None:
    assert len(plugin_example().strip().splitlines()) <= 24


def test_readme_plugin_example_runs(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "site_plugins"
    folder.mkdir()
    (folder / "sms_notify.py").write_text(plugin_example(), encoding="utf-8")
    monkeypatch.setenv("PROPDESK_PLUGINS_DIR", str(folder))
    monkeypatch.delenv("PROPDESK_LOAD_PLUGINS", raising=False)  # an allow-list would hide it
    assert run("init").exit_code == 0
    assert run("staff", "add", "王芳", "--role", "frontdesk").exit_code == 0
    leak = json.loads(run("ticket", "new", "--category", "报修", "--topic", "漏水", "--summary",
                          "卫生间漏水", "--by", "王芳", "--at", "2026-11-19 09:00",
                          "--json").output)
    assert leak["deadlines"]["resolve"] == "2026-11-19T13:00:00+08:00"
    park = json.loads(run("ticket", "new", "--category", "车位", "--summary", "车位被占",
                          "--by", "王芳", "--json").output)
    assert park["category"] == "parking"
    outbox = (tmp_path / "sms_outbox.txt").read_text(encoding="utf-8").splitlines()
    assert outbox[0].startswith(f"{leak['number']} 卫生间漏水 处理时限 2026-11-19T13:00")
    assert len(outbox) == 2
    plugins = json.loads(run("plugins", "--json").output)
    assert any(p["name"] == "site:sms_notify" for p in plugins)
