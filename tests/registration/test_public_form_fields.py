"""The public form's questions, its category, its consents and its capacity (issue 13, item 13).

The organizer chooses which optional questions the form asks (hidden, optional, required); the
category offers the active categories in the visitor's language and public registrants are
counted by it in the donor's report; an unticked consent box is "not given", never "withdrawn";
the capacity counts people accepted or registered, not people merely invited.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from eventapp.core import web
from eventapp.extensions import db
from eventapp.people import services as people
from eventapp.people.models import Consent, Person
from eventapp.registration import invitations
from eventapp.registration import services as registrations
from eventapp.registration.models import Registration
from eventapp.reports.services import build_report
from tests import factories
from tests import reports_fixtures as kf

EN = {"Accept-Language": "en"}


def open_event(**kw):
    """An event a month from now with its public form open."""
    day = date.today() + timedelta(days=30)
    return factories.make_event(start_date=day, end_date=day, registration_open=True, **kw)


def ask(event, **fields):
    """Set the event's questions as the service would (``ask(event, category="required")``)."""
    return invitations.set_public_form(event, open_=True, capacity=event.registration_capacity, closes_at=None,
                                       fields=fields)


def visitor(**kw):
    data = {"first_name": "Awa", "last_name": "Traoré", "sex": "F", "age_band": "25-35", "phone": "",
            "email": "", "organisation": "APDF", "function": "", "locality": "Mopti"}
    data.update(kw)
    return data


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def inputs(html: str) -> set[str]:
    """The names of the form's inputs and selects."""
    return set(re.findall(r'<(?:input|select)[^>]* name="([^"]+)"', html))


def options(html: str, name: str) -> list[tuple[str, str]]:
    """(value, text) of the options of the select ``name``."""
    select_html = re.search(rf'<select[^>]* name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select_html)


def selected(html: str, name: str) -> str:
    """The value of the option selected in the select ``name``."""
    select_html = re.search(rf'<select[^>]* name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.search(r'<option selected value="([^"]*)"', select_html).group(1)


def the_registration(event) -> Registration:
    return db.session.scalar(select(Registration).where(Registration.event_id == event.id))


# --- which questions the form asks --------------------------------------------------------


def test_by_default_the_form_asks_everything_and_the_category(app, client):
    event = open_event()
    html = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    assert {"honorific", "first_name", "last_name", "sex", "age_band", "category", "organisation", "function",
            "locality", "phone", "email", "consent_photos", "consent_recordings",
            "consent_share_funder"} <= inputs(html)
    assert "Catégorie" in html and "facultatifs" in html


def test_organizer_chooses_the_questions_in_french(app, client, login):
    login("organizer")
    event = open_event()
    url = f"/events/{event.slug}/registration-form"
    page = client.get(url).get_data(as_text=True)
    assert "Questions du formulaire" in page and "Toujours demandés : Titre de civilité, Prénom, Nom, Sexe." in page
    assert options(page, "ask_category") == [("hidden", "Non demandé"), ("shown", "Demandé, facultatif"),
                                             ("required", "Demandé, obligatoire")]
    assert [v for v, _text in options(page, "ask_consent_photos")] == ["hidden", "shown"]  # a consent is free
    response = client.post(url, data={"open": "y", "ask_category": "required", "ask_organisation": "hidden",
                                      "ask_phone": "hidden", "ask_email": "required",
                                      "ask_consent_recordings": "hidden"})
    assert response.status_code == 302
    db.session.refresh(event)
    chosen = invitations.public_form_fields(event)
    assert (chosen["category"], chosen["organisation"], chosen["phone"], chosen["email"], chosen["function"]) == \
        ("required", "hidden", "hidden", "required", "shown")
    assert chosen["consent_recordings"] == "hidden" and chosen["consent_photos"] == "shown"
    # Saved and shown again as chosen; closing the form (no question sent) keeps the questions.
    again = client.get(url).get_data(as_text=True)
    assert (selected(again, "ask_category"), selected(again, "ask_phone")) == ("required", "hidden")
    client.post(url, data={})
    db.session.refresh(event)
    assert not event.registration_open and invitations.public_form_fields(event) == chosen

    client.post(url, data={"open": "y"})
    html = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    names = inputs(html)
    assert {"category", "email", "function", "consent_photos"} <= names
    assert not {"organisation", "phone", "consent_recordings"} & names
    assert re.search(r'<select[^>]* name="category"[^>]* required', html)
    # Phone or email required: the form no longer says they are optional.
    assert "facultatifs" not in html and "Nous ne recueillons que ce dont les organisateurs ont besoin." in html


def test_organizer_chooses_the_questions_in_english(app, client, login):
    login("organizer")
    event = open_event()
    url = f"/events/{event.slug}/registration-form?lang=en"
    page = client.get(url).get_data(as_text=True)
    assert "Questions of the form" in page and "Always asked: Honorific, First name, Last name, Sex." in page
    assert options(page, "ask_locality")[2] == ("required", "Asked, required")
    assert "Consent to sharing with the funder" in page
    assert client.post(url, data={"open": "y", "ask_locality": "hidden"}).status_code == 302
    html = client.get(f"/e/{event.slug}/register", headers=EN).get_data(as_text=True)
    assert "locality" not in inputs(html) and "Category" in html


@pytest.mark.parametrize("bad", [{"ask_category": "mandatory"}, {"ask_consent_photos": "required"}])
def test_a_bad_choice_is_refused_and_changes_nothing(app, client, login, bad):
    login("organizer")
    event = open_event(registration_capacity=20)
    response = client.post(f"/events/{event.slug}/registration-form", data={"open": "y", "capacity": "50", **bad})
    assert response.status_code == 200 and "Choisissez l&#39;une des réponses proposées." in response.get_data(
        as_text=True)
    db.session.refresh(event)
    assert event.public_form_fields is None and event.registration_capacity == 20


def test_a_hidden_question_is_ignored_when_posted(app, client):
    event = open_event()
    ask(event, organisation="hidden", locality="hidden", consent_share_funder="hidden")
    client.post(f"/e/{event.slug}/register",
                data=visitor(organisation="Réseau Maïga", consent_share_funder="y", consent_photos="y"))
    person = the_registration(event).person
    assert (person.organisation, person.locality) == ("", "")
    assert {c.kind: c.state for c in person.consents} == {"photos": "given", "recordings": "not_given"}


def test_a_required_question_left_empty_registers_nobody(app, client):
    event = open_event()
    ask(event, category="required", age_band="required")
    response = client.post(f"/e/{event.slug}/register", data=visitor(category="", age_band=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and html.count("Ce champ est obligatoire.") == 2
    english = client.post(f"/e/{event.slug}/register", data=visitor(category=""), headers=EN)
    assert english.status_code == 422 and "This field is required." in english.get_data(as_text=True)
    assert count(Registration) == 0 and count(Person) == 0


# --- the category ---------------------------------------------------------------------------


def test_the_category_offers_active_categories_in_the_visitors_language(app, client):
    factories.category("press").active = False
    db.session.commit()
    event = open_event()
    french = options(client.get(f"/e/{event.slug}/register").get_data(as_text=True), "category")
    english = options(client.get(f"/e/{event.slug}/register", headers=EN).get_data(as_text=True), "category")
    assert ("civil_society", "Société civile") in french and ("fds", "FDS") in french
    assert ("civil_society", "Civil society") in english and ("fds", "Defence and security forces") in english
    assert french[0] == ("", "—") and "press" not in {v for v, _ in french + english}
    # A retired category posted anyway is refused, with nothing registered.
    response = client.post(f"/e/{event.slug}/register", data=visitor(category="press"))
    assert response.status_code == 422 and "Catégorie inconnue « press »." in response.get_data(as_text=True)
    assert count(Registration) == 0


def test_public_registrants_are_counted_by_category_in_the_donors_report(app, client):
    event = open_event()
    for data in (visitor(category="civil_society"),
                 visitor(first_name="Moussa", last_name="Maïga", sex="M", category="fds"),
                 visitor(first_name="Aïssata", last_name="N'Diaye", category="civil_society")):
        assert client.post(f"/e/{event.slug}/register", data=data).status_code == 200
    regs = list(db.session.scalars(select(Registration).where(Registration.event_id == event.id)))
    assert sorted((r.person.last_name, r.person.category.code) for r in regs) == [
        ("Maïga", "fds"), ("N'Diaye", "civil_society"), ("Traoré", "civil_society")]
    for r in regs:
        kf.check_in(r, event.start_date, kf.at(event.start_date, 9, 0))
    db.session.commit()
    report = build_report(event, settings=web.settings())
    assert report.by_sex_category.value("Société civile", "Femmes") == 2
    assert report.by_sex_category.value("FDS", "Hommes") == 1
    assert report.by_sex_category.value("Sans catégorie", "Total") is None  # nobody left uncategorised
    english = build_report(event, settings=web.settings(), language="en")
    assert english.by_sex_category.value("Civil society", "Women") == 2
    assert english.by_sex_category.value("Defence and security forces", "Men") == 1


# --- consents -------------------------------------------------------------------------------


def test_an_unticked_consent_is_not_given_and_only_taking_it_back_is_withdrawn(app, client, login):
    event = open_event()
    client.post(f"/e/{event.slug}/register", data=visitor(last_name="N'Diaye", consent_photos="y"))
    registration = the_registration(event)
    person = registration.person
    assert {c.kind: c.state for c in person.consents} == {
        "photos": "given", "recordings": "not_given", "share_funder": "not_given"}
    kf.check_in(registration, event.start_date, kf.at(event.start_date, 9, 0))
    db.session.commit()
    table = build_report(event, settings=web.settings()).consents
    assert table.value("Enregistrements", "Non donné") == 1 and table.value("Enregistrements", "Retiré") == 0
    assert table.value("Photos", "Donné") == 1
    # The person takes back the photos: now, and only now, a consent is withdrawn.
    people.record_consent(person, "photos", False, event_id=event.id)
    people.record_consent(person, "recordings", False, event_id=event.id)  # still never given
    assert {k: c.state for k, c in people.current_consents(person).items()} == {
        "photos": "withdrawn", "recordings": "not_given", "share_funder": "not_given"}
    english = build_report(event, settings=web.settings(), language="en").consents
    assert english.columns == ["Given", "Not given", "Withdrawn", "Not recorded"]
    assert english.value("Photos", "Withdrawn") == 1 and english.value("Recordings", "Not given") == 1
    # The privacy page and the participant's page say the same, in both languages.
    login("admin")
    page = client.get(f"/admin/people/{person.id}/privacy").get_data(as_text=True)
    assert "Non donné" in page and "Retiré" in page and "Donné" in page
    page = client.get(f"/admin/people/{person.id}/privacy?lang=en").get_data(as_text=True)
    assert "Not given" in page and "Withdrawn" in page


def test_a_hidden_consent_question_records_nothing(app, client):
    event = open_event()
    ask(event, consent_photos="hidden", consent_recordings="hidden", consent_share_funder="hidden")
    html = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    assert "Consentements" not in html
    client.post(f"/e/{event.slug}/register", data=visitor(last_name="Maïga", consent_photos="y"))
    assert the_registration(event).person.consents == [] and count(Consent) == 0


def test_a_double_submit_records_the_consents_once(app, client):
    event = open_event()
    ask(event, category="required")
    page = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    key = re.search(r'name="submission" type="hidden" value="([^"]+)"', page).group(1)
    data = visitor(last_name="N'Diaye", category="civil_society", consent_photos="y", submission=key)
    first = client.post(f"/e/{event.slug}/register", data=data)
    second = client.post(f"/e/{event.slug}/register", data=data)
    assert first.status_code == second.status_code == 200
    assert count(Registration) == 1 and count(Person) == 1 and count(Consent) == 3


# --- capacity -------------------------------------------------------------------------------


def test_capacity_counts_accepted_and_registered_people_not_invited_ones(app, client, login):
    event = open_event(registration_capacity=2)
    for i, status in enumerate(("invited", "invited", "invited", "declined", "cancelled")):
        factories.make_registration(event, factories.make_person("Awa", f"Traoré {i}"), status=status)
    assert invitations.places_taken(event) == 0 and invitations.public_form_closed_reason(event) is None
    accepted = factories.make_registration(event, factories.make_person("Moussa", "Maïga"), status="invited")
    registrations.mark_answered(accepted, True)
    db.session.commit()
    assert accepted.status == "accepted" and invitations.places_taken(event) == 1
    login("organizer")
    page = client.get(f"/events/{event.slug}/registration-form").get_data(as_text=True)
    assert "Places prises : 1 sur 2" in page
    assert client.post(f"/e/{event.slug}/register", data=visitor(last_name="N'Diaye")).status_code == 200
    full = client.post(f"/e/{event.slug}/register", data=visitor(first_name="Ali", last_name="Touré"))
    assert full.status_code == 409 and "Cet événement est complet." in full.get_data(as_text=True)
    english = client.get(f"/e/{event.slug}/register", headers=EN).get_data(as_text=True)
    assert "This event is full." in english and event.title not in english  # a closed form shows nothing of it
    assert count(Registration) == 7
    english = client.get(f"/events/{event.slug}/registration-form?lang=en").get_data(as_text=True)
    assert "Places taken: 2 of 2" in english
