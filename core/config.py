"""Site configuration (`propdesk.toml`) with the SPEC's numbers as defaults.

Found at `--config`, else `$PROPDESK_CONFIG`, else `./propdesk.toml`, else defaults only.
A bad file raises `ConfigError` naming the key, e.g. `sla.policies.complaint.major.reply`.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date, time
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.calendar import WorkingCalendar
from core.errors import ConfigError
from core.sla import BusinessHours, Duration

DEFAULT_POLICIES: dict[str, dict[str, str | None]] = {
    # SPEC §3. Keys: "category.severity", "category" or "default".
    "complaint.major": {"reply": "2h", "resolve": "3wd"},
    "complaint.important": {"reply": "1wd", "resolve": "2wd"},
    "complaint.minor": {"reply": "1wd", "resolve": "1wd"},
    "repair": {"reply": "24h", "resolve": None},  # engineer calls within 24 h; appointment agreed
    "repair.urgent": {"reply": "30m", "resolve": None},  # emergency repair: on site in 30 min
    "paid_service": {"reply": None, "resolve": None},  # appointment agreed at intake
    "default": {"reply": "5m", "resolve": "1wd"},
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SiteSection(_Strict):
    code: str = Field("GD", pattern=r"^[A-Z0-9]{1,8}$")
    name: str = "示例物业服务中心"
    timezone: str = "Asia/Shanghai"
    open_of_business: time = time(8, 30)
    close_of_business: time = time(18, 0)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class Policy(_Strict):
    reply: str | None = None
    resolve: str | None = None

    @field_validator("reply", "resolve")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is None or value in ("", "none"):
            return None
        Duration.parse(value)
        return value


class SLASection(_Strict):
    at_risk_ratio: float = Field(0.8, gt=0, lt=1)
    policies: dict[str, Policy] = Field(default_factory=dict)
    #: after a dissatisfied report-back the resolve clock restarts with this (SPEC §2)
    reopen: dict[str, str] = Field(default_factory=lambda: {"repair": "24h"})

    @field_validator("reopen")
    @classmethod
    def _reopen(cls, value: dict[str, str]) -> dict[str, str]:
        for text in value.values():
            Duration.parse(text)
        return value


class FollowupSection(_Strict):
    rates: dict[str, float] = Field(default_factory=lambda: {
        "complaint": 1.0, "repair": 0.3, "paid_service": 1.0, "default": 0.1})
    in_person_min: float = Field(0.01, ge=0, le=1)

    @field_validator("rates")
    @classmethod
    def _rates(cls, value: dict[str, float]) -> dict[str, float]:
        for key, rate in value.items():
            if not 0 <= rate <= 1:
                raise ValueError(f"rate for {key!r} must be between 0 and 1, got {rate}")
        return value


class CalendarDay(_Strict):
    date: date
    name: str = ""


class CalendarSection(_Strict):
    holidays: list[date | CalendarDay] = Field(default_factory=list)
    workdays: list[date | CalendarDay] = Field(default_factory=list)


class TicketsSection(_Strict):
    #: categories a desk may resolve at intake (an inquiry answered on the spot)
    resolve_on_intake: list[str] = Field(
        default_factory=lambda: ["inquiry", "suggestion", "issue_report", "other"])


class PluginsSection(_Strict):
    #: names of plugins to load; empty means every installed plugin
    enabled: list[str] = Field(default_factory=list)
    #: a folder of site plugins (*.py files) loaded on top of the installed ones
    dir: str | None = None


class Config(_Strict):
    site: SiteSection = Field(default_factory=SiteSection)
    sla: SLASection = Field(default_factory=SLASection)
    followup: FollowupSection = Field(default_factory=FollowupSection)
    calendar: CalendarSection = Field(default_factory=CalendarSection)
    tickets: TicketsSection = Field(default_factory=TicketsSection)
    plugins: PluginsSection = Field(default_factory=PluginsSection)

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.site.timezone)

    @cached_property
    def business_hours(self) -> BusinessHours:
        return BusinessHours(self.tz, self.site.open_of_business, self.site.close_of_business)

    @cached_property
    def working_calendar(self) -> WorkingCalendar:
        return WorkingCalendar(_days(self.calendar.holidays), _days(self.calendar.workdays))

    @cached_property
    def policies(self) -> dict[str, Policy]:
        merged = {key: Policy(**value) for key, value in DEFAULT_POLICIES.items()}
        merged.update(self.sla.policies)
        return merged

    def policy_for(self, category: str, severity: str | None) -> tuple[str, Policy]:
        """The most specific policy: `category.severity`, then `category`, then `default`."""
        for key in (f"{category}.{severity}" if severity else None, category, "default"):
            if key and key in self.policies:
                return key, self.policies[key]
        return "default", Policy()

    def reopen_duration(self, category: str) -> Duration | None:
        text = self.sla.reopen.get(category)
        return Duration.parse(text) if text else None


def _days(items: list[date | CalendarDay]) -> dict[date, str]:
    out: dict[date, str] = {}
    for item in items:
        if isinstance(item, CalendarDay):
            out[item.date] = item.name
        else:
            out[item] = ""
    return out


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    if explicit:
        return Path(explicit)
    env = os.environ.get("PROPDESK_CONFIG")
    if env:
        return Path(env)
    local = Path("propdesk.toml")
    return local if local.exists() else None


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate the site configuration; defaults when there is no file."""
    found = config_path(path)
    if found is None:
        return Config()
    try:
        raw = tomllib.loads(found.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError("config", f"{found}: no such file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("config", f"{found}: not valid TOML ({exc})") from exc
    return parse_config(raw, source=str(found))


def parse_config(raw: dict[str, Any], source: str = "propdesk.toml") -> Config:
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith(("date", "CalendarDay")))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        raise ConfigError(loc or "config", f"{msg} (in {source})") from exc
    for key in config.sla.policies:
        category, _, severity = key.partition(".")
        if not category or (severity and "." in severity):
            raise ConfigError(f"sla.policies.{key}", f"use 'category' or 'category.severity' "
                              f"(in {source})")
    config.working_calendar  # noqa: B018 - validates holiday/workday clashes now
    return config
