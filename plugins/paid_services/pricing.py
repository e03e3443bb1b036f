"""The published price list (有偿服务收费标准): versioned items and the posting export.

A price change adds a version and ends the previous one; a quote points at the version in
force on its day, so a job quoted before a change keeps its price.
"""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import kit
from core.kit import DomainError, NotFound
from plugins.paid_services.decisions import parse_date
from plugins.paid_services.models import PriceItem
from plugins.paid_services.money import parse_yuan, yuan
from plugins.paid_services.records import FIELD, who

if TYPE_CHECKING:
    from core.kit import Desk


def set_price(desk: Desk, *, code: str, name_zh: str, name_en: str, unit: str, labour: str,
              approval: str, effective: str | date, materials_separate: bool = True,
              actor: str | None = None) -> dict[str, Any]:
    """Add an item, or a new version of it from `effective` (the old one ends the day before).
    Prices are the price authority's, set by a supervisor or the site manager."""
    code = (code or "").strip().upper()
    if not code:
        raise DomainError("code", "give the item code (e.g. PS-01)")
    for field, value in (("name_zh", name_zh), ("name_en", name_en), ("unit", unit),
                         ("approval", approval)):
        if not value or not str(value).strip():
            raise DomainError(field, f"{field} is required (the price authority's approval "
                              "reference for approval)")
    fen = parse_yuan(labour, "labour")
    start = parse_date(effective, "effective")
    with desk.write() as s:
        who(s, actor, "set prices", kit.LEADS)
        last = s.scalar(kit.lock(select(PriceItem).where(PriceItem.code == code)
                                 .order_by(PriceItem.version.desc()).limit(1)))
        if last is not None:
            if start <= last.effective_from:
                raise kit.TimeConflict("effective", f"{code} v{last.version} is in force from "
                                  f"{last.effective_from}; a new version must start later")
            last.effective_to = start - timedelta(days=1)
        row = PriceItem(code=code, version=(last.version + 1) if last else 1,
                        name_zh=name_zh.strip(), name_en=name_en.strip(), unit=unit.strip(),
                        labour_fen=fen, materials_separate=materials_separate,
                        approval_ref=approval.strip(), effective_from=start, effective_to=None,
                        created_at=desk.now())
        s.add(row)
        s.flush()
        return item_view(row)


def in_force(s: Session, code: str, on: date) -> PriceItem:
    """The version of `code` in force on `on`; unknown codes are refused by name."""
    code = (code or "").strip().upper()
    row = s.scalar(select(PriceItem).where(
        PriceItem.code == code, PriceItem.effective_from <= on,
        (PriceItem.effective_to.is_(None)) | (PriceItem.effective_to >= on)))
    if row is None:
        known = s.scalar(select(func.count()).select_from(PriceItem)
                         .where(PriceItem.code == code))
        raise NotFound("item", f"no price item {code!r} in force on {on}" if known
                       else f"unknown price item {code!r}")
    return row


def price_list(desk: Desk, on: date | None = None, history: bool = False, *,
               actor: str | None = None) -> list[dict[str, Any]]:
    on = on or desk.now().astimezone(desk.tz).date()
    with desk.read() as s:
        who(s, actor, "read the price list", FIELD)
        q = select(PriceItem).order_by(PriceItem.code, PriceItem.version)
        if not history:
            q = q.where(PriceItem.effective_from <= on,
                        (PriceItem.effective_to.is_(None)) | (PriceItem.effective_to >= on))
        return [item_view(r) for r in s.scalars(q)]


def item_view(r: PriceItem) -> dict[str, Any]:
    return {"code": r.code, "version": r.version, "name_zh": r.name_zh, "name_en": r.name_en,
            "unit": r.unit, "labour_fen": r.labour_fen, "labour": yuan(r.labour_fen),
            "materials_separate": r.materials_separate, "approval_ref": r.approval_ref,
            "effective_from": r.effective_from.isoformat(),
            "effective_to": r.effective_to.isoformat() if r.effective_to else None}


#: characters Markdown gives a meaning to inside a table row (after HTML is escaped)
MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#!])")


def md_cell(value: Any) -> str:
    """A table cell that Markdown prints as the text it is: HTML escaped (`<script>` shows
    as text, never runs where the list is posted), Markdown's marks backslashed, one line."""
    text = html.escape(" ".join(str(value).split()), quote=False)
    return MD_SPECIAL.sub(r"\\\1", text)


def _materials(item: dict[str, Any]) -> str:
    return "材料另计 materials extra" if item["materials_separate"] else "含材料 materials incl."


def export(desk: Desk, fmt: str = "md", on: date | None = None, *,
           actor: str | None = None) -> str:
    """The list in force, for posting on the notice board (Markdown or HTML)."""
    on = on or desk.now().astimezone(desk.tz).date()
    items = price_list(desk, on, actor=actor)
    title = f"有偿服务收费标准 Paid-service price list ({on.isoformat()})"
    heads = ["编号 Code", "项目 Item", "单位 Unit", "人工费 Labour (元)", "材料 Materials",
             "物价批准 Approval", "生效 Effective"]
    rows = [[i["code"], f"{i['name_zh']} {i['name_en']}", i["unit"], i["labour"],
             _materials(i), i["approval_ref"], i["effective_from"]] for i in items]
    if fmt == "md":
        lines = [f"# {title}", "", "| " + " | ".join(heads) + " |",
                 "|" + "---|" * len(heads)]
        lines += ["| " + " | ".join(md_cell(c) for c in r) + " |" for r in rows]
        return "\n".join(lines) + "\n"
    if fmt == "html":
        th = "".join(f"<th>{html.escape(h)}</th>" for h in heads)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r)
                       + "</tr>" for r in rows)
        return (f'<!doctype html><html lang="zh"><meta charset="utf-8">'
                f"<title>{html.escape(title)}</title>"
                f"<h1>{html.escape(title)}</h1><table border=\"1\"><tr>{th}</tr>{body}"
                "</table></html>\n")
    raise DomainError("format", f"unknown format {fmt!r}: md or html")
