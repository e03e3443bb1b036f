"""Request bodies: validated by pydantic; a bad one is a 422 naming the field."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Text = Field(min_length=1, max_length=2000)
Name = Field(default=None, max_length=64)
When = Field(default=None, max_length=40, description="ISO 8601; naive means site time")


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TicketIn(Body):
    category: str = Field(max_length=32, examples=["complaint", "投诉"])
    summary: str = Text
    severity: str | None = Field(default=None, max_length=16)
    channel: str = Field(default="phone", max_length=16)
    nature: str | None = Field(default=None, max_length=16)
    topic: str | None = Name
    unit: str | None = Field(default=None, max_length=32)
    location: str | None = Field(default=None, max_length=128)
    reporter: str | None = Name
    by: str | None = Field(default=None, max_length=64,
                           description="first-contact owner; default: the caller")
    answer: str | None = Field(default=None, max_length=2000)
    at: str | None = When


class AtIn(Body):
    at: str | None = When


class DispatchIn(AtIn):
    to: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=2000)


class NoteIn(AtIn):
    note: str = Text


class ResultIn(AtIn):
    result: str = Text


class ReportIn(AtIn):
    satisfied: bool
    satisfaction: int | None = Field(default=None, ge=1, le=5)
    signed: bool = False
    note: str | None = Field(default=None, max_length=2000)


class ReasonIn(AtIn):
    reason: str = Text


class ResumeIn(AtIn):
    reason: str | None = Field(default=None, max_length=2000)


class ReclassifyIn(ReasonIn):
    category: str | None = Field(default=None, max_length=32)
    severity: str | None = Field(default=None, max_length=16)
    nature: str | None = Field(default=None, max_length=16)


class HandoverIn(AtIn):
    from_staff: str = Field(alias="from", min_length=1, max_length=64)
    to: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=2000)


class FollowupIn(AtIn):
    method: str = Field(max_length=16)
    satisfaction: int = Field(ge=1, le=5)
    fixed: bool | None = None
    comment: str | None = Field(default=None, max_length=2000)


class UnitIn(Body):
    code: str = Field(min_length=1, max_length=32)
    owner: str | None = Name
    phone: str | None = Field(default=None, max_length=32)


class StaffIn(Body):
    name: str = Field(min_length=1, max_length=64)
    role: str = Field(max_length=16)
    department: str | None = Field(default=None, max_length=32)


class WebhookIn(Body):
    url: str = Field(min_length=8, max_length=512, pattern=r"^https?://")
    events: list[str] = Field(min_length=1, max_length=16)
    secret: str | None = Field(default=None, min_length=16, max_length=128)


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
