"""One table of person fields (``people.PERSON_FIELD_TABLE``): every part that lists fields derives from it.

Each test iterates the table, so a field added to it but forgotten by a form, the import, the
export, the erasure or the privacy export fails here, and so does a second copy that drifts.
"""
from __future__ import annotations

import csv
import io

from sqlalchemy import String, select

from eventapp.core import web
from eventapp.core.text import fold
from eventapp.extensions import db
from eventapp.people import exports, imports
from eventapp.people import services as people
from eventapp.people.models import Person
from eventapp.people.services import PERSON_FIELD_TABLE
from eventapp.privacy import services as privacy
from eventapp.registration import invitations
from tests import factories

#: The import table of the contract (README, Import columns): each of these headers must be read as its field.
DESIGN_HEADERS = {
    "honorific": ("title", "civilité", "titre"), "first_name": ("first name", "prénom"),
    "last_name": ("last name", "surname", "nom"), "sex": ("sex", "gender", "sexe", "genre"),
    "age_band": ("age band", "age", "tranche d'âge", "âge"), "category": ("category", "catégorie"),
    "organisation": ("organisation", "organization", "structure"), "function": ("function", "position", "fonction",
                                                                               "poste"),
    "locality": ("locality", "localité", "commune"), "phone": ("phone", "téléphone", "tél"),
    "email": ("email", "e-mail", "courriel"),
}

#: A value for each kind of field, with accents, as an export writes it back.
SAMPLE = {"honorific": "Mme", "first_name": "Aïssata", "last_name": "N'Diaye-Traoré", "sex": "F",
          "age_band": "25-35", "category_id": "Société civile", "organisation": "Association des femmes de Ségou",
          "function": "Présidente", "locality": "Sévaré", "phone": "+22376123456", "email": "aissata@example.org"}


def test_the_table_matches_the_person_model():
    columns = Person.__table__.columns
    for f in PERSON_FIELD_TABLE:
        assert f.name in columns, f.name
        column_type = columns[f.name].type
        if f.kind == "text":
            assert isinstance(column_type, String) and f.limit == column_type.length, f.name
    assert tuple(f.name for f in PERSON_FIELD_TABLE) == people.PERSON_FIELDS


def test_every_contract_header_maps_to_its_field():
    importable = {f.key for f in PERSON_FIELD_TABLE if f.headers}
    assert set(DESIGN_HEADERS) == importable == set(imports.FIELDS)
    for key, names in DESIGN_HEADERS.items():
        for name in names:
            assert imports.guess_mapping([name.upper()]) == {0: key}, name
    for f in PERSON_FIELD_TABLE:
        for name in f.headers:
            assert imports.guess_mapping([name]) == {0: f.key}, name
        assert imports.FIELD_LABELS[f.key]


def test_export_writes_every_exported_field_and_the_import_reads_it_back(app):
    event = factories.make_event(slug="export-fields")
    person = factories.make_person(SAMPLE["first_name"], SAMPLE["last_name"], category="civil_society",
                                   **{k: v for k, v in SAMPLE.items() if k not in ("first_name", "last_name",
                                                                               "category_id")})
    factories.make_registration(event, person)
    raw = exports.export_participants(event, "csv")
    header, row = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))[:2]
    exported = [f for f in PERSON_FIELD_TABLE if f.export_header]
    assert header[:len(exported)] == [f.export_header for f in exported]
    written = dict(zip(header, row, strict=False))
    for f in exported:
        assert written[f.export_header].lstrip("'") == SAMPLE[f.name], f.name
    # Every exported header is an import header of the same field: the export reads back in.
    other = factories.make_event(slug="import-fields")
    summary = imports.import_file(other, raw, "participants.csv", settings=web.settings())
    assert summary.rows == 1 and summary.reused == 1  # the same person (same phone), not a copy
    assert imports.guess_mapping(header[:len(exported)]) == {i: f.key for i, f in enumerate(exported)}


def test_erasure_blanks_every_personal_field_and_keeps_the_counted_ones(app):
    person = factories.make_person(SAMPLE["first_name"], SAMPLE["last_name"], category="civil_society", notes="vu",
                                   **{k: v for k, v in SAMPLE.items() if k not in ("first_name", "last_name",
                                                                               "category_id")})
    kept = {f.name: getattr(person, f.name) for f in PERSON_FIELD_TABLE if not f.personal}
    privacy.erase_person(person)
    db.session.expire_all()
    erased = db.session.scalar(select(Person).where(Person.id == person.id))
    for f in PERSON_FIELD_TABLE:
        if f.personal and f.name != "last_name":
            assert getattr(erased, f.name) in ("", None), f.name
        elif not f.personal:
            assert getattr(erased, f.name) == kept[f.name], f.name
    assert erased.last_name == privacy.pseudonym(person.id)
    assert not any(fold(SAMPLE[f.name]) in fold(str(getattr(erased, f.name) or "")) for f in PERSON_FIELD_TABLE
                   if f.personal and f.name in SAMPLE)


def test_the_privacy_export_holds_every_field(app):
    person = factories.make_person(SAMPLE["first_name"], SAMPLE["last_name"], category="civil_society", notes="vu",
                                   **{k: v for k, v in SAMPLE.items() if k not in ("first_name", "last_name",
                                                                               "category_id")})
    data = privacy.export_person(person)["person"]
    for f in PERSON_FIELD_TABLE:
        expected = "civil_society" if f.kind == "category" else getattr(person, f.name)
        assert data[f.key] == expected, f.name


def test_forms_have_the_fields_the_table_gives_them(app):
    from eventapp.people.views import ParticipantForm, PersonForm
    from eventapp.registration.views import DetailsForm, PublicRegistrationForm

    def names(form):
        return [field.name for field in form]

    with app.test_request_context():
        assert names(PersonForm()) == [f.name for f in PERSON_FIELD_TABLE]
        assert set(f.name for f in PERSON_FIELD_TABLE) <= set(names(ParticipantForm()))
        assert set(names(DetailsForm())) == {f.name for f in PERSON_FIELD_TABLE if f.correctable}
        assert set(invitations.CORRECTABLE) == set(names(DetailsForm()))
        # The public form names a field by its key: the category is sent by its code, not its id.
        public = {f.key for f in PERSON_FIELD_TABLE if f.public}
        assert public <= set(names(PublicRegistrationForm()))
        assert not {f.key for f in PERSON_FIELD_TABLE if not f.public} & set(names(PublicRegistrationForm()))
