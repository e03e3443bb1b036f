"""Paid-service tables (有偿服务): price list versions, warranty dates, decisions, work orders,
their lines, payments, damage compensation and contractor scores.

Money is integer fen (分) everywhere; quantities are Decimal. Payments, decisions and scores
are append-only (database triggers): they are the financial and legal record.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.kit import Base


class PriceItem(Base):
    """One version of a price-list item; a new version ends the previous one the day before."""

    __tablename__ = "paid_price_items"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_paid_price_items_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(16))
    labour_fen: Mapped[int] = mapped_column(Integer)
    materials_separate: Mapped[bool] = mapped_column()
    approval_ref: Mapped[str] = mapped_column(String(64))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column()


class UnitWarranty(Base):
    """The unit's handover and warranty end (交房日期、保修期), set by the desk."""

    __tablename__ = "paid_unit_warranty"
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    handover_date: Mapped[date] = mapped_column(Date)
    warranty_until: Mapped[date] = mapped_column(Date)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column()


class Decision(Base):
    """Paid, warranty or public area for one ticket, and why (append-only)."""

    __tablename__ = "paid_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_number: Mapped[str] = mapped_column(String(32), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(200))
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column()


class Job(Base):
    """A paid job: quote, consent, and the work order (派工单) it becomes."""

    __tablename__ = "paid_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    ticket_number: Mapped[str] = mapped_column(String(32), unique=True)
    unit_code: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    quoted_at: Mapped[datetime] = mapped_column()
    quoted_by: Mapped[str] = mapped_column(String(64))
    consent_at: Mapped[datetime | None] = mapped_column()
    refusal_reason: Mapped[str | None] = mapped_column(String(200))
    appointment_at: Mapped[datetime | None] = mapped_column()
    technicians: Mapped[list[Any]] = mapped_column(default=list)
    contractor: Mapped[str | None] = mapped_column(String(64))
    phone_confirmed_at: Mapped[datetime | None] = mapped_column()
    arrived_at: Mapped[datetime | None] = mapped_column()
    checklist: Mapped[dict[str, Any]] = mapped_column(default=dict)
    work_done: Mapped[str | None] = mapped_column(Text)
    cause: Mapped[str | None] = mapped_column(Text)
    care_advice: Mapped[str | None] = mapped_column(Text)
    signed_name: Mapped[str | None] = mapped_column(String(64))
    signed_at: Mapped[datetime | None] = mapped_column()
    signature_ref: Mapped[str | None] = mapped_column(String(200))
    completed_at: Mapped[datetime | None] = mapped_column()


class JobLine(Base):
    """A labour line (a price-item version, so a later price change leaves it alone) or a
    material used (charged at cost)."""

    __tablename__ = "paid_job_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("paid_jobs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    price_item_id: Mapped[int | None] = mapped_column(ForeignKey("paid_price_items.id"))
    code: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    unit_price_fen: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(Integer)


class Payment(Base):
    """A payment or a refund (negative amount) with its receipt number (append-only)."""

    __tablename__ = "paid_payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("paid_jobs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    receipt_no: Mapped[str] = mapped_column(String(32), unique=True)
    method: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column()


class Damage(Base):
    """Damage caused in the home, compensated at cost (损坏赔偿)."""

    __tablename__ = "paid_damages"
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("paid_jobs.id"), index=True)
    description: Mapped[str] = mapped_column(String(200))
    amount_fen: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column()


class Score(Base):
    """The contractor's bonus (+) or penalty (−) for one job from its follow-up (append-only)."""

    __tablename__ = "paid_scores"
    __table_args__ = (Index("ix_paid_scores_month", "month", "contractor"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("paid_jobs.id"), unique=True)
    contractor: Mapped[str] = mapped_column(String(64))
    month: Mapped[str] = mapped_column(String(7))
    satisfaction: Mapped[int] = mapped_column(Integer)
    rate_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    base_fen: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column()


MODELS = (PriceItem, UnitWarranty, Decision, Job, JobLine, Payment, Damage, Score)
APPEND_ONLY = ("paid_decisions", "paid_payments", "paid_scores")
