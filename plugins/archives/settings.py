"""Archive vocabularies and settings: environment variables over defaults (no core config).

`PROPDESK_ARCHIVE_NUMBER_FORMAT` — file number format, fields {site} {building} {entrance}
{room} {unit}; default `{site}-{building}-{entrance}-{room}` (GD-3-1-502).
`PROPDESK_ARCHIVE_DIR` — the content store folder; default `archive_store/` next to a
SQLite database file (the working directory for a server database).
`PROPDESK_ARCHIVE_RETENTION` — years kept after a household changes, by importance, e.g.
`general=5,important=10` (defaults below; `permanent` files are never due).
`PROPDESK_ARCHIVE_LOAN_DAYS` — days a loan may run before it is overdue (default 7).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import DomainError
from core.labels import Vocabulary

if TYPE_CHECKING:
    from core.desk import Desk

DEFAULT_FORMAT = "{site}-{building}-{entrance}-{room}"
#: years a former household's file is kept, by importance (一般 5 年, 重要 10 年, 永久)
DEFAULT_RETENTION = {"general": 5, "important": 10}
DEFAULT_LOAN_DAYS = 7


def _vocab(name: str, *terms: tuple[str, str, str]) -> Vocabulary:
    vocab = Vocabulary(name)
    for code, zh, en in terms:
        vocab.add(code, zh, en)
    return vocab


KINDS = _vocab("kind", ("household", "业户资料", "household information"),
               ("move_in", "入住资料", "move-in"), ("decoration", "装修资料", "decoration"),
               ("daily", "日常管理", "daily management"),
               ("advertising", "户外广告", "outdoor advertising"))
PURPOSES = _vocab("purpose", ("view", "查阅", "view"), ("copy", "复制", "copy"),
                  ("loan", "借阅", "loan"))
REQUESTERS = _vocab("requester_kind", ("internal", "内部", "internal"),
                    ("police", "公安", "police"), ("procuratorate", "检察院", "procuratorate"),
                    ("court", "法院", "court"), ("lawyer", "律师", "lawyer"))
IMPORTANCE = _vocab("importance", ("general", "一般", "general"),
                    ("important", "重要", "important"), ("permanent", "永久", "permanent"))
CHANGES = _vocab("reason", ("sale", "出售", "sale"), ("move_out", "迁出", "move-out"))
#: kinds a household's file is expected to hold (the monthly audit lists what is missing)
EXPECTED_KINDS = ("household", "move_in")
#: ticket categories whose handling record is filed when the ticket closes
FILED_CATEGORIES = frozenset({"complaint", "repair", "paid_service"})


def number_format() -> str:
    return os.environ.get("PROPDESK_ARCHIVE_NUMBER_FORMAT") or DEFAULT_FORMAT


def file_number(site: str, unit_code: str) -> str:
    building, entrance, room = unit_code.split("-")
    try:
        return number_format().format(site=site, building=building, entrance=entrance,
                                      room=room, unit=unit_code)
    except (KeyError, IndexError, ValueError) as exc:
        raise DomainError("PROPDESK_ARCHIVE_NUMBER_FORMAT", f"bad format: {exc}") from None


def retention_years() -> dict[str, int]:
    years = dict(DEFAULT_RETENTION)
    raw = os.environ.get("PROPDESK_ARCHIVE_RETENTION", "")
    for part in filter(None, (p.strip() for p in raw.split(","))):
        key, _, value = part.partition("=")
        if key.strip() not in DEFAULT_RETENTION or not value.strip().isdigit():
            raise DomainError("PROPDESK_ARCHIVE_RETENTION",
                              f"use e.g. general=5,important=10, not {part!r}")
        years[key.strip()] = int(value)
    return years


def loan_days() -> int:
    raw = os.environ.get("PROPDESK_ARCHIVE_LOAN_DAYS", str(DEFAULT_LOAN_DAYS))
    if not raw.isdigit() or int(raw) < 1:
        raise DomainError("PROPDESK_ARCHIVE_LOAN_DAYS", "a whole number of days, at least 1")
    return int(raw)


def store_dir(desk: Desk) -> Path:
    """The store folder: the environment, else beside the SQLite file, else ./archive_store."""
    env = os.environ.get("PROPDESK_ARCHIVE_DIR")
    if env:
        return Path(env)
    url = desk.engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / "archive_store"
    return Path("archive_store").resolve()
