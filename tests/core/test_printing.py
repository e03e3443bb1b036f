"""Printable papers through the kit, as a plugin makes them: its own template on the
shared A4 page, autoescaped, a signature image embedded, printed to PDF; the printer
fetches nothing (a loopback server sees no request); CLI start-up loads none of it."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pypdf import PdfReader

from core import kit
from core.config import parse_config
from core.errors import DomainError

ROOT = Path(__file__).resolve().parents[2]
SLIP = """{% extends "print/base.html" %}
{% block content %}
<h1>{{ title }}</h1>
<table><tr><th>借用人 Borrower</th><td>{{ holder }}</td></tr>
<tr><th>钥匙 Key</th><td>{{ key }}</td></tr></table>
<p class="signature">签名 Signature <img src="{{ signature }}" alt="signature"></p>
{% endblock %}
"""


@pytest.fixture
def plugin_templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "slip.html").write_text(SLIP, encoding="utf-8")
    return folder


def signature(tmp_path: Path) -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (120, 40), "white")
    ImageDraw.Draw(image).line([(5, 30), (40, 8), (80, 32), (115, 10)], fill="black", width=3)
    path = tmp_path / "sign.png"
    image.save(path)
    return path


def test_a_plugin_paper_on_the_shared_page(plugin_templates: Path, tmp_path: Path) -> None:
    config = parse_config({"site": {"name": "阳光花园物业服务中心"}})
    context = {"title": "钥匙借用单 Key loan slip", "holder": "<b>李四</b>",
               "key": "K-0001 1-1-502", "signature": kit.printing.image_uri(signature(tmp_path))}
    page = kit.printing.render_html("slip.html", context, config=config,
                                    folders=[plugin_templates])
    assert "@page" in page and "size: A4" in page  # the shared print CSS
    assert '<span class="site-name">阳光花园物业服务中心</span>' in page
    assert "&lt;b&gt;李四&lt;/b&gt;" in page and "<b>" not in page
    assert '<img src="data:image/png;base64,' in page
    data = kit.printing.render_pdf("slip.html", context, config=config,
                                   folders=[plugin_templates])
    reader = PdfReader(io.BytesIO(data))
    text = reader.pages[0].extract_text()
    assert "钥匙借用单 Key loan slip" in text and "<b>李四</b>" in text
    assert "阳光花园物业服务中心" in text and "K-0001 1-1-502" in text
    assert len(reader.pages[0].images) == 1  # the signature


def test_an_undefined_name_in_a_template_is_an_error(plugin_templates: Path) -> None:
    import jinja2

    with pytest.raises(jinja2.UndefinedError):
        kit.printing.render_html("slip.html", {"title": "x"}, folders=[plugin_templates])


def test_image_uri_refuses_what_is_not_an_image(tmp_path: Path) -> None:
    text = tmp_path / "note.txt"
    text.write_text("not an image")
    with pytest.raises(DomainError) as err:
        kit.printing.image_uri(text, "signature")
    assert err.value.field == "signature"
    with pytest.raises(DomainError):
        kit.printing.image_uri(tmp_path / "missing.png", "signature")
    svg = tmp_path / "logo.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')
    assert kit.printing.image_uri(svg).startswith("data:image/svg+xml;base64,")


def test_the_printer_fetches_nothing(tmp_path: Path) -> None:
    """Images, style sheets and fonts named by URL stay unloaded: a loopback server
    counts the requests it gets, and gets none."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            seen.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        (tmp_path / "local.png").write_bytes(b"\x89PNG\r\n\x1a\n")
        html = (f'<link rel="stylesheet" href="{base}/style.css">'
                f'<style>@font-face {{ font-family: x; src: url({base}/font.ttf) }}</style>'
                f'<p style="font-family: x">文字 text</p><img src="{base}/image.png">'
                f'<img src="{(tmp_path / "local.png").as_uri()}">')
        data = kit.printing.html_to_pdf(html)
        # the server answers a request of its own, so it was up all along
        import urllib.request

        with pytest.raises(OSError):
            urllib.request.urlopen(f"{base}/probe", timeout=5)  # noqa: S310 - loopback
    finally:
        server.shutdown()
        server.server_close()
    assert "文字 text" in PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert seen == ["/probe"]


@pytest.mark.slow
def test_cli_start_up_loads_no_printing_library() -> None:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "core.cli.main", "report",
                           "monthly", "--help"], capture_output=True, text=True, cwd=ROOT,
                          env=os.environ, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = {line.split("|")[-1].strip().split(".")[0]
                for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "click" in imported
    assert not imported & {"weasyprint", "jinja2", "openpyxl", "matplotlib", "pypdf"}
