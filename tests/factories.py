"""Factories for domain objects in tests (``make_event``, ``make_person``…), committed."""
from __future__ import annotations

import itertools
from datetime import date, time

from werkzeug.security import generate_password_hash

from eventapp.accounts.models import User
from eventapp.core.text import name_key
from eventapp.events.models import AgendaItem, AgendaItemOfficial, Event, Official
from eventapp.extensions import db
from eventapp.people.models import Category, Person
from eventapp.registration.services import register

PASSWORD = "correct horse battery"
_counter = itertools.count(1)
# Hashing is slow on purpose; tests reuse one hash of PASSWORD.
_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def make_user(role: str = "organizer", email: str | None = None, **kw) -> User:
    """A staff account whose password is ``PASSWORD``."""
    n = next(_counter)
    user = User(email=email or f"{role}{n}@example.org", role=role, password_hash=_HASH, name=kw.pop("name", ""), **kw)
    db.session.add(user)
    db.session.commit()
    return user


def make_event(**kw) -> Event:
    """A one-day open event in Bamako (21 June 2023 unless told)."""
    n = next(_counter)
    defaults = dict(slug=f"event-{n}", title=f"Atelier de restitution {n}", organizer="IMRAP",
                    partner="Coopération suisse", venue_name="Maison de la Femme", city="Bamako",
                    start_date=date(2023, 6, 21), end_date=date(2023, 6, 21), status="open", language="fr")
    defaults.update(kw)
    event = Event(**defaults)
    db.session.add(event)
    db.session.commit()
    return event


def category(code: str) -> Category:
    """The default category with this code."""
    return db.session.scalar(db.select(Category).where(Category.code == code))


def make_person(first_name: str = "Awa", last_name: str = "Traoré", **kw) -> Person:
    """A person of the directory; ``category`` may be given as a code."""
    cat = kw.pop("category", None)
    if isinstance(cat, str):
        cat = category(cat)
    person = Person(first_name=first_name, last_name=last_name, category=cat,
                    name_key=name_key(first_name, last_name), **kw)
    db.session.add(person)
    db.session.commit()
    return person


def make_registration(event: Event, person: Person | None = None, **kw):
    """A registration of ``person`` (a new one when None) at ``event``."""
    person = person or make_person()
    return register(event, person, **kw)


def make_agenda_item(event: Event, title: str = "Ouverture", start=time(9, 0), end=time(9, 30), **kw) -> AgendaItem:
    """An agenda item on the event's first day unless told."""
    item = AgendaItem(event=event, day=kw.pop("day", event.start_date), start_time=start, end_time=end,
                      title=title, **kw)
    db.session.add(item)
    db.session.commit()
    return item


def make_official(event: Event, last_name: str = "SOGOBA", **kw) -> Official:
    """An official of the event."""
    official = Official(event=event, last_name=last_name, **kw)
    db.session.add(official)
    db.session.commit()
    return official


def hold(item: AgendaItem, official: Official, role: str | None = None) -> AgendaItemOfficial:
    """``official`` holds ``item``, in ``role`` at it (their role at the event unless told)."""
    link = AgendaItemOfficial(agenda_item=item, official=official, role=role or official.role)
    db.session.add(link)
    db.session.commit()
    return link
