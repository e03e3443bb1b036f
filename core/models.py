"""SQLAlchemy 2.0 models of the core: units, staff, tickets, their history and SLA clocks.

Times are stored in UTC (`UTCDateTime`); the site's zone is applied on display.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend (SQLite has no zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)

    def bind_processor(self, dialect: Any) -> Any:
        """On SQLite, convert and format in one step (SQLAlchemy's own storage format)."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            v = value if value.tzinfo is UTC else value.astimezone(UTC)
            return v.replace(tzinfo=None).isoformat(" ", "microseconds")
        return process


class Base(DeclarativeBase):
    """The shared metadata: plugins add their tables here through `register_models`."""

    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Unit(Base):
    """A dwelling: code `3-1-502` = building 3, entrance 1, room 502."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    building: Mapped[str] = mapped_column(String(16), index=True)
    owner_name: Mapped[str | None] = mapped_column(String(64))
    owner_phone: Mapped[str | None] = mapped_column(String(32))


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    department: Mapped[str | None] = mapped_column(String(32), index=True)
    active: Mapped[bool] = mapped_column(default=True, server_default=true())


class Ticket(Base):
    """One piece of customer information, owned by whoever first received it (首接人)."""

    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    nature: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str | None] = mapped_column(String(16))
    topic: Mapped[str | None] = mapped_column(String(64))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    location: Mapped[str | None] = mapped_column(String(128))
    reporter: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    department: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    result: Mapped[str | None] = mapped_column(Text)
    satisfied: Mapped[bool | None]
    reopen_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    escalation_level: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    received_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    #: optimistic concurrency: every action bumps it; a stale `If-Match` gets 409
    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))

    unit: Mapped[Unit | None] = relationship(lazy="joined")
    owner: Mapped[Staff] = relationship(foreign_keys=[owner_id], lazy="joined")
    assignee: Mapped[Staff | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    clocks: Mapped[list[SLAClock]] = relationship(
        back_populates="ticket", order_by="SLAClock.id", cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_tickets_state", "state"),
        Index("ix_tickets_owner_state", "owner_id", "state"),
        Index("ix_tickets_assignee_state", "assignee_id", "state"),
        Index("ix_tickets_unit", "unit_id"),
        Index("ix_tickets_received", "received_at"),
    )


class TicketEvent(Base):
    """The append-only history (a trigger refuses UPDATE and DELETE): the legal record."""

    __tablename__ = "ticket_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    recorded_at: Mapped[datetime]

    __table_args__ = (Index("ix_events_ticket", "ticket_id", "id"),)


class SLAClock(Base):
    """One deadline of a ticket; a reopened ticket gets a new `round` of its resolve clock."""

    __tablename__ = "sla_clocks"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    clock: Mapped[str] = mapped_column(String(16))
    round: Mapped[int] = mapped_column(default=1)
    policy: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    due_at: Mapped[datetime]
    #: tracked while the clock runs; null for clocks imported already met
    at_risk_at: Mapped[datetime | None]
    met_at: Mapped[datetime | None]
    at_risk_noted_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    paused_since: Mapped[datetime | None]
    pauses: Mapped[list[Any]] = mapped_column(default=list)

    ticket: Mapped[Ticket] = relationship(back_populates="clocks")

    __table_args__ = (
        UniqueConstraint("ticket_id", "clock", "round", name="uq_clock_round"),
        # the overdue / at-risk lists read only running clocks
        Index("ix_clocks_running_due", "due_at",
              sqlite_where=text("met_at IS NULL AND paused_since IS NULL"),
              postgresql_where=text("met_at IS NULL AND paused_since IS NULL")),
        Index("ix_clocks_running_risk", "at_risk_at",
              sqlite_where=text("met_at IS NULL AND paused_since IS NULL"),
              postgresql_where=text("met_at IS NULL AND paused_since IS NULL")),
        Index("ix_clocks_ticket", "ticket_id"),
    )


class Followup(Base):
    """A follow-up call or visit (回访) and the customer's verdict."""

    __tablename__ = "followups"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(16))
    satisfaction: Mapped[int]
    fixed: Mapped[bool | None]
    comment: Mapped[str | None] = mapped_column(Text)


class Counter(Base):
    """Daily sequences for readable ticket numbers (GD-20261001-0007)."""

    __tablename__ = "counters"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class ApiToken(Base):
    """An API token of a staff member; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    #: refused from then on (`[service] token_days`, or `token create --expires`)
    expires_at: Mapped[datetime | None]
    #: when it last opened a request (written at most once a minute)
    last_used_at: Mapped[datetime | None]

    staff: Mapped[Staff] = relationship(lazy="joined")


class IdempotencyKey(Base):
    """`Idempotency-Key` of a `POST /tickets`: a retried request returns the same ticket."""

    __tablename__ = "idempotency_keys"
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    created_at: Mapped[datetime]


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(512))
    secret: Mapped[str] = mapped_column(String(128))
    events: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime]
    #: full phone numbers in payloads: granted by a manager, recorded (who, when)
    unmasked: Mapped[bool] = mapped_column(default=False, server_default=false())
    unmasked_by: Mapped[str | None] = mapped_column(String(64))
    unmasked_at: Mapped[datetime | None]


class HealthProbe(Base):
    """`/health` inserts a row here and rolls it back: a real write, nothing kept."""

    __tablename__ = "health_probes"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    pad: Mapped[str] = mapped_column(Text)


class WebhookDelivery(Base):
    """One event for one subscriber: the outbox the delivery worker drains with retries."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id"))
    event: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_deliveries_due", "status", "next_attempt_at"),)


# --------------------------------------------------------------------------- follow-ups, warnings

_OPEN_TASK = text("status = 'open'")


class FollowupTask(Base):
    """One follow-up the queue owes a ticket, or the recorded decision not to sample it.

    `status`: waiting (for the ticket's closing or the first rainy day), open (its clock
    runs), done, skipped (not drawn: `draw` ≥ `rate`), cancelled (the ticket reopened).
    The clock columns mirror `SLAClock` so the deadline check treats both alike.
    """

    __tablename__ = "followup_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    kind: Mapped[str] = mapped_column(String(16))
    round: Mapped[int] = mapped_column(default=0)
    category: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    waits_for: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(64))
    rate: Mapped[float | None]
    draw: Mapped[float | None]
    owner_role: Mapped[str] = mapped_column(String(16))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    method: Mapped[str | None] = mapped_column(String(16))
    policy: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    at_risk_at: Mapped[datetime | None]
    at_risk_noted_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    next_attempt_at: Mapped[datetime | None]
    escalation_level: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    done_at: Mapped[datetime | None]
    followup_id: Mapped[int | None] = mapped_column(ForeignKey("followups.id"))

    ticket: Mapped[Ticket] = relationship(lazy="joined")
    assignee: Mapped[Staff | None] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("ticket_id", "kind", "round", name="uq_followup_task"),
        Index("ix_followup_tasks_ticket", "ticket_id"),
        Index("ix_followup_tasks_open_due", "due_at", sqlite_where=_OPEN_TASK,
              postgresql_where=_OPEN_TASK),
        Index("ix_followup_tasks_open_risk", "at_risk_at", sqlite_where=_OPEN_TASK,
              postgresql_where=_OPEN_TASK),
        Index("ix_followup_tasks_category_created", "category", "created_at"),
        Index("ix_followup_tasks_waiting", "status", "waits_for"),
    )


class RainyDay(Base):
    """A day the site marked rainy: leak repairs are followed up after the first one (SPEC §4)."""

    __tablename__ = "rainy_days"
    day: Mapped[date] = mapped_column(primary_key=True)
    marked_by: Mapped[str | None] = mapped_column(String(64))
    marked_at: Mapped[datetime]


class TicketTopic(Base):
    """A ticket's topic code from the site taxonomy, written at intake for the warning checks."""

    __tablename__ = "ticket_topics"
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    location: Mapped[str | None] = mapped_column(String(128))
    received_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_ticket_topics_unit", "topic", "unit_id", "received_at"),
        Index("ix_ticket_topics_location", "topic", "location", "received_at"),
        Index("ix_ticket_topics_received", "topic", "received_at"),
    )


class Alert(Base):
    """A warning raised (SPEC §5): rising complaints, a repeat matter, group-complaint risk."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(160))
    topic: Mapped[str | None] = mapped_column(String(32))
    to_role: Mapped[str] = mapped_column(String(16))
    raised_at: Mapped[datetime]
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    capa_id: Mapped[int | None] = mapped_column(ForeignKey("capa_records.id"))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (Index("ix_alerts_kind_key", "kind", "key", "raised_at"),
                      Index("ix_alerts_raised", "raised_at"))


class Capa(Base):
    """A corrective and preventive action record (纠正与预防措施): owner, cause, actions, check."""

    __tablename__ = "capa_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    source: Mapped[str] = mapped_column(String(24))
    topic: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    location: Mapped[str | None] = mapped_column(String(128))
    tickets: Mapped[list[Any]] = mapped_column(default=list)
    state: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    cause: Mapped[str | None] = mapped_column(Text)
    actions: Mapped[str | None] = mapped_column(Text)
    verification: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    history: Mapped[list[Any]] = mapped_column(default=list)

    unit: Mapped[Unit | None] = relationship(lazy="joined")
    owner: Mapped[Staff | None] = relationship(lazy="joined")

    __table_args__ = (Index("ix_capa_match", "source", "topic", "state"),
                      Index("ix_capa_opened", "opened_at"))


class Attachment(Base):
    """A photo or file on a ticket (a repair's before/after photos); the bytes are in the
    content-addressed attachment store under `digest`."""

    __tablename__ = "ticket_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    media_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    digest: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime]


class LedgerRow(Base):
    """A ledger row imported without a ticket number, by its content key: importing the
    same ledger again skips it (`core.ledger`)."""

    __tablename__ = "ledger_rows"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    source: Mapped[str] = mapped_column(String(255))
    imported_at: Mapped[datetime]


class CalendarPricing(Base):
    """The calendar open clocks were last priced with (`calendar apply`, the watcher).

    `calendar`: the definition (site days, business hours, zone, official source) whose
    `fingerprint` this is, so the next change can say which days differ; `moved`: the
    deadlines that application moved, for `calendar show`.
    """

    __tablename__ = "calendar_pricings"
    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    calendar: Mapped[dict[str, Any]] = mapped_column(default=dict)
    applied_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(64))
    why: Mapped[str] = mapped_column(Text)
    moved: Mapped[list[Any]] = mapped_column(default=list)
