"""A staffing scenario (TOML), validated in full before any run.

Every error is a `DomainError` naming the field (`arrivals.stream[2].category`), so a
manager who mistyped one number gets one line, not a traceback half-way into a run.
Times are in minutes except the answer target (seconds) and dates (site time).
Categories and channels accept the Chinese names (`投诉`, `电话`).
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.config import Config, load_config
from core.errors import DomainError
from core.labels import CHANNELS, NATURES, SEVERITIES, builtin_categories
from core.sla import Duration
from simulations.distributions import Dist, exponential

CATEGORIES = builtin_categories()
LIVE_CHANNELS = ("phone", "walk_in")  # a person waits on the line or at the counter
ROUTES = ("desk", "technician", "department")
DEFAULT_ROUTES = {"repair": "technician", "complaint": "department",
                  "public_safety": "department", "paid_service": "department"}
#: follow-up deadlines after closing (SPEC §4); keys like `config.policy_for`
DEFAULT_FOLLOWUP_WITHIN = {"complaint": "3wd", "repair": "10wd", "repair.urgent": "24h",
                           "paid_service": "1wd", "default": "10wd"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _hhmm(value: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not a time of day: {value!r} (use HH:MM)") from None


class ScenarioSection(_Strict):
    name: str = "staffing study 排班研究"
    #: first day simulated, at 00:00 site time
    start: date = date(2026, 9, 28)
    days: int = Field(7, ge=1, le=3660)
    seed: int = Field(1, ge=0)
    interval_minutes: int = 60
    warmup_hours: float = Field(0, ge=0)
    #: after the last arrival the model keeps running (shifts repeat) to finish open work
    drain_days: int = Field(14, ge=0, le=60)
    #: a propdesk.toml whose SLA policies, follow-up rates and calendar apply
    config: str | None = None

    @field_validator("interval_minutes")
    @classmethod
    def _interval(cls, value: int) -> int:
        if value <= 0 or 1440 % value:
            raise ValueError("must divide a day (e.g. 15, 30, 60)")
        return value


class Stream(_Strict):
    """Arrivals of one channel and category: a weekly volume shaped, or 168 hourly rates."""

    channel: str
    category: str
    severity: str | None = None
    #: as the desk would record them; a site's `select_sla_policy` may read them
    nature: str | None = None
    topic: str | None = None
    skill: str | None = None
    per_week: float | None = Field(None, ge=0)
    per_hour: list[float] | None = None
    #: mean arrivals in each hour from the scenario's start (`sim calibrate --weeks`)
    forecast: list[float] | None = None

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        return _parse(CHANNELS, value)

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        return _parse(CATEGORIES, value)

    @field_validator("severity")
    @classmethod
    def _severity(cls, value: str | None) -> str | None:
        return None if value is None else _parse(SEVERITIES, value)

    @field_validator("nature")
    @classmethod
    def _nature(cls, value: str | None) -> str | None:
        return None if value is None else _parse(NATURES, value)

    @field_validator("per_hour")
    @classmethod
    def _hours(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and (len(value) != 168 or min(value) < 0):
            raise ValueError("needs 168 non-negative rates (Monday 00:00 first)")
        return value

    @field_validator("forecast")
    @classmethod
    def _forecast(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and (not value or min(value) < 0):
            raise ValueError("needs non-negative hourly rates from the start")
        return value

    @model_validator(mode="after")
    def _one(self) -> Stream:
        given = [self.per_week, self.per_hour, self.forecast]
        if sum(v is not None for v in given) != 1:
            raise ValueError("give exactly one of per_week, per_hour and forecast")
        return self

    @property
    def urgent(self) -> bool:
        return self.category == "repair" and self.severity == "urgent"


def _parse(vocab: Any, value: str) -> str:
    try:
        return vocab.parse(value)
    except DomainError as exc:
        raise ValueError(exc.message) from None


class ArrivalsSection(_Strict):
    #: relative shape by hour of day and by weekday (Mon..Sun), each scaled to mean 1
    daily: list[float] = Field(default_factory=lambda: [1.0] * 24)
    weekly: list[float] = Field(default_factory=lambda: [1.0] * 7)
    stream: list[Stream] = Field(default_factory=list)

    @field_validator("daily")
    @classmethod
    def _daily(cls, value: list[float]) -> list[float]:
        if len(value) != 24 or min(value) < 0 or sum(value) <= 0:
            raise ValueError("needs 24 non-negative numbers, not all zero")
        return value

    @field_validator("weekly")
    @classmethod
    def _weekly(cls, value: list[float]) -> list[float]:
        if len(value) != 7 or min(value) < 0 or sum(value) <= 0:
            raise ValueError("needs 7 non-negative numbers (Monday first), not all zero")
        return value

    @model_validator(mode="after")
    def _some(self) -> ArrivalsSection:
        if not self.stream:
            raise ValueError("needs at least one [[arrivals.stream]]")
        return self


class ChannelParams(_Strict):
    #: live: the customer waits (phone line, counter); else a backlog worked when free
    live: bool | None = None
    #: how long a waiting customer stays before hanging up; none = waits for ever
    patience: Dist | None = None
    callback_share: float = Field(0.0, ge=0, le=1)
    callback_after: Dist = Field(default_factory=lambda: exponential(10))


class CategoryParams(_Strict):
    handle: Dist = Field(default_factory=lambda: exponential(4))
    route: Literal["desk", "technician", "department"] | None = None
    #: department route: first reply this long after the call (wall clock)
    reply_after: Dist = Field(default_factory=lambda: exponential(60))
    #: department route: resolved after this much working time (business hours)
    resolve_after: Dist = Field(default_factory=lambda: exponential(480))


class Shift(_Strict):
    name: str
    start: str
    end: str
    #: agents per shift, or 7 numbers by the weekday the shift starts (Monday first)
    staff: int | list[int] = 1

    @field_validator("start", "end")
    @classmethod
    def _time(cls, value: str) -> str:
        _hhmm(value)
        return value

    @field_validator("staff")
    @classmethod
    def _staff(cls, value: int | list[int]) -> int | list[int]:
        values = value if isinstance(value, list) else [value]
        if isinstance(value, list) and len(value) != 7:
            raise ValueError("needs one number or 7 (Monday first)")
        if min(values) < 0:
            raise ValueError("must not be negative")
        return value

    @property
    def start_min(self) -> int:
        t = _hhmm(self.start)
        return t.hour * 60 + t.minute

    @property
    def length_min(self) -> int:
        """Minutes on duty; an end at or before the start crosses midnight."""
        t = _hhmm(self.end)
        end = t.hour * 60 + t.minute
        return (end - self.start_min) % 1440 or 1440

    def staff_by_day(self) -> list[int]:
        return list(self.staff) if isinstance(self.staff, list) else [self.staff] * 7


class AgentsSection(_Strict):
    #: a constant number of agents, always on duty (the M/M/c validation); else shifts
    fixed: int | None = Field(None, ge=1)
    shift: list[Shift] = Field(default_factory=list)
    min_staff: int = Field(1, ge=0)
    max_staff: int = Field(80, ge=1)
    #: agents per [day from the start][shift], e.g. a named rota's head counts (`sim rota`);
    #: days past its end (the drain) fall back to the shifts' weekly `staff`
    by_day: list[list[int]] | None = None

    @model_validator(mode="after")
    def _one(self) -> AgentsSection:
        if (self.fixed is None) == (not self.shift):
            raise ValueError("give either fixed or at least one [[agents.shift]]")
        return self

    @model_validator(mode="after")
    def _by_day(self) -> AgentsSection:
        for row in self.by_day or []:
            if len(row) != len(self.shift) or min(row, default=0) < 0:
                raise ValueError("by_day: each day needs one non-negative number per shift")
        return self


class DutiesSection(_Strict):
    """Fixed duties that take agents off the queue (SPEC §7)."""

    study_minutes: float = Field(30, ge=0)
    #: the first agent of a shift starts study this long after the shift starts; others follow
    study_after_minutes: float = Field(120, ge=0)
    #: incoming agents hand over this long; outgoing ones stay on the queue meanwhile
    handover_minutes: float = Field(10, ge=0, le=120)
    followup_handle: Dist = Field(default_factory=lambda: exponential(3))
    #: follow-up rates by category; absent means the site config's `followup.rates`
    followup_rates: dict[str, float] | None = None
    followup_within: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_FOLLOWUP_WITHIN))

    @field_validator("followup_within")
    @classmethod
    def _within(cls, value: dict[str, str]) -> dict[str, str]:
        for text in value.values():
            Duration.parse(text)
        return value

    @field_validator("followup_rates")
    @classmethod
    def _rates(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        for key, rate in (value or {}).items():
            if not 0 <= rate <= 1:
                raise ValueError(f"rate for {key!r} must be between 0 and 1")
        return value


class Skill(_Strict):
    name: str
    shift: list[Shift]
    travel: Dist = Field(default_factory=lambda: exponential(15))
    work: Dist = Field(default_factory=lambda: exponential(60))
    #: share of repair tickets for this skill (streams may name a skill instead)
    share: float = Field(1.0, ge=0)


class TechniciansSection(_Strict):
    skill: list[Skill] = Field(default_factory=list)


class Surge(_Strict):
    """A burst of demand: a storm multiplies leak reports (repairs) ×3 for 12 hours."""

    name: str
    start: datetime
    hours: float = Field(gt=0)
    factor: float = Field(gt=0)
    category: str | None = None
    channel: str | None = None

    @field_validator("category")
    @classmethod
    def _category(cls, value: str | None) -> str | None:
        return None if value is None else _parse(CATEGORIES, value)

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        return None if value is None else _parse(CHANNELS, value)


class TargetsSection(_Strict):
    answer_within_s: float = Field(20, gt=0)
    service_level: float = Field(0.8, gt=0, le=1)
    sl_channels: list[str] = Field(default_factory=lambda: ["phone"])
    #: "day": every day must meet the service level; "horizon": the whole run
    sl_scope: Literal["day", "horizon"] = "day"
    max_abandon: float | None = Field(None, ge=0, le=1)
    deadline_attainment: float = Field(0.95, gt=0, le=1)
    followup_attainment: float = Field(0.95, gt=0, le=1)
    #: a roster is good when this share of replications meets every target
    replication_share: float = Field(0.95, gt=0, le=1)

    @field_validator("sl_channels")
    @classmethod
    def _channels(cls, value: list[str]) -> list[str]:
        return [_parse(CHANNELS, v) for v in value]


class Scenario(_Strict):
    scenario: ScenarioSection = Field(default_factory=ScenarioSection)
    arrivals: ArrivalsSection
    channels: dict[str, ChannelParams] = Field(default_factory=dict)
    categories: dict[str, CategoryParams] = Field(default_factory=dict)
    agents: AgentsSection
    duties: DutiesSection = Field(default_factory=DutiesSection)
    technicians: TechniciansSection = Field(default_factory=TechniciansSection)
    surge: list[Surge] = Field(default_factory=list)
    targets: TargetsSection = Field(default_factory=TargetsSection)

    @field_validator("channels")
    @classmethod
    def _channel_keys(cls, value: dict[str, ChannelParams]) -> dict[str, ChannelParams]:
        return {_parse(CHANNELS, k): v for k, v in value.items()}

    @field_validator("categories")
    @classmethod
    def _category_keys(cls, value: dict[str, CategoryParams]) -> dict[str, CategoryParams]:
        return {_parse(CATEGORIES, k): v for k, v in value.items()}

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        skills = {s.name for s in self.technicians.skill}
        for i, stream in enumerate(self.arrivals.stream):
            if self.route(stream.category) == "technician" and not skills:
                raise _FieldError(f"arrivals.stream[{i}].category",
                                  "routes to technicians but [[technicians.skill]] is empty")
            if stream.skill is not None and stream.skill not in skills:
                raise _FieldError(f"arrivals.stream[{i}].skill",
                                  f"unknown skill {stream.skill!r}; one of {sorted(skills)}")
        for i, stream in enumerate(self.arrivals.stream):
            if stream.forecast is not None and len(stream.forecast) < self.hours:
                raise _FieldError(f"arrivals.stream[{i}].forecast",
                                  f"has {len(stream.forecast)} hours; the run needs "
                                  f"{self.hours} (scenario.days × 24)")
        if self.technicians.skill and sum(s.share for s in self.technicians.skill) <= 0:
            raise _FieldError("technicians.skill", "shares must not all be zero")
        if self.agents.min_staff > self.agents.max_staff:
            raise _FieldError("agents.min_staff", "is above agents.max_staff")
        return self

    # ---- derived views used by the model -------------------------------------------

    @property
    def hours(self) -> int:
        return self.scenario.days * 24

    def channel(self, code: str) -> ChannelParams:
        return self.channels.get(code) or ChannelParams()

    def is_live(self, code: str) -> bool:
        live = self.channel(code).live
        return code in LIVE_CHANNELS if live is None else live

    def category(self, code: str) -> CategoryParams:
        return self.categories.get(code) or CategoryParams()

    def route(self, code: str) -> str:
        return self.category(code).route or DEFAULT_ROUTES.get(code, "desk")

    @cached_property
    def site(self) -> Config:
        return load_config(self.scenario.config) if self.scenario.config else Config()

    def start_at(self) -> datetime:
        return datetime.combine(self.scenario.start, time(0), tzinfo=self.site.tz)

    def rates(self) -> np.ndarray:
        """Mean arrivals per hour, shape (hours, streams), surges included."""
        a = self.arrivals
        daily = np.asarray(a.daily) / np.mean(a.daily)
        weekly = np.asarray(a.weekly) / np.mean(a.weekly)
        week_shape = (weekly[:, None] * daily[None, :]).ravel()  # Monday 00:00 first
        first = self.scenario.start.weekday() * 24
        how = (first + np.arange(self.hours)) % 168
        out = np.empty((self.hours, len(a.stream)))
        for j, s in enumerate(a.stream):
            if s.forecast is not None:
                out[:, j] = np.asarray(s.forecast[:self.hours])
            elif s.per_hour is not None:
                out[:, j] = np.asarray(s.per_hour)[how]
            else:
                out[:, j] = (s.per_week or 0.0) / 168 * week_shape[how]
        start = self.start_at()
        for surge in self.surge:
            begin = (surge.start.replace(tzinfo=self.site.tz) - start) / timedelta(hours=1)
            cols = [j for j, s in enumerate(a.stream)
                    if surge.category in (None, s.category) and surge.channel in (None, s.channel)]
            for h in range(max(0, int(np.floor(begin))),
                           min(self.hours, int(np.ceil(begin + surge.hours)))):
                overlap = min(h + 1, begin + surge.hours) - max(h, begin)
                out[h, cols] *= 1 + (surge.factor - 1) * overlap
        return out

    def followup_rate(self, category: str, severity: str | None) -> float:
        rates = self.duties.followup_rates or self.site.followup.rates
        for key in (f"{category}.{severity}" if severity else None, category, "default"):
            if key and key in rates:
                return rates[key]
        return 0.0

    def followup_within(self, category: str, severity: str | None) -> Duration | None:
        table = self.duties.followup_within
        for key in (f"{category}.{severity}" if severity else None, category, "default"):
            if key and key in table:
                return Duration.parse(table[key])
        return None

    def with_roster(self, agents: list[list[int]] | None = None,
                    technicians: list[list[list[int]]] | None = None) -> Scenario:
        """A copy with other staff numbers: agents[shift][weekday], technicians[skill][shift]."""
        data = self.model_dump()
        if agents is not None:
            for shift, staff in zip(data["agents"]["shift"], agents, strict=True):
                shift["staff"] = list(staff)
        if technicians is not None:
            for skill, shifts in zip(data["technicians"]["skill"], technicians, strict=True):
                for shift, staff in zip(skill["shift"], shifts, strict=True):
                    shift["staff"] = list(staff)
        return Scenario.model_validate(data)


class _FieldError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def parse_scenario(raw: dict[str, Any], source: str = "scenario") -> Scenario:
    """Validate a scenario mapping; raise `DomainError` naming the first bad field."""
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, _FieldError):
            raise DomainError(cause.field, f"{cause} (in {source})") from None
        loc = _loc(err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required"
        raise DomainError(loc or "scenario", f"{msg} (in {source})") from None
    try:
        scenario.site  # noqa: B018 - a bad site config is the scenario's error too
    except DomainError as exc:
        raise DomainError(f"scenario.config ({exc.field})", exc.message) from None
    return scenario


def _loc(parts: tuple[int | str, ...]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("int", "list[int]", "function-after[_time(), str]") or "[" in str(part):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file."""
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DomainError("scenario", f"{p}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise DomainError("scenario", f"{p}: not valid TOML ({exc})") from None
    return parse_scenario(raw, source=str(p))


SAMPLE = Path(__file__).parent / "scenarios" / "sample.toml"


def sample_scenario() -> Scenario:
    """The packaged example site: a mid-size residential estate, one week."""
    return load_scenario(SAMPLE)
