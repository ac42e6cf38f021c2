"""The directory: cleaning what people type, search without accents, duplicates and merges."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from eventapp.audit.models import AuditEntry
from eventapp.core import web
from eventapp.core.errors import ValidationError
from eventapp.door.models import CheckIn
from eventapp.extensions import db
from eventapp.people import services as people
from eventapp.people.models import Person, PersonMerge
from eventapp.registration.models import Registration
from tests import factories


@pytest.mark.parametrize("raw", ["76123456", "76 12 34 56", "+223 76 12 34 56", "0022376123456", "22376123456",
                                 76123456.0, 76123456, "76123456.0", "'+22376123456", "76.12.34.56"])
def test_malian_phones_are_stored_in_e164(app, raw):
    assert people.normalise_phone(raw, "ML") == "+22376123456"


def test_foreign_and_empty_phones(app):
    assert people.normalise_phone("+33 6 12 34 56 78", "ML") == "+33612345678"
    assert people.normalise_phone("", "ML") is None and people.normalise_phone(None, "ML") is None
    for bad in ("12345678", "abc", "7612", 7.6e7 + 0.5):
        with pytest.raises(ValueError):
            people.normalise_phone(bad, "ML")


def test_emails_are_checked_and_lower_cased(app):
    assert people.normalise_email(" Awa.Traore@Example.ORG ") == "awa.traore@example.org"
    assert people.normalise_email("") is None
    with pytest.raises(ValueError):
        people.normalise_email("awa@")


@pytest.mark.parametrize("raw,code", [("F", "F"), ("f", "F"), ("Femme", "F"), ("female", "F"), ("H", "M"),
                                      ("homme", "M"), ("Male", "M"), ("M", "M"), ("", "X")])
def test_sex_values(app, raw, code):
    assert people.parse_sex(raw) == code


@pytest.mark.parametrize("raw,band", [("25-35", "25-35"), ("25–35", "25-35"), ("25 - 35", "25-35"), ("65+", "65+"),
                                      ("32", "25-35"), (32, "25-35"), (17.0, "0-17"), ("70 ans", "65+"),
                                      ("", None), (None, None)])
def test_age_bands_and_ages(app, raw, band):
    assert people.parse_age_band(raw, web.settings().age_bands) == band


def test_bad_sex_and_age_band(app):
    with pytest.raises(ValueError):
        people.parse_sex("peut-être")
    with pytest.raises(ValueError):
        people.parse_age_band("20-30", web.settings().age_bands)


def test_save_person_normalises_and_keeps_the_name_key(app):
    person = people.save_person({"first_name": "Awa", "last_name": "Traoré", "sex": "femme", "phone": "76 12 34 56",
                                 "email": "AWA@EXAMPLE.ORG", "age_band": "40", "category": "Société civile"},
                                settings=web.settings())
    assert (person.phone, person.email, person.sex, person.age_band) == \
        ("+22376123456", "awa@example.org", "F", "36-50")
    assert person.category.code == "civil_society"
    assert person.name_key == "awa traore"
    people.save_person({"first_name": "Awa", "last_name": "Maïga"}, person, settings=web.settings(), partial=True)
    assert person.name_key == "awa maiga"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "person.update")) is not None


def test_save_person_refuses_bad_values_and_writes_nothing(app):
    with pytest.raises(ValidationError) as info:
        people.save_person({"first_name": "Awa", "last_name": "", "phone": "123", "email": "x@", "sex": "?",
                            "category": "Martians"}, settings=web.settings())
    assert set(info.value.errors) == {"last_name", "phone", "email", "sex", "category"}
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(Person)) == 0


def test_consents_keep_their_history(app):
    person = factories.make_person()
    people.record_consent(person, "photos", True)
    people.record_consent(person, "photos", False)
    people.record_consent(person, "share_funder", True)
    assert [(c.kind, c.given) for c in person.consents] == [("photos", True), ("photos", False), ("share_funder", True)]
    current = people.current_consents(person)
    assert current["photos"].given is False and current["share_funder"].given is True
    assert all(c.recorded_at.tzinfo is not None for c in person.consents)
    with pytest.raises(ValidationError):
        people.record_consent(person, "dna", True)


def test_search_ignores_accents_case_and_apostrophes(app):
    factories.make_person("Awa", "Traoré")
    factories.make_person("Fatoumata", "Maïga")
    factories.make_person("Ousmane", "N'Diaye")
    factories.make_person("Moussa", "Diarra", phone="+22376000001")

    def names(q):
        return [p.last_name for p in people.search_persons(q)[0]]

    assert names("traore") == ["Traoré"]
    assert names("TRAORÉ awa") == ["Traoré"]
    assert names("maiga") == ["Maïga"]
    assert names("ndiaye") == ["N'Diaye"]
    assert names("n’diaye") == ["N'Diaye"]
    assert names("76000001") == ["Diarra"]
    assert len(names("")) == 4


def test_duplicates_are_suggested_not_merged(app):
    a = factories.make_person("Awa", "Traoré", phone="+22376123456")
    b = factories.make_person("AWA", "TRAORE")  # same names, other order of case and accents
    c = factories.make_person("Mariam", "Keïta", phone="+22376123456")  # same phone
    d = factories.make_person("Traoré", "Awa", email="awa@example.org")  # names the other way round
    found = {p.id: reason for p, reason in people.find_duplicates(a)}
    assert found == {b.id: "name", c.id: "phone", d.id: "name"}
    groups = {(g.reason, g.value): [p.id for p in g.persons] for g in people.duplicate_groups()}
    assert groups[("phone", "+22376123456")] == [a.id, c.id]
    assert groups[("name", "awa traore")] == [a.id, b.id, d.id]
    assert db.session.scalar(select(db.func.count()).select_from(PersonMerge)) == 0


def test_merge_keeps_the_history_of_both(app):
    first_event = factories.make_event()
    second_event = factories.make_event()
    kept = factories.make_person("Awa", "Traoré", phone="+22376123456")
    merged = factories.make_person("Awa", "Traore", email="awa@example.org", organisation="APDF", sex="F")
    kept_reg = factories.make_registration(first_event, kept)
    merged_same_event = factories.make_registration(first_event, merged)
    merged_other_event = factories.make_registration(second_event, merged)
    db.session.add(CheckIn(event_id=first_event.id, registration_id=merged_same_event.id, day=date(2023, 6, 21),
                           scanned_at=datetime(2023, 6, 21, 9, tzinfo=UTC)))
    people.record_consent(merged, "photos", True)
    db.session.commit()

    merge = people.merge_persons(kept, merged)
    assert merged.merged_into_id == kept.id
    assert db.session.get(Registration, merged_other_event.id).person_id == kept.id
    # Both were registered at the first event: the check-in moves over, the duplicate registration is cancelled.
    assert db.session.get(Registration, merged_same_event.id).status == "cancelled"
    assert [c.registration_id for c in db.session.scalars(select(CheckIn))] == [kept_reg.id]
    assert kept.email == "awa@example.org" and kept.organisation == "APDF" and kept.sex == "F"
    assert [c.kind for c in kept.consents] == ["photos"]
    snapshot = json.loads(merge.snapshot)
    assert snapshot["email"] == "awa@example.org" and len(snapshot["registrations"]) == 2
    assert people.search_persons("traore")[0] == [kept]
    with pytest.raises(ValidationError):
        people.merge_persons(kept, merged)
    with pytest.raises(ValidationError):
        people.merge_persons(kept, kept)
