"""The key plugin's tables, on the shared `core.kit.Base` (its own Alembic branch `keys`).

People are stored by name, as the core's ticket history stores its actors: a record must
still say who it was after a staff member leaves. Times are UTC (`UTCDateTime`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.kit import Base, Unit

#: an open loan: not yet returned (or closed as lost)
OPEN_LOAN = text("closed_at IS NULL")


class Key(Base):
    """One tagged key or key set in the cabinet register (钥匙登记)."""

    __tablename__ = "keys_register"
    id: Mapped[int] = mapped_column(primary_key=True)
    tag: Mapped[str] = mapped_column(String(32), unique=True)
    #: spare (业主备用), entrusted (空置房托管), public_area (公共区域)
    kind: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    area: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(String(128))
    copies: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    #: in_cabinet, on_loan, lost, returned (to the owner)
    status: Mapped[str] = mapped_column(String(16))
    #: the owner's written entrustment: who, when, which document
    entrusted_by: Mapped[str | None] = mapped_column(String(64))
    entrusted_on: Mapped[date | None]
    entrustment_ref: Mapped[str | None] = mapped_column(String(64))
    registered_by: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime]

    unit: Mapped[Unit | None] = relationship(lazy="joined")


class KeyLoan(Base):
    """A loan (借用): who took the key, for what, on whose authority, until when, back how."""

    __tablename__ = "keys_loans"
    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("keys_register.id"))
    borrower: Mapped[str] = mapped_column(String(64))
    #: staff, or contractor (then with an ID number and usually a company)
    borrower_kind: Mapped[str] = mapped_column(String(16))
    id_number: Mapped[str | None] = mapped_column(String(32))
    company: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(Text)
    #: the work order the loan serves: that ticket cannot close while the key is out
    ticket: Mapped[str | None] = mapped_column(String(32), index=True)
    #: the owner's authorisation for a private unit: who, how, when
    authorised_by: Mapped[str | None] = mapped_column(String(64))
    authorised_how: Mapped[str | None] = mapped_column(String(16))
    authorised_at: Mapped[datetime | None]
    lent_by: Mapped[str] = mapped_column(String(64))
    lent_at: Mapped[datetime]
    policy: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime]
    at_risk_at: Mapped[datetime]
    #: set once each by the check (compare-and-set): the clock's at-risk and overdue records
    at_risk_noted_at: Mapped[datetime | None]
    overdue_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    #: returned, or lost (closed by an approved loss report)
    outcome: Mapped[str | None] = mapped_column(String(16))
    returned_by: Mapped[str | None] = mapped_column(String(64))
    received_by: Mapped[str | None] = mapped_column(String(64))
    #: good, damaged, incomplete
    condition: Mapped[str | None] = mapped_column(String(16))
    condition_note: Mapped[str | None] = mapped_column(Text)

    key: Mapped[Key] = relationship(lazy="joined")

    __table_args__ = (
        # one open loan per key, whatever two desks try at once
        Index("uq_keys_loans_open", "key_id", unique=True,
              sqlite_where=OPEN_LOAN, postgresql_where=OPEN_LOAN),
        Index("ix_keys_loans_open_due", "due_at",
              sqlite_where=OPEN_LOAN, postgresql_where=OPEN_LOAN),
    )


class KeyCount(Base):
    """A reconciliation (核对): the custodian's daily count or a supervisor's spot check."""

    __tablename__ = "keys_counts"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: daily (custodian, the whole register) or spot (supervisor, a sample)
    kind: Mapped[str] = mapped_column(String(8))
    day: Mapped[date] = mapped_column(index=True)
    at: Mapped[datetime]
    by: Mapped[str] = mapped_column(String(64))
    checked: Mapped[list[Any]] = mapped_column(default=list)
    present: Mapped[list[Any]] = mapped_column(default=list)
    discrepancies: Mapped[list[Any]] = mapped_column(default=list)
    note: Mapped[str | None] = mapped_column(Text)


class KeyLoss(Base):
    """A lost key: report → manager's approval naming who is accountable → owner's ticket →
    lock change recommended, then recorded as done or declined."""

    __tablename__ = "keys_losses"
    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("keys_register.id"), index=True)
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("keys_loans.id"))
    #: reported, approved, closed; withdrawn (found before approval)
    status: Mapped[str] = mapped_column(String(16))
    reported_by: Mapped[str] = mapped_column(String(64))
    reported_at: Mapped[datetime]
    circumstances: Mapped[str] = mapped_column(Text)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None]
    accountable: Mapped[str | None] = mapped_column(String(64))
    ticket: Mapped[str | None] = mapped_column(String(32))
    #: recommended (at approval), done or declined
    lock_change: Mapped[str | None] = mapped_column(String(16))
    lock_change_at: Mapped[datetime | None]
    lock_change_note: Mapped[str | None] = mapped_column(Text)

    key: Mapped[Key] = relationship(lazy="joined")


class VacantTask(Base):
    """A vacant unit's monthly inspection, airing or cleaning (空置房巡查、通风、保洁)."""

    __tablename__ = "keys_vacant_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    month: Mapped[str] = mapped_column(String(7))
    #: inspection, airing, cleaning
    kind: Mapped[str] = mapped_column(String(16))
    generated_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    anomaly: Mapped[str | None] = mapped_column(Text)
    ticket: Mapped[str | None] = mapped_column(String(32))

    unit: Mapped[Unit] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("unit_id", "month", "kind",
                                       name="uq_keys_vacant_task"),)


class KeyAudit(Base):
    """Every change, append-only (a trigger refuses UPDATE and DELETE): who, when, before,
    after. `unit` makes a unit's key history one indexed read."""

    __tablename__ = "keys_audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int]
    tag: Mapped[str | None] = mapped_column(String(32), index=True)
    unit: Mapped[str | None] = mapped_column(String(32), index=True)
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]


MODELS = (Key, KeyLoan, KeyCount, KeyLoss, VacantTask, KeyAudit)
