"""Events, their projects, agenda and presiding officials."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.core.models import Base, TimestampMixin
from eventapp.core.text import grammatical_gender

if TYPE_CHECKING:
    from eventapp.registration.models import Registration

EVENT_STATUSES = ("draft", "open", "closed", "archived")
AGENDA_KINDS = ("opening", "speech", "presentation", "debate", "working_group", "break", "closing")
OFFICIAL_ROLES = ("presides", "opening_speech", "closing_speech", "speaker", "moderator", "rapporteur",
                  "guest_of_honour")
#: An official's sex, as far as the words about them go: "" means "from the honorific".
OFFICIAL_SEXES = ("", "F", "M")


class Project(TimestampMixin, Base):
    """A programme grouping events (e.g. all workshops of one 17-month project)."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    funder: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")

    events: Mapped[list[Event]] = relationship(back_populates="project")


class Event(TimestampMixin, Base):
    """One workshop, round table or conference, over one or more days."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)  # in URLs and the CLI
    title: Mapped[str] = mapped_column(String(300))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"), index=True)
    organizer: Mapped[str] = mapped_column(String(300), default="")  # e.g. IMRAP
    partner: Mapped[str] = mapped_column(String(300), default="")  # partner or funder
    venue_name: Mapped[str] = mapped_column(String(300), default="")
    venue_address: Mapped[str] = mapped_column(String(300), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    start_date: Mapped[date]
    end_date: Mapped[date]
    timezone: Mapped[str] = mapped_column(String(64), default="Africa/Bamako")
    language: Mapped[str] = mapped_column(String(2), default="fr")  # of its documents
    organizer_logo: Mapped[str | None] = mapped_column(String(200))  # file name in instance/uploads
    partner_logo: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="draft")  # one of EVENT_STATUSES
    description: Mapped[str] = mapped_column(Text, default="")
    # Printing and reports
    badge_layout: Mapped[str] = mapped_column(String(40), default="a4-8")
    discreet_badges: Mapped[bool] = mapped_column(default=False)  # first name only on badges
    sheet_show_phone: Mapped[bool] = mapped_column(default=False)
    # Invitation letters: their reference ("N° 0042/IMRAP/DE"), who signs them when no official
    # is chosen at printing, and the venue as a sentence says it when the rule would get it wrong.
    letter_reference_prefix: Mapped[str] = mapped_column(String(80), default="", server_default="")
    letter_signatory_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    letter_signatory_title: Mapped[str] = mapped_column(String(300), default="", server_default="")
    venue_phrase: Mapped[str] = mapped_column(String(300), default="", server_default="")  # "au CICB, à Bamako"
    # Public registration form
    registration_open: Mapped[bool] = mapped_column(default=False)
    registration_capacity: Mapped[int | None]
    registration_closes_at: Mapped[datetime | None]
    # Which optional fields the public form asks, {field: "hidden" | "shown" | "required"}; the
    # fields and their defaults are registration.invitations.public_form_fields's. None: defaults.
    public_form_fields: Mapped[dict | None] = mapped_column(JSON)
    # Data protection: personal data is purged after this date, aggregates kept.
    retention_until: Mapped[date | None]
    purged_at: Mapped[datetime | None]

    project: Mapped[Project | None] = relationship(back_populates="events")
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="event", cascade="all, delete-orphan",
        order_by="(AgendaItem.day, AgendaItem.start_time, AgendaItem.id)",
    )
    officials: Mapped[list[Official]] = relationship(
        back_populates="event", cascade="all, delete-orphan",
        order_by="(Official.protocol_rank, Official.id)",
    )
    registrations: Mapped[list[Registration]] = relationship(back_populates="event", cascade="all, delete-orphan")

    @property
    def days(self) -> list[date]:
        """Every calendar day of the event, in order."""
        n = (self.end_date - self.start_date).days
        return [self.start_date + timedelta(days=i) for i in range(n + 1)]

    def local_today(self, now: datetime | None = None) -> date:
        """Today's date where the event takes place (``now``, else the current time, in its zone).

        The one source of "today at this event": the door, invitations and answers ask it.
        """
        return (now or datetime.now(UTC)).astimezone(ZoneInfo(self.timezone)).date()


class AgendaItem(TimestampMixin, Base):
    """One part of the programme."""

    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    day: Mapped[date]
    start_time: Mapped[time]
    end_time: Mapped[time]
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(30), default="presentation")  # one of AGENDA_KINDS
    room: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(Text, default="")

    event: Mapped[Event] = relationship(back_populates="agenda_items")
    #: Who holds the item, each in their role at this item (see ``agenda.holders_in_order``).
    holders: Mapped[list[AgendaItemOfficial]] = relationship(
        back_populates="agenda_item", cascade="all, delete-orphan",
    )
    #: The officials holding the item, in protocol order (read only: change ``holders``).
    officials: Mapped[list[Official]] = relationship(
        secondary="agenda_item_officials", viewonly=True, order_by="(Official.protocol_rank, Official.id)",
    )


class AgendaItemOfficial(Base):
    """An official holding an agenda item, in their role at that item: the one who presides the
    opening may speak at the closing."""

    __tablename__ = "agenda_item_officials"

    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"), primary_key=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(30), default="speaker")  # one of OFFICIAL_ROLES

    agenda_item: Mapped[AgendaItem] = relationship(back_populates="holders")
    official: Mapped[Official] = relationship(back_populates="items_held")


class Official(TimestampMixin, Base):
    """A presiding official, speaker or guest of honour, placed in protocol order."""

    __tablename__ = "officials"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    honorific: Mapped[str] = mapped_column(String(40), default="")  # M., Mme, Dr, Colonel, Général…
    first_name: Mapped[str] = mapped_column(String(120), default="")
    last_name: Mapped[str] = mapped_column(String(120))
    function: Mapped[str] = mapped_column(String(300), default="")  # e.g. Secrétaire général
    institution: Mapped[str] = mapped_column(String(300), default="")  # e.g. Ministère de la Sécurité…
    # Their role at the event (protocol lists, letters); each agenda item held has its own.
    role: Mapped[str] = mapped_column(String(30), default="speaker")  # one of OFFICIAL_ROLES
    sex: Mapped[str] = mapped_column(String(1), default="")  # one of OFFICIAL_SEXES, for the words' gender
    protocol_rank: Mapped[int] = mapped_column(default=100)  # lower comes first, everywhere

    event: Mapped[Event] = relationship(back_populates="officials")
    items_held: Mapped[list[AgendaItemOfficial]] = relationship(
        back_populates="official", cascade="all, delete-orphan",
    )
    #: The agenda items held (read only: change ``items_held``).
    agenda_items: Mapped[list[AgendaItem]] = relationship(secondary="agenda_item_officials", viewonly=True)

    @property
    def display_name(self) -> str:
        """Honorific, first name and name, as read out and printed."""
        return " ".join(p for p in (self.honorific, self.first_name, self.last_name) if p)

    @property
    def gender(self) -> str:
        """'F' or 'M' for the words about them (the sex given, else the honorific's), '' unknown."""
        return self.sex or grammatical_gender(self.honorific)
