"""Archive vocabularies and settings.

Settings come from `[plugins.archives]` in propdesk.toml (declared with the core's
`register_config` hook and validated when the site opens); an environment variable, when
set, overrides the file (handy for one deployment):

- `number_format` (`PROPDESK_ARCHIVE_NUMBER_FORMAT`): file numbers from {site} {building}
  {entrance} {room} {unit}; default `{site}-{building}-{entrance}-{room}` (GD-3-1-502).
- `store_dir` (`PROPDESK_ARCHIVE_DIR`): the content store; default `archive_store/` next
  to a SQLite database file, else in the working folder.
- `retention` (`PROPDESK_ARCHIVE_RETENTION=general=5,important=10`): years a former
  household's file is kept, by importance; permanent files are never due.
- `loan_days` (`PROPDESK_ARCHIVE_LOAN_DAYS`): days a loan runs before it is overdue (7).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.kit import DomainError, Vocabulary

if TYPE_CHECKING:
    from core.kit import Desk

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


class ArchiveSettings(BaseModel):
    """`[plugins.archives]` in propdesk.toml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number_format: str = DEFAULT_FORMAT
    store_dir: str | None = None
    retention: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_RETENTION))
    loan_days: int = Field(DEFAULT_LOAN_DAYS, ge=1)

    @field_validator("number_format")
    @classmethod
    def _formats(cls, value: str) -> str:
        _format(value, "1-1-101", "GD")
        return value

    @field_validator("retention")
    @classmethod
    def _known(cls, value: dict[str, int]) -> dict[str, int]:
        for key, years in value.items():
            if key not in DEFAULT_RETENTION or years < 1:
                raise ValueError(f"use general and important, each at least 1 year, not "
                                 f"{key} = {years}")
        return DEFAULT_RETENTION | value


def _settings(desk: Desk) -> ArchiveSettings:
    return desk.settings("archives")


def _format(fmt: str, unit_code: str, site: str) -> str:
    building, entrance, room = unit_code.split("-")
    try:
        return fmt.format(site=site, building=building, entrance=entrance, room=room,
                          unit=unit_code)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"bad format {fmt!r}: {exc}") from None


def number_format(desk: Desk) -> str:
    return os.environ.get("PROPDESK_ARCHIVE_NUMBER_FORMAT") or _settings(desk).number_format


def file_number(desk: Desk, unit_code: str) -> str:
    try:
        return _format(number_format(desk), unit_code, desk.config.site.code)
    except ValueError as exc:
        raise DomainError("number_format", str(exc)) from None


def retention_years(desk: Desk) -> dict[str, int]:
    years = dict(_settings(desk).retention)
    raw = os.environ.get("PROPDESK_ARCHIVE_RETENTION", "")
    for part in filter(None, (p.strip() for p in raw.split(","))):
        key, _, value = part.partition("=")
        if key.strip() not in DEFAULT_RETENTION or not value.strip().isdigit():
            raise DomainError("PROPDESK_ARCHIVE_RETENTION",
                              f"use e.g. general=5,important=10, not {part!r}")
        years[key.strip()] = int(value)
    return years


def loan_days(desk: Desk) -> int:
    raw = os.environ.get("PROPDESK_ARCHIVE_LOAN_DAYS")
    if raw is None:
        return _settings(desk).loan_days
    if not raw.isdigit() or int(raw) < 1:
        raise DomainError("PROPDESK_ARCHIVE_LOAN_DAYS", "a whole number of days, at least 1")
    return int(raw)


def store_dir(desk: Desk) -> Path:
    """The store folder: the environment, the settings, else beside the SQLite file, else
    ./archive_store."""
    chosen = os.environ.get("PROPDESK_ARCHIVE_DIR") or _settings(desk).store_dir
    if chosen:
        return Path(chosen)
    url = desk.engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / "archive_store"
    return Path("archive_store").resolve()
