"""Registrations tie a person to an event; invitations record what was sent."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.core.models import Base, TimestampMixin, utcnow
from eventapp.core.tokens import new_answer_code

if TYPE_CHECKING:
    from eventapp.events.models import Event
    from eventapp.people.models import Person

REGISTRATION_STATUSES = ("invited", "accepted", "declined", "registered", "cancelled")
#: Statuses admitted at the door (declined people who come anyway are let in: they came).
ADMITTED_STATUSES = ("invited", "accepted", "declined", "registered")
REGISTRATION_SOURCES = ("organizer", "import", "invitation", "public_form", "walk_in")


class Registration(TimestampMixin, Base):
    """A person's place at an event, with the opaque token printed in their QR code."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "person_id", name="uq_registrations_event_person"),
        # A submission key (a walk-in's client_id, the public form's hidden key) makes one
        # registration however often it is sent, decided by the database.
        UniqueConstraint("event_id", "client_id", name="uq_registrations_event_client_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="registered")  # REGISTRATION_STATUSES
    source: Mapped[str] = mapped_column(String(20), default="organizer")  # REGISTRATION_SOURCES
    # 128 random bits, base32; the QR payload is services.tokens.qr_payload(checkin_token).
    checkin_token: Mapped[str] = mapped_column(String(32), unique=True)
    # A different secret for the personal answer link, so a badge photo can't answer for you.
    answer_token: Mapped[str] = mapped_column(String(64), unique=True)
    # The short code of the same link, to type by hand from a letter (core.tokens: no 0/O, 1/I/L).
    # Made by default, so that bulk inserts (imports) get one too; NULL only if a migration failed.
    answer_code: Mapped[str | None] = mapped_column(String(16), unique=True, index=True, default=new_answer_code)
    responded_at: Mapped[datetime | None]
    badge_print_count: Mapped[int] = mapped_column(default=0)
    badge_printed_at: Mapped[datetime | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    client_id: Mapped[str | None] = mapped_column(String(64))  # the submission key that made it, if any

    event: Mapped[Event] = relationship(back_populates="registrations")
    person: Mapped[Person] = relationship(back_populates="registrations")
    invitations: Mapped[list[Invitation]] = relationship(
        back_populates="registration", cascade="all, delete-orphan", order_by="Invitation.sent_at"
    )


class Invitation(Base):
    """One invitation or reminder sent to a registration, by email or as a printed letter."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # email or letter
    kind: Mapped[str] = mapped_column(String(20), default="invitation")  # invitation, reminder, confirmation
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="sent")  # sent, outbox, failed
    error: Mapped[str] = mapped_column(Text, default="")

    registration: Mapped[Registration] = relationship(back_populates="invitations")
