"""A known attendance for the report tests: 60 people over a two-day event, 37 of whom came.

Everything is derived from the person's index ``i`` (0–59), so the tests can recount it:

- sex: ``X`` when i % 10 == 9, else ``F`` when i % 3 == 0, else ``M``;
- category: fds, authority, civil_society, civilian, press by i % 5;
- age band: None when i % 7 == 6, else 18-24, 25-35, 36-50, 51-64 by i % 4;
- locality: Ségou when i % 11 == 10, else Bamako (even) or Mopti (odd);
- status: 59 cancelled, 50–54 declined, else accepted when i % 4 == 1, invited when i % 4 == 2,
  registered otherwise;
- day 1 (21 June 2023): 0–29 came, arriving at 07:30 + 3·i minutes;
- day 2 (22 June 2023): 20–36 came, arriving at 09:00 + 2·(i-20) minutes;
- person 5 also has an earlier voided check-in at 06:00 on day 1, person 40 a voided one on
  day 1 only (so 40 did not come).

Bamako is UTC+0, so local times equal UTC times.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count

from eventapp.core.text import name_key
from eventapp.core.tokens import new_answer_token, new_checkin_token
from eventapp.door.models import CheckIn
from eventapp.extensions import db
from eventapp.people.models import Person
from eventapp.registration.models import Registration
from tests.factories import category, make_event

DAY1, DAY2 = date(2023, 6, 21), date(2023, 6, 22)
LAST = ["Traoré", "Maïga", "N'Diaye", "Diarra", "Coulibaly", "Keïta", "Sangaré", "Touré", "Cissé", "Dembélé",
        "Konaté", "Sidibé"]
FIRST = ["Awa", "Fatoumata", "Moussa", "Aminata", "Oumar", "Kadiatou", "Ibrahim", "Mariam", "Seydou", "Hawa"]
CATS = ["fds", "authority", "civil_society", "civilian", "press"]
BANDS = ["18-24", "25-35", "36-50", "51-64"]
_client = count(1)


def sex_of(i): return "X" if i % 10 == 9 else ("F" if i % 3 == 0 else "M")
def category_of(i): return CATS[i % 5]
def band_of(i): return None if i % 7 == 6 else BANDS[i % 4]
def locality_of(i): return "Ségou" if i % 11 == 10 else ("Bamako" if i % 2 == 0 else "Mopti")


def status_of(i):
    if i == 59:
        return "cancelled"
    if 50 <= i <= 54:
        return "declined"
    return {1: "accepted", 2: "invited"}.get(i % 4, "registered")


def day1(i): return i < 30
def day2(i): return 20 <= i < 37
def attended(i): return day1(i) or day2(i)


def at(day, hour, minute):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) + timedelta(minutes=0)


def arrival(i, day):
    if day == DAY1:
        return at(DAY1, 7, 30) + timedelta(minutes=3 * i)
    return at(DAY2, 9, 0) + timedelta(minutes=2 * (i - 20))


def name_of(i):
    return FIRST[i % len(FIRST)], LAST[i % len(LAST)]


def check_in(registration, day, scanned_at, *, voided=False, item=None):
    """A check-in row as the door would write it."""
    row = CheckIn(event_id=registration.event_id, registration_id=registration.id, day=day, scanned_at=scanned_at,
                  source="qr", client_id=f"c{next(_client)}", agenda_item_id=item.id if item else None,
                  voided_at=scanned_at + timedelta(minutes=1) if voided else None)
    db.session.add(row)
    return row


def person(i, **kw):
    first, last = name_of(i)
    return Person(first_name=first, last_name=last, name_key=name_key(first, last), sex=sex_of(i), age_band=band_of(i),
                  category=category(category_of(i)), locality=locality_of(i), organisation=f"Structure {i}",
                  function="Chargé de mission", phone=f"+2237600{i:04d}", email=f"p{i}@example.org", **kw)


def known_attendance(**event_kw):
    """The event, its 60 registrations (by index) and their check-ins; committed."""
    kw = dict(slug="restitution", title="Atelier de restitution", start_date=DAY1, end_date=DAY2,
              timezone="Africa/Bamako", language="fr")
    kw.update(event_kw)
    event = make_event(**kw)
    regs = []
    for i in range(60):
        p = person(i)
        db.session.add(p)
        reg = Registration(event=event, person=p, status=status_of(i), checkin_token=new_checkin_token(),
                           answer_token=new_answer_token())
        db.session.add(reg)
        regs.append(reg)
    db.session.flush()
    for i, reg in enumerate(regs):
        if i == 5:
            check_in(reg, DAY1, at(DAY1, 6, 0), voided=True)
        if i == 40:
            check_in(reg, DAY1, at(DAY1, 10, 0), voided=True)
        if day1(i):
            check_in(reg, DAY1, arrival(i, DAY1))
        if day2(i):
            check_in(reg, DAY2, arrival(i, DAY2))
    db.session.commit()
    return event, regs
