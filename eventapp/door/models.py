"""Door stations, check-ins and the log of every scan."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.core.models import Base, utcnow
from eventapp.registration.models import Registration

CHECKIN_SOURCES = ("qr", "wedge", "search", "walk_in", "offline_sync")
SCAN_RESULTS = ("checked_in", "already_checked_in", "unknown_token", "not_admitted")


class Station(Base):
    """A named door device paired to one event, with a revocable bearer token."""

    __tablename__ = "stations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex; the token is shown once
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]


class CheckIn(Base):
    """An admitted check-in: one per registration per event day (or per agenda item).

    Voided rows stay; the partial unique indexes below only count rows that are not voided,
    so the database itself refuses a second admission of the same badge on the same day.
    """

    __tablename__ = "checkins"
    __table_args__ = (
        Index(
            "uq_checkins_registration_day", "registration_id", "day",
            unique=True,
            sqlite_where=text("voided_at IS NULL AND agenda_item_id IS NULL"),
            postgresql_where=text("voided_at IS NULL AND agenda_item_id IS NULL"),
        ),
        Index(
            "uq_checkins_registration_item", "registration_id", "agenda_item_id",
            unique=True,
            sqlite_where=text("voided_at IS NULL AND agenda_item_id IS NOT NULL"),
            postgresql_where=text("voided_at IS NULL AND agenda_item_id IS NOT NULL"),
        ),
        Index("ix_checkins_event_day", "event_id", "day"),
        # An idempotency key belongs to its event: the same key sent at another event is a
        # new scan there, never a replay of this one (README, Door API).
        UniqueConstraint("event_id", "client_id", name="uq_checkins_event_client_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    day: Mapped[date]  # event-local date of scanned_at
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="SET NULL"))
    scanned_at: Mapped[datetime]  # device clock
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)  # server clock
    clock_skew_seconds: Mapped[int | None]  # set when the device clock is far off
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id", ondelete="SET NULL"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(20), default="qr")  # one of CHECKIN_SOURCES
    client_id: Mapped[str | None] = mapped_column(String(64))  # idempotency key, unique within the event
    voided_at: Mapped[datetime | None]
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    void_reason: Mapped[str] = mapped_column(Text, default="")

    registration: Mapped[Registration] = relationship()
    station: Mapped[Station | None] = relationship()


class ScanLog(Base):
    """Every scan that did not admit someone (unknown, not admitted, already in), for the log.

    ``client_id`` makes retries of the same failed scan answer the same and log once (within
    the event: the key is unique per event).
    """

    __tablename__ = "scan_logs"
    __table_args__ = (UniqueConstraint("event_id", "client_id", name="uq_scan_logs_event_client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"))
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id", ondelete="SET NULL"))
    result: Mapped[str] = mapped_column(String(30))  # one of SCAN_RESULTS
    reason: Mapped[str] = mapped_column(String(300), default="")
    payload: Mapped[str] = mapped_column(String(200), default="")  # truncated raw scan
    scanned_at: Mapped[datetime | None]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id", ondelete="SET NULL"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(20), default="qr")
    client_id: Mapped[str | None] = mapped_column(String(64))
