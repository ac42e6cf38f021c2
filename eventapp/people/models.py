"""The directory of people, shared by all events, and their categories and consents."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.core.models import Base, TimestampMixin, utcnow

if TYPE_CHECKING:
    from eventapp.registration.models import Registration

SEXES = ("F", "M", "X")  # female, male, not stated
CONSENT_KINDS = ("photos", "recordings", "share_funder")
#: What a person's word on a consent is: given; not given (asked, said no, never said yes);
#: withdrawn (said yes once, then took it back). Reports count the three apart.
CONSENT_STATES = ("given", "not_given", "withdrawn")
#: Who typed a person into the directory. Only an organizer's channels (organizer, import) are
#: trusted to say who someone is; the others make an unchecked person (README: who may say it).
PERSON_ORIGINS = ("organizer", "import", "public_form", "walk_in")
UNCHECKED_ORIGINS = ("public_form", "walk_in")


class Category(Base):
    """A participant category (FDS, civil society…). Codes are stable; labels in both languages.

    A category is never deleted once used: it is retired (``active`` false) so that past
    reports still name it. A category merged into another is retired and points at it, so
    that its code and labels, still found in files, lead to the category kept.
    """

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label_fr: Mapped[str] = mapped_column(String(120))
    label_en: Mapped[str] = mapped_column(String(120))
    colour: Mapped[str] = mapped_column(String(7), default="#555555")  # badge band, #rrggbb
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)  # offered for new participants
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"))

    def label(self, language: str) -> str:
        """The label in ``language`` (fr or en)."""
        return self.label_en if language == "en" else self.label_fr


class Person(TimestampMixin, Base):
    """Someone who is invited to, registers for or attends events."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    honorific: Mapped[str] = mapped_column(String(40), default="")
    first_name: Mapped[str] = mapped_column(String(120), default="")
    last_name: Mapped[str] = mapped_column(String(120))
    sex: Mapped[str] = mapped_column(String(1), default="X")  # one of SEXES
    age_band: Mapped[str | None] = mapped_column(String(10))  # a code of AGE_BANDS, never a birth date
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"), index=True)
    organisation: Mapped[str] = mapped_column(String(300), default="")
    function: Mapped[str] = mapped_column(String(300), default="")
    locality: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str | None] = mapped_column(String(32), index=True)  # E.164, e.g. +22376123456
    email: Mapped[str | None] = mapped_column(String(254), index=True)  # lower-cased
    # Accent-, case- and order-free form of the names, for search and duplicate detection.
    name_key: Mapped[str] = mapped_column(String(300), default="", index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    # A merged duplicate points at the person it was merged into and is hidden from lists.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    erased_at: Mapped[datetime | None]  # personal data removed (purge or erasure request)
    # The channel that made this person (PERSON_ORIGINS): one from UNCHECKED_ORIGINS is shown to
    # organizers as "not checked" among possible duplicates, for them to merge or keep.
    origin: Mapped[str] = mapped_column(String(20), default="organizer", server_default="organizer")

    category: Mapped[Category | None] = relationship()
    registrations: Mapped[list[Registration]] = relationship(back_populates="person")
    consents: Mapped[list[Consent]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="Consent.recorded_at"
    )

    @property
    def full_name(self) -> str:
        """First name then last name, as printed on badges and sheets."""
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    @property
    def unchecked(self) -> bool:
        """True when the person was typed by a channel that proves nobody's identity."""
        return self.origin in UNCHECKED_ORIGINS


class Consent(Base):
    """A consent given, not given or withdrawn, with its date: the history is kept, never overwritten."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # one of CONSENT_KINDS
    given: Mapped[bool]
    # Not given, and a consent of this kind was given before: taken back (services.record_consent).
    withdrawn: Mapped[bool] = mapped_column(default=False, server_default=false())
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(40), default="organizer")

    person: Mapped[Person] = relationship(back_populates="consents")

    @property
    def state(self) -> str:
        """One of :data:`CONSENT_STATES`."""
        return "given" if self.given else "withdrawn" if self.withdrawn else "not_given"


class PersonMerge(Base):
    """A record that one person was merged into another, with a snapshot of the merged one."""

    __tablename__ = "person_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    kept_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    merged_at: Mapped[datetime] = mapped_column(default=utcnow)
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    snapshot: Mapped[str] = mapped_column(Text, default="{}")  # JSON of the merged person's fields
