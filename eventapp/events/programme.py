"""The printable programme of an event: its data for the document maker, and the PDF."""
from __future__ import annotations

from pathlib import Path

from eventapp.audit.services import Actor, record
from eventapp.core.labels import label_in
from eventapp.events.agenda import holders_in_order, items_by_day
from eventapp.events.documents import Programme, ProgrammeDay, ProgrammeItem, ProgrammeOfficial, programme_pdf
from eventapp.events.models import Event
from eventapp.events.officials import officials_in_order, role_in
from eventapp.events.services import logo_bytes
from eventapp.extensions import db


def programme_data(event: Event, upload_dir: Path) -> Programme:
    """The plain data of the event's programme, in the event's language (logos read from ``upload_dir``)."""
    language = event.language or "fr"
    officials = officials_in_order(event)
    venue = ", ".join(x for x in (event.venue_name, event.venue_address, event.city) if x)
    days = [
        ProgrammeDay(day=day, items=[
            ProgrammeItem(
                start=item.start_time, end=item.end_time, title=item.title,
                kind=label_in(language, "agenda_kind", item.kind), room=item.room,
                description=item.description,
                held_by=[f"{h.official.display_name} ({role_in(language, h.role, h.official)})"
                         for h in holders_in_order(item)],
            )
            for item in items
        ])
        for day, items in items_by_day(event)
    ]
    return Programme(
        title=event.title, language=language, project=event.project.name if event.project else "",
        organizer=event.organizer, partner=event.partner, venue=venue,
        start_date=event.start_date, end_date=event.end_date,
        organizer_logo=logo_bytes(event, "organizer_logo", upload_dir),
        partner_logo=logo_bytes(event, "partner_logo", upload_dir),
        officials=[ProgrammeOfficial(name=o.display_name, function=o.function, institution=o.institution,
                                     role=role_in(language, o.role, o)) for o in officials],
        days=days,
    )


def make_programme(event: Event, upload_dir: Path, *, actor: Actor | None = None) -> bytes:
    """The programme PDF of the event; the print is recorded in the audit log."""
    pdf = programme_pdf(programme_data(event, upload_dir))
    record(actor, "programme.print", event, event_id=event.id)
    db.session.commit()
    return pdf
