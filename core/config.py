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

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

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

    @field_validator("close_of_business")
    @classmethod
    def _after_opening(cls, value: time, info: ValidationInfo) -> time:
        opens = info.data.get("open_of_business")
        if opens is not None and opens >= value:
            raise ValueError(f"{value:%H:%M} is not after open_of_business ({opens:%H:%M})")
        return value

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
    #: the communication clock (SPEC §3; seed 001 G4 "三天未完成留有沟通记录"): a repair
    #: unfinished after this long needs a logged contact with the owner after the first
    #: reply. Keys "category.severity" or "category". "3d": the seed says 三天 (days), where
    #: it means working days it says 工作日 (3个工作日内, seed 004)
    communication: dict[str, str] = Field(default_factory=lambda: {"repair": "3d"})

    @field_validator("reopen", "communication")
    @classmethod
    def _reopen(cls, value: dict[str, str]) -> dict[str, str]:
        for text in value.values():
            if text not in ("", "none"):  # "none": this category has no such clock
                Duration.parse(text)
        return value


def _check_durations(value: dict[str, str] | str | None) -> Any:
    for text in ([value] if isinstance(value, str) else (value or {}).values()):
        Duration.parse(text)
    return value


class FollowupSection(_Strict):
    """SPEC §4: who is followed up (回访), when, by whom."""

    rates: dict[str, float] = Field(default_factory=lambda: {
        "complaint": 1.0, "repair": 0.3, "paid_service": 1.0, "default": 0.1})
    in_person_min: float = Field(0.01, ge=0, le=1)
    #: the sample is a pure function of (seed, ticket number, round): reproducible and fair
    seed: int = 20260101
    #: followed up whatever the rate: "category.severity", "category.topic", "category.nature"
    always: list[str] = Field(default_factory=lambda: [
        "repair.urgent", "repair.water_leak", "repair.important"])
    #: how long after resolution (complaints: after closing) the follow-up is due
    #: "default": information other than complaints and repairs, a week after handling
    #: (物业服务回访: 问题处理后一周内回访)
    within: dict[str, str] = Field(default_factory=lambda: {
        "complaint": "3wd", "repair": "10wd", "paid_service": "1wd", "default": "7d"})
    #: complaints: a tracked first call after intake (前台接单后 24 小时回访); "" turns it off
    first_call: str | None = "24h"
    #: special-service agreements: follow-ups due this long after the middle and after the
    #: end of the agreement (特约服务协议实施中期及结束后); "" turns them off
    agreement: str | None = "1wd"
    #: a "dissatisfied" survey answer: followed up in person by the responsible
    #: professional within this time (客户问卷调查不满意项 100% 上门回访); "" turns it off
    survey: str | None = "5wd"
    urgent: str = "24h"                # emergency repairs (急修)
    after_rain: str = "1wd"            # leak repairs: after the first rainy day
    second: str = "60d"                # major engineering repairs: a second follow-up
    after_redo: str = "24h"            # a repair redone after a dissatisfied answer
    attempts: int = Field(3, ge=1)     # unreachable attempts before escalation
    retry_after: str = "4h"

    @field_validator("rates")
    @classmethod
    def _rates(cls, value: dict[str, float]) -> dict[str, float]:
        for key, rate in value.items():
            if not 0 <= rate <= 1:
                raise ValueError(f"rate for {key!r} must be between 0 and 1, got {rate}")
        return value

    _durations = field_validator("within", "first_call", "urgent", "after_rain", "second",
                                 "after_redo", "retry_after", "agreement",
                                 "survey")(_check_durations)

    @field_validator("first_call", "agreement", "survey", mode="before")
    @classmethod
    def _off(cls, value: Any) -> Any:
        return None if value in ("", "none", "off", False) else value

    def rate_for(self, category: str, keys: list[str]) -> tuple[str, float]:
        """The rate that applies: an `always` key, then the category's rate, then default."""
        for key in keys:
            if key in self.always:
                return key, 1.0
        if category in self.rates:
            return category, self.rates[category]
        return "default", self.rates.get("default", 0.0)


class WarningsSection(_Strict):
    """SPEC §5 warnings; the SPEC gives "3 or more times", the rest are site defaults."""

    rising_ratio: float = Field(0.2, ge=0)   # complaints up 20 % or more on a comparison
    rising_min: int = Field(5, ge=1)         # ... and by at least this many
    repeat_count: int = Field(3, ge=2)       # the same matter 3 or more times → CAPA
    repeat_window: str = "90d"
    group_households: int = Field(3, ge=2)   # N households on one topic within T → 群诉风险
    group_window: str = "24h"
    group_categories: list[str] = Field(default_factory=lambda: ["complaint", "issue_report"])

    _durations = field_validator("repeat_window", "group_window")(_check_durations)


class TopicDef(_Strict):
    zh: str
    en: str
    keywords: list[str] = Field(default_factory=list)


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


class PluginsSection(BaseModel):
    """`[plugins]`; each `[plugins.<name>]` table holds a plugin's settings, validated by
    the model it declares (`register_config`) once the plugins are loaded."""

    model_config = ConfigDict(extra="allow", frozen=True)

    #: names of plugins to load; empty means every installed plugin
    enabled: list[str] = Field(default_factory=list)
    #: a folder of site plugins (*.py files) loaded on top of the installed ones
    dir: str | None = None

    @model_validator(mode="after")
    def _tables_only(self) -> PluginsSection:
        for name, value in (self.model_extra or {}).items():
            if not isinstance(value, dict):
                raise ValueError(f"unknown key {name!r}; a plugin's settings go in a "
                                 f"[plugins.{name}] table")
        return self

    def tables(self) -> dict[str, dict[str, Any]]:
        """The `[plugins.<name>]` tables, by name."""
        return dict(self.model_extra or {})


class ServiceSection(_Strict):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    #: seconds between passes of the SLA watcher
    watch_interval: float = Field(30, gt=0)
    #: largest request body accepted (bytes)
    body_limit: int = Field(64 * 1024, ge=1024)
    webhook_timeout: float = Field(5, gt=0)
    webhook_max_attempts: int = Field(8, ge=1, le=50)
    #: first retry after this many seconds, doubling each time
    webhook_backoff: float = Field(10, gt=0)
    #: an API token, once checked, is trusted this many seconds; a revocation made by
    #: another process (the CLI) takes effect within this time, one made here at once
    token_cache_seconds: float = Field(5, ge=0, le=300)
    #: most intake requests written in one transaction (`core.intake_queue`)
    intake_batch: int = Field(64, ge=1, le=1000)
    #: an API token expires this many days after it is made (`token create --expires`
    #: overrides it for one token); 0: tokens do not expire
    token_days: float = Field(90, ge=0, le=3650)
    #: `/health` is 503 when the database's disk has less room than this (bytes)
    min_free_bytes: int = Field(100 * 1024 * 1024, ge=0)
    #: receivers posted to at once, each in its own lane (a slow one delays only itself)
    webhook_lanes: int = Field(16, ge=1, le=256)
    #: largest photo or file on a ticket (bytes); the upload route's body limit
    attachment_limit: int = Field(10 * 1024 * 1024, ge=1024)
    #: the attachment store (default: attachments/ beside a SQLite file)
    attachments_dir: str | None = None


class Config(_Strict):
    site: SiteSection = Field(default_factory=SiteSection)
    sla: SLASection = Field(default_factory=SLASection)
    followup: FollowupSection = Field(default_factory=FollowupSection)
    calendar: CalendarSection = Field(default_factory=CalendarSection)
    tickets: TicketsSection = Field(default_factory=TicketsSection)
    plugins: PluginsSection = Field(default_factory=PluginsSection)
    service: ServiceSection = Field(default_factory=ServiceSection)
    warnings: WarningsSection = Field(default_factory=WarningsSection)
    #: extra topics or keywords on top of the default taxonomy (`core.topics`)
    topics: dict[str, TopicDef] = Field(default_factory=dict)

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
        return Duration.parse(text) if text and text != "none" else None

    def communication_duration(self, category: str, severity: str | None) -> Duration | None:
        """The communication clock of a ticket (`[sla] communication`); None: it has none."""
        table = self.sla.communication
        text = table.get(f"{category}.{severity}") if severity else None
        text = text if text is not None else table.get(category)
        return Duration.parse(text) if text and text != "none" else None


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
    except UnicodeDecodeError as exc:  # e.g. saved as GBK by a Chinese Windows editor
        raise ConfigError("config", f"{found}: not UTF-8 text (byte {exc.object[exc.start]:#04x} "
                          f"at offset {exc.start}); save it as UTF-8") from None
    except (IsADirectoryError, PermissionError) as exc:
        raise ConfigError("config", f"{found}: cannot read it ({exc.strerror})") from None
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
