"""Printable papers: a Jinja2 template to self-contained HTML, and that HTML to an A4 PDF.

Why one module: the reports and the plugins' papers (a key loan slip, a work order with a
signature, a register) share one page (`print/base.html`: A4, margins, page numbers, the
CJK font, the site's name and logo), and HTML and PDF come from the same template, so
what is mailed and what is printed say the same. Templates autoescape, so a resident's
`<script>` in a topic prints as text. Images go in as `data:` URIs, so a file can be moved
or mailed; the PDF renderer (WeasyPrint: CSS paged media, Pango text layout for Chinese)
loads nothing else and is imported only when a PDF is made.

A plugin's template: `{% extends "print/base.html" %}` with `{% block content %}`, in a
folder given as `folders=`; see `render_html`.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import ConfigError, DomainError

if TYPE_CHECKING:
    import jinja2

    from core.config import Config

TEMPLATES = Path(__file__).parent / "templates"
_IMAGE_TYPES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
                (b"GIF8", "image/gif"))


def data_uri(data: bytes, mime: str) -> str:
    """`data:` URI of some bytes: an image that travels inside the HTML."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def image_type(data: bytes) -> str | None:
    """The media type of a PNG, JPEG, GIF or SVG image, read from its bytes; else None."""
    for magic, mime in _IMAGE_TYPES:
        if data.startswith(magic):
            return mime
    head = data[:512].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:4096].lower():
        return "image/svg+xml"
    return None


def image_uri(path: str | Path, field: str = "image") -> str:
    """An image file as a `data:` URI; a missing or non-image file names `field`."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise DomainError(field, f"{path}: {exc.strerror or exc}") from exc
    mime = image_type(data)
    if mime is None:
        raise DomainError(field, f"{path}: not a PNG, JPEG, GIF or SVG image")
    return data_uri(data, mime)


def site(config: Config | None) -> dict[str, Any]:
    """What every paper's header shows: the site's name and code, its logo as a data URI
    (`[site] logo`, a PNG/JPEG/SVG file) or None."""
    if config is None:
        return {"name": "", "code": "", "logo": None}
    logo = None
    if config.site.logo:
        try:
            logo = image_uri(config.site.logo, "site.logo")
        except DomainError as exc:
            raise ConfigError("site.logo", exc.message) from exc
    return {"name": config.site.name, "code": config.site.code, "logo": logo}


@lru_cache(maxsize=16)
def environment(folders: tuple[str, ...] = ()) -> jinja2.Environment:
    """Templates from `folders` first, then core's (`print/base.html`, `reports/...`),
    autoescaped whatever their extension; an undefined name is an error, not a blank."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(list(folders)),
                                    jinja2.FileSystemLoader(str(TEMPLATES))]),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True)
    return env


def render_html(template: str, context: Mapping[str, Any], *, config: Config | None = None,
                folders: Sequence[str | Path] = ()) -> str:
    """`template` rendered with `context`; `site` (name, code, logo) comes from `config`
    unless the context gives one."""
    env = environment(tuple(str(f) for f in folders))
    return env.get_template(template).render({"site": site(config), **context})


def html_to_pdf(html: str) -> bytes:
    """An A4 PDF of `html` (its `@page` CSS rules). Only `data:` URIs are loaded: a paper
    reaches for nothing on the network or the disk."""
    import logging

    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except OSError as exc:  # Pango missing: scripts/install-pdf-libs.sh installs it
        raise DomainError("format", f"PDF needs the Pango library ({exc}); install it "
                                    f"with scripts/install-pdf-libs.sh") from exc

    # WeasyPrint logs every CSS property it skips; a paper's CSS is ours and known good
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    fetcher = URLFetcher(allowed_protocols=("data",))
    return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()


def render_pdf(template: str, context: Mapping[str, Any], *, config: Config | None = None,
               folders: Sequence[str | Path] = ()) -> bytes:
    """`render_html` printed to PDF."""
    return html_to_pdf(render_html(template, context, config=config, folders=folders))
