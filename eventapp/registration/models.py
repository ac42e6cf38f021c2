"""Registrations tie a person to an event; invitations record what was sent."""
from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.core.models import Base, TimestampMixin, utcnow
from eventapp.core.tokens import new_answer_code

if TYPE_CHECKING:
    from eventapp.events.models import Event
    from eventapp.people.models import Person

REGISTRATION_STATUSES = ("invited", "accepted", "declined", "registered", "cancelled")
#: Statuses admitted at the door (declined people who come anyway are let in: they came).
ADMITTED_STATUSES = ("invited", "accepted", "declined", "registered")
#: Statuses that hold a place (the public form's capacity counts them): not merely invited.
CONFIRMED_STATUSES = ("accepted", "registered")
REGISTRATION_SOURCES = ("organizer", "import", "invitation", "public_form", "walk_in")


def registered_for(days: Collection[date], day: date) -> bool:
    """The one rule of a registration's days: valid on ``day`` when ``days`` (the days it is
    restricted to) is empty, meaning every day of the event, or holds ``day``.

    The door (``door.checkin.decide`` and the phones' offline copy of it), the expected lists,
    sheets, absences and per diem all ask this.
    """
    return not days or day in days


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
    #: The days it is restricted to; none (the usual case) is every day of the event.
    day_rows: Mapped[list[RegistrationDay]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="RegistrationDay.day"
    )

    @property
    def days(self) -> list[date]:
        """The event days this registration is for, in order; empty: every day of the event."""
        return [row.day for row in self.day_rows]

    def is_for_day(self, day: date) -> bool:
        """Valid on ``day`` (see :func:`registered_for`)."""
        return registered_for(self.days, day)


class RegistrationDay(Base):
    """One event day a registration is restricted to (a three-day training where officials come
    to the opening only). A registration without any is for every day of its event."""

    __tablename__ = "registration_days"

    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)  # a day of the registration's event


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


def registered_for_clause(day: date):
    """:func:`registered_for` as SQL, for a query of ``Registration`` rows: valid on ``day``."""
    restricted = select(RegistrationDay.registration_id).where(RegistrationDay.registration_id == Registration.id)
    return or_(~restricted.exists(), restricted.where(RegistrationDay.day == day).exists())
