"""The CLI of the events area: ``eventapp demo`` and ``eventapp programme``."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from eventapp.accounts.models import User
from eventapp.door.models import CheckIn, Station
from eventapp.events.models import AgendaItem, Event, Official
from eventapp.extensions import db
from eventapp.people.models import Person
from eventapp.registration.models import Registration
from tests import factories
from tests.pdfutil import pdf_text


def counts():
    event = db.session.scalar(select(Event).where(Event.slug == "restitution-2023"))
    def count(model):
        return db.session.scalar(select(func.count()).select_from(model).where(model.event_id == event.id))

    data = {"registrations": count(Registration), "checkins": count(CheckIn),
            "agenda_items": count(AgendaItem), "officials": count(Official)}
    data["persons"] = db.session.scalar(select(func.count()).select_from(Person))
    data["events"] = db.session.scalar(select(func.count()).select_from(Event))
    data["users"] = db.session.scalar(select(func.count()).select_from(User))
    return event, data


def test_demo_default_with_attendance_and_twice_same_counts(runner):
    result = runner.invoke(args=["demo", "--participants", "40"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.eventapp.org" in result.output and "door@demo.eventapp.org" in result.output
    assert "demo-eventapp-2023" in result.output and "/login" in result.output
    event, first = counts()
    assert event.start_date == event.end_date == date(2023, 6, 21)
    assert event.venue_name == "Salle de conférence de la Maison de la Femme" and event.city == "Bamako"
    assert "IMRAP" in event.organizer and "DPDH" in event.partner
    assert first["registrations"] == 40 and first["persons"] == 40
    assert first["checkins"] == 28  # 70 %
    assert first["agenda_items"] >= 7 and first["officials"] >= 4
    assert [o.last_name for o in event.officials][0] == "SOGOBA"
    assert event.officials[0].role == "presides"
    checkins = list(db.session.scalars(select(CheckIn)))
    zone = ZoneInfo("Africa/Bamako")
    for checkin in checkins:
        local = checkin.scanned_at.astimezone(zone)
        assert checkin.day == date(2023, 6, 21) == local.date()
        assert time(8, 15) <= local.time() <= time(10, 0)
        assert checkin.source == "qr"
    station = db.session.scalar(select(Station))
    assert station.name == "Entrée principale" and {c.station_id for c in checkins} == {station.id}
    door = db.session.scalar(select(User).where(User.email == "door@demo.eventapp.org"))
    assert [e.slug for e in door.events] == ["restitution-2023"]
    # Persons are plausible: accents kept, name keys set, phones in +223 form for most.
    persons = list(db.session.scalars(select(Person)))
    assert all(p.name_key for p in persons)
    assert sum(1 for p in persons if p.phone and p.phone.startswith("+223") and len(p.phone) == 12) > 25
    assert {p.sex for p in persons} == {"F", "M"}
    assert all(p.category is not None and p.age_band for p in persons)

    again = runner.invoke(args=["demo", "--participants", "40"])
    assert again.exit_code == 0, again.output
    assert "password unchanged" in again.output
    db.session.expire_all()
    event2, second = counts()
    assert event2.id == event.id
    assert second == first
    assert [e.slug for e in db.session.get(User, door.id).events] == ["restitution-2023"]


def test_demo_is_deterministic(runner):
    runner.invoke(args=["demo", "--participants", "15"])
    names = [r.person.full_name for r in db.session.scalars(select(Registration).order_by(Registration.id))]
    runner.invoke(args=["demo", "--participants", "15"])
    db.session.expire_all()
    again = [r.person.full_name for r in db.session.scalars(select(Registration).order_by(Registration.id))]
    assert names == again and len(set(names)) > 5


def test_demo_today_has_no_attendance(runner):
    result = runner.invoke(args=["demo", "--participants", "10", "--date", "today"])
    assert result.exit_code == 0, result.output
    event, data = counts()
    today = datetime.now(ZoneInfo("Africa/Bamako")).date()
    assert event.start_date == today and all(i.day == today for i in event.agenda_items)
    assert data["checkins"] == 0 and data["registrations"] == 10


def test_demo_other_dates(runner):
    past = (datetime.now(ZoneInfo("Africa/Bamako")).date() - timedelta(days=30)).isoformat()
    assert runner.invoke(args=["demo", "--participants", "10", "--date", past]).exit_code == 0
    event, data = counts()
    assert event.start_date.isoformat() == past and data["checkins"] == 7
    future = (datetime.now(ZoneInfo("Africa/Bamako")).date() + timedelta(days=30)).isoformat()
    assert runner.invoke(args=["demo", "--participants", "10", "--date", future]).exit_code == 0
    db.session.expire_all()
    event, data = counts()
    assert event.start_date.isoformat() == future and data["checkins"] == 0 and data["events"] == 1
    bad = runner.invoke(args=["demo", "--date", "21/06/2023"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output


def test_demo_keeps_other_events_people(runner):
    other = factories.make_event(slug="autre")
    factories.make_registration(other, factories.make_person("Moussa", "Diarra"))
    runner.invoke(args=["demo", "--participants", "5"])
    runner.invoke(args=["demo", "--participants", "5"])
    assert db.session.scalar(select(func.count()).select_from(Person)) == 6


def test_programme_command(runner, tmp_path):
    runner.invoke(args=["demo", "--participants", "3"])
    out = tmp_path / "programme.pdf"
    result = runner.invoke(args=["programme", "restitution-2023", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = pdf_text(out.read_bytes())
    assert "M. Oumar SOGOBA" in text and "Maison de la Femme" in text
    assert text.index("M. Oumar SOGOBA") < text.index("Dr Fatoumata MAÏGA") < text.index("Colonel Ibrahim N'DIAYE")
    assert "Présentation des résultats de 17 mois de" in text
    missing = runner.invoke(args=["programme", "nope", "--out", str(tmp_path / "x.pdf")])
    assert missing.exit_code != 0 and "nope" in missing.output
    nowhere = runner.invoke(args=["programme", "restitution-2023", "--out", str(tmp_path / "no" / "such" / "x.pdf")])
    assert nowhere.exit_code != 0 and "Cannot write" in nowhere.output
