"""Tables of the community-events plugin (社区文化活动), on the shared `Base`.

Times are UTC (`UTCDateTime`). The purge log is append-only (database triggers), so the
record that an event's personal data was removed outlives the data itself.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false, text, true
from sqlalchemy.orm import Mapped, mapped_column

from core.kit import Base


class EventSetting(Base):
    """Plugin-level settings (the core config is strict and not ours to extend)."""

    __tablename__ = "events_settings"
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))


class EventPlan(Base):
    """The annual plan: the December survey's results and the approval."""

    __tablename__ = "events_plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    survey: Mapped[str | None] = mapped_column(Text)
    survey_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    #: who drew the plan up (None: the site operator); they do not approve it
    created_by: Mapped[str | None] = mapped_column(String(64))


class Event(Base):
    """One event and its proposal (organisation, content, promotion, budget, risk plan)."""

    __tablename__ = "events_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(128))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    own: Mapped[bool] = mapped_column(default=True, server_default=true())
    large: Mapped[bool] = mapped_column(default=False, server_default=false())
    organisation: Mapped[str | None] = mapped_column(Text)
    content: Mapped[str | None] = mapped_column(Text)
    promotion: Mapped[str | None] = mapped_column(Text)
    budget: Mapped[int | None]
    risk_plan: Mapped[str | None] = mapped_column(Text)
    per_household: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    waitlist: Mapped[bool] = mapped_column(default=True, server_default=true())
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None]
    override_reason: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    cancelled_by: Mapped[str | None] = mapped_column(String(64))
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(Text)


class EventSession(Base):
    """A visit or sitting of an event with its own capacity (e.g. 30 visitors a visit)."""

    __tablename__ = "events_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events_events.id"), index=True)
    starts_at: Mapped[datetime]
    capacity: Mapped[int]
    place: Mapped[str | None] = mapped_column(String(128))
    reminded_at: Mapped[datetime | None]


class Registration(Base):
    """One seat asked for by a household: confirmed, waiting, cancelled, attended, no_show."""

    __tablename__ = "events_registrations"
    __table_args__ = (Index("ix_events_reg_session_status", "session_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("events_sessions.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    name: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    changed_at: Mapped[datetime]
    by: Mapped[str | None] = mapped_column(String(64))


class Survey(Base):
    """A satisfaction answer (1–5) from a household that took part in a large event."""

    __tablename__ = "events_surveys"
    __table_args__ = (UniqueConstraint("event_id", "unit_id", name="uq_events_survey_unit"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events_events.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    score: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]


class Notice(Base):
    """Outbox of confirmations and reminders, written in the same transaction as the change;
    an SMS or WeChat sender reads the unsent ones and marks them sent."""

    __tablename__ = "events_notices"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events_events.id"), index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("events_registrations.id"))
    kind: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class PurgeLog(Base):
    """What the retention purge removed and when (append-only)."""

    __tablename__ = "events_purge_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_title: Mapped[str] = mapped_column(String(128))
    event_at: Mapped[datetime]
    registrations: Mapped[int]
    surveys: Mapped[int]
    purged_at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(64))


MODELS = [EventSetting, EventPlan, Event, EventSession, Registration, Survey, Notice, PurgeLog]
