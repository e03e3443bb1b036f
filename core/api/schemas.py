"""Request bodies: validated by pydantic; a bad one is a 422 naming the field.

Each field's schema says what the service accepts (`core.api.fields`), so a body valid
per /openapi.json is never refused as malformed."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.api.fields import FILLED, optional, text, vocabulary, when
from core.labels import CHANNELS, COMPLAINT_SEVERITIES, FOLLOWUP_METHODS, NATURES, ROLES, SEVERITIES

Text = text(2000)
Name = optional(64)
When = when()
UNIT = r"^[0-9A-Za-z]+-[0-9A-Za-z]+-[0-9A-Za-z]+$"
PHONE = r"^\+?[0-9][0-9 -]{4,19}$"


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _complaint_needs_severity(schema: dict[str, Any]) -> None:
    """A complaint carries major, important or minor (SPEC §2); the schema says so."""
    major = list(dict.fromkeys(w for t in SEVERITIES if t.code in COMPLAINT_SEVERITIES
                               for w in (t.code, t.zh, t.en, *t.aliases)))
    urgent = [w for t in SEVERITIES if t.code == "urgent"
              for w in (t.code, t.zh, t.en, *t.aliases)]
    repair = ["repair", "报修", "repair request", "维修", "repair_request"]
    schema["allOf"] = [
        {"if": {"properties": {"category": {"enum": ["complaint", "投诉"]}},
                "required": ["category"]},
         "then": {"properties": {"severity": {"enum": major}}, "required": ["severity"]}},
        {"if": {"properties": {"severity": {"enum": urgent}}, "required": ["severity"]},
         "then": {"properties": {"category": {"enum": repair}}}}]


class TicketIn(Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_complaint_needs_severity)
    category: str = vocabulary("category", examples=["complaint", "投诉"])
    summary: str = Text
    severity: str | None = vocabulary(SEVERITIES, None)
    channel: str = vocabulary(CHANNELS, "phone")
    nature: str | None = vocabulary(NATURES, None)
    topic: str | None = Name
    unit: str | None = Field(default=None, max_length=32, pattern=UNIT)
    location: str | None = optional(128)
    reporter: str | None = Name
    by: str | None = optional(64, description="first-contact owner; default: the caller")
    answer: str | None = optional(2000)
    at: str | None = When


class AtIn(Body):
    at: str | None = When


class DispatchIn(AtIn):
    to: str = text(64)
    note: str | None = optional(2000)


class NoteIn(AtIn):
    note: str = Text


class ContactIn(NoteIn):
    method: str | None = Field(None, max_length=16, description="phone 电话, visit 上门, "
                               "sms 短信, wechat 微信, letter 信函, email 邮件")


class ResultIn(AtIn):
    result: str = Text


class ReportIn(AtIn):
    satisfied: bool
    satisfaction: int | None = Field(default=None, ge=1, le=5)
    signed: bool = False
    note: str | None = optional(2000)


class ReasonIn(AtIn):
    reason: str = Text


class ResumeIn(AtIn):
    reason: str | None = optional(2000)


def _something_to_change(schema: dict[str, Any]) -> None:
    schema["anyOf"] = [{"required": [name], "properties": {name: {"type": "string"}}}
                       for name in ("category", "severity", "nature", "topic")]


class ReclassifyIn(ReasonIn):
    """At least one of category, severity, nature, topic."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_something_to_change)
    category: str | None = vocabulary("category", None)
    severity: str | None = vocabulary(SEVERITIES, None)
    nature: str | None = vocabulary(NATURES, None)
    topic: str | None = optional(64)


class HandoverIn(AtIn):
    from_staff: str = Field(alias="from", min_length=1, max_length=64, pattern=FILLED)
    to: str = text(64)
    note: str | None = optional(2000)


class FollowupIn(AtIn):
    method: str = vocabulary(FOLLOWUP_METHODS)
    satisfaction: int = Field(ge=1, le=5)
    fixed: bool | None = None
    comment: str | None = optional(2000)


class UnitIn(Body):
    code: str = Field(min_length=5, max_length=32, pattern=UNIT, examples=["3-1-502"])
    owner: str | None = Name
    phone: str | None = Field(default=None, max_length=32, pattern=PHONE)


class StaffIn(Body):
    name: str = text(64)
    role: str = vocabulary(ROLES)
    department: str | None = optional(32)


class WebhookIn(Body):
    url: str = Field(min_length=8, max_length=512, pattern=r"^https?://[^\s\x00-\x1f\x7f-\x9f]+$")
    events: list[str] = Field(min_length=1, max_length=16)
    secret: str | None = Field(default=None, min_length=16, max_length=128)
    #: full phone numbers in the payloads: only a manager may grant it (recorded)
    unmasked: bool = False


class Out(BaseModel):
    """A response: the keys named are always there; more may be added (never removed)."""

    model_config = ConfigDict(extra="allow")


class ClockOut(Out):
    name: str
    round: int
    policy: str | None = None
    started_at: str | None = None
    due_at: str | None = None
    met_at: str | None = None
    breached_at: str | None = None
    paused: bool | None = None


class TicketOut(Out):
    """A ticket as its caller may see it (`propdesk ticket show --json`): phones masked
    for some roles; times ISO 8601 in site time; `events` on a single ticket."""

    number: str
    state: str
    version: int
    category: str
    severity: str | None = None
    nature: str | None = None
    channel: str | None = None
    topic: str | None = None
    unit: str | None = None
    contact_phone: str | None = None
    summary: str
    owner: str | None = None
    assignee: str | None = None
    department: str | None = None
    received_at: str | None = None
    closed_at: str | None = None
    deadlines: dict[str, str | None] = {}
    clocks: list[ClockOut] = []
    events: list[dict[str, Any]] | None = None


class HealthOut(Out):
    """`status` ok or degraded; `problems` names each failing part and why."""

    status: str
    problems: dict[str, str]
