"""Organizers set the days a participant is registered for: on the participant's form (new or
edited), for a selection of the list, and the days move with a postponed event."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from eventapp.core.errors import ValidationError
from eventapp.events.services import event_form_data, save_event
from eventapp.extensions import db
from eventapp.registration.models import Registration, RegistrationDay
from eventapp.registration.services import set_registration_days
from tests import factories

THU, FRI, SAT = date(2026, 1, 15), date(2026, 1, 16), date(2026, 1, 17)
PERSON = {"first_name": "Moussa", "last_name": "Maïga", "sex": "M", "status": "registered"}


@pytest.fixture
def training(app):
    return factories.make_event(slug="formation", start_date=THU, end_date=SAT)


def _days(registration_id: int) -> list[date]:
    db.session.expire_all()
    return db.session.get(Registration, registration_id).days


def test_new_participant_for_the_opening_only(client, login, training):
    login("organizer")
    url = f"/events/{training.slug}/participants/new"
    form = client.get(url).get_data(as_text=True)
    # Every day ticked to begin with, in words in the reader's language.
    assert form.count('name="days"') == 3 and form.count(" checked>") >= 3
    assert "jeudi 15 janvier 2026" in form and "samedi 17 janvier 2026" in form
    response = client.post(url, data={**PERSON, "days": ["2026-01-15"]})
    assert response.status_code == 302, response.get_data(as_text=True)
    registration = db.session.scalar(select(Registration))
    assert _days(registration.id) == [THU]
    listing = client.get(f"/events/{training.slug}/participants").get_data(as_text=True)
    assert "jeu. 15 janv." in listing


def test_no_day_ticked_is_refused_and_registers_nobody(client, login, training):
    login("organizer")
    response = client.post(f"/events/{training.slug}/participants/new", data=PERSON)
    assert response.status_code == 200
    assert "Cochez au moins un jour." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Registration.id))) == 0
    english = client.post(f"/events/{training.slug}/participants/new?lang=en", data=PERSON)
    assert "Tick at least one day." in english.get_data(as_text=True)


def test_edit_restricts_then_every_day_lifts_it(client, login, training):
    login("organizer")
    registration = factories.make_registration(training, factories.make_person("Awa", "Traoré"))
    url = f"/events/{training.slug}/participants/{registration.id}"
    data = {"first_name": "Awa", "last_name": "Traoré", "sex": "F", "status": "registered"}
    assert client.post(url, data={**data, "days": ["2026-01-16", "2026-01-17"]}).status_code == 302
    assert _days(registration.id) == [FRI, SAT]
    page = client.get(url).get_data(as_text=True)
    assert 'value="2026-01-15">' in page and 'value="2026-01-16" checked>' in page
    # A day that is not the event's: refused, and the name typed with it is not saved either.
    bad = client.post(url, data={**data, "first_name": "Awa-Bintou", "days": ["2026-01-18"]})
    assert bad.status_code == 200 and "2026-01-18" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert registration.person.first_name == "Awa" and _days(registration.id) == [FRI, SAT]
    assert client.post(url, data={**data, "days": ["2026-01-15", "2026-01-16", "2026-01-17"]}).status_code == 302
    assert _days(registration.id) == []  # every day: for the whole event
    listing = client.get(f"/events/{training.slug}/participants").get_data(as_text=True)
    assert "Tous les jours" in listing


def test_days_of_a_selection(client, login, training):
    login("organizer")
    regs = [factories.make_registration(training, factories.make_person(first, last))
            for first, last in (("Moussa", "Maïga"), ("Oumar", "Keïta"), ("Awa", "Traoré"))]
    url = f"/events/{training.slug}/participants/days"
    chosen = {"registration_ids": [str(regs[0].id), str(regs[1].id)], "days": ["2026-01-15"]}
    first = client.post(url, data=chosen, follow_redirects=True).get_data(as_text=True)
    assert "Les jours de 2 inscriptions ont été modifiés." in first
    assert [_days(r.id) for r in regs] == [[THU], [THU], []]
    again = client.post(url, data=chosen, follow_redirects=True).get_data(as_text=True)  # a double click
    assert "Les jours de 0 inscription ont été modifiés." in again
    assert db.session.scalar(select(func.count()).select_from(RegistrationDay)) == 2
    refused = client.post(url, data={**chosen, "days": []}, follow_redirects=True).get_data(as_text=True)
    assert "Cochez au moins un jour." in refused
    assert [_days(r.id) for r in regs] == [[THU], [THU], []]
    nobody = client.post(url, data={"days": ["2026-01-16"]}, follow_redirects=True).get_data(as_text=True)
    assert "Aucun participant n’est coché." in nobody


def test_a_one_day_event_has_no_days_to_tick(client, login):
    login("organizer")
    event = factories.make_event()
    url = f"/events/{event.slug}/participants/new"
    assert 'name="days"' not in client.get(url).get_data(as_text=True)
    assert client.post(url, data=PERSON).status_code == 302
    assert db.session.scalar(select(Registration)).days == []


def test_postponing_the_event_moves_the_days_with_the_agenda(training):
    factories.make_agenda_item(training, day=THU)
    official = factories.make_registration(training, factories.make_person("Moussa", "Maïga"))
    set_registration_days(official, [THU, FRI])
    moved = {**event_form_data(training), "start_date": date(2026, 2, 5), "end_date": date(2026, 2, 7)}
    with pytest.raises(ValidationError) as refused:
        save_event(moved, training)
    assert "1 participant" in refused.value.errors["start_date"][0]
    assert _days(official.id) == [THU, FRI]
    save_event({**moved, "move_agenda": True}, training)
    assert _days(official.id) == [date(2026, 2, 5), date(2026, 2, 6)]
    # A day more at the end keeps everyone's days as they are.
    save_event({**event_form_data(training), "end_date": date(2026, 2, 8)}, training)
    assert _days(official.id) == [date(2026, 2, 5), date(2026, 2, 6)]
