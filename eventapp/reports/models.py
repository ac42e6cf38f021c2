"""Transport and per diem payment sheets, and certificates of attendance."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.core.models import Base, TimestampMixin, utcnow

PAYMENT_STATUSES = ("draft", "paid")


class PaymentSheet(TimestampMixin, Base):
    """The transport and per diem sheet of an event: rates, then locked once paid.

    Two amounts per person: a per diem for each day attended, and a transport paid once to
    whoever came at least one day. Each has a rate per category, a default for categories
    without one, and a per-person override. Amounts are whole units of ``currency`` (the CFA
    franc has no cents).
    """

    __tablename__ = "payment_sheets"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    currency: Mapped[str] = mapped_column(String(3), default="XOF")
    default_rate: Mapped[int] = mapped_column(default=0)  # per day attended, for categories without a rate
    rates: Mapped[str] = mapped_column(Text, default="{}")  # JSON {category code: amount per day}
    # paid once to whoever came, for categories without a transport rate
    default_transport: Mapped[int] = mapped_column(default=0, server_default="0")
    transport_rates: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")  # JSON {code: amount}
    status: Mapped[str] = mapped_column(String(10), default="draft")  # one of PAYMENT_STATUSES
    paid_at: Mapped[datetime | None]
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    paid_by: Mapped[str] = mapped_column(String(254), default="")  # who marked it paid, kept after deletion

    overrides: Mapped[list[PaymentOverride]] = relationship(back_populates="sheet", cascade="all, delete-orphan")
    lines: Mapped[list[PaymentLine]] = relationship(back_populates="sheet", cascade="all, delete-orphan",
                                                    order_by="PaymentLine.position")


class PaymentOverride(Base):
    """Amounts for one person that replace their category's: per day, transport, or both."""

    __tablename__ = "payment_overrides"
    __table_args__ = (UniqueConstraint("sheet_id", "registration_id", name="uq_payment_overrides_sheet_registration"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("payment_sheets.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    rate: Mapped[int | None]  # per day attended; None: the category's rate
    transport: Mapped[int | None]  # once; None: the category's transport

    sheet: Mapped[PaymentSheet] = relationship(back_populates="overrides")


class PaymentLine(Base):
    """A line of a paid sheet, frozen when it was marked paid (later changes don't alter it)."""

    __tablename__ = "payment_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("payment_sheets.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(120), default="")
    days: Mapped[int] = mapped_column(default=0)
    rate: Mapped[int] = mapped_column(default=0)  # per diem per day
    transport: Mapped[int] = mapped_column(default=0, server_default="0")  # paid once
    amount: Mapped[int] = mapped_column(default=0)  # the total: rate × days + transport

    sheet: Mapped[PaymentSheet] = relationship(back_populates="lines")


class Certificate(Base):
    """A certificate of attendance; its random code is in the QR code and the public check page.

    Only the registration is referenced, never a copy of the name, so a purge of personal
    data also empties what the public page can show.
    """

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # >= 128 random bits, URL-safe
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"),
                                                        unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    emailed_at: Mapped[datetime | None]
