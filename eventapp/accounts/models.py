"""Accounts of the people who run events (not participants: those are ``Person``)."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.core.models import Base, TimestampMixin

if TYPE_CHECKING:
    from eventapp.events.models import Event

ROLES = ("admin", "organizer", "coordinator", "door")

#: Events a door user may work at (admins, organizers and coordinators see every event).
user_events = Table(
    "user_events",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, TimestampMixin, Base):
    """A staff account with one role (see the README's roles table)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))  # one of ROLES
    locale: Mapped[str | None] = mapped_column(String(5))  # preferred interface language
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    #: Written into every session cookie at sign-in; raising it ends every session signed with
    #: an older value (sign-out, password or role change, deactivation, "sign out everywhere").
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    events: Mapped[list[Event]] = relationship(secondary=user_events)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        """What the session cookie keeps: the id and the session generation (Flask-Login)."""
        return f"{self.id}.{self.session_generation}"

    def has_role(self, *roles: str) -> bool:
        """True when the user's role is one of ``roles`` (admins have every role)."""
        return self.role == "admin" or self.role in roles
