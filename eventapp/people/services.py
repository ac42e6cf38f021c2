"""The directory of persons: cleaning what people type, saving, consents, search, duplicates, merge.

The cleaning functions (:func:`normalise_phone`, :func:`normalise_email`, :func:`parse_sex`,
:func:`parse_age_band`) are shared by the forms, the imports and the door's walk-in. Who may be
matched to a directory person is decided in one place: ``registrations.enrol``.
"""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select

from eventapp.audit.services import Actor, record
from eventapp.core.errors import NotFound, ValidationError
from eventapp.core.models import utcnow
from eventapp.core.settings import Settings
from eventapp.core.text import fold, name_key
from eventapp.door.models import CheckIn
from eventapp.extensions import db
from eventapp.people.models import CONSENT_KINDS, SEXES, UNCHECKED_ORIGINS, Category, Consent, Person, PersonMerge
from eventapp.registration.models import Registration


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it (translated where it is shown)."""
    return message


@dataclass(frozen=True)
class PersonField:
    """One field of a person, as every part of the application sees it.

    The single source for forms, import, export, the public form, the answer page, erasure and
    the privacy export: adding a field means a row here, the model column, its migration and,
    where the form needs a special widget, the widget.
    """

    name: str  # the Person attribute
    label: str  # English message id; the catalogue gives the other language
    kind: str = "text"  # text, sex, age_band, category, phone, email, notes: how it is cleaned and shown
    limit: int | None = None  # length limit of a text (the model column's length)
    headers: tuple[str, ...] = ()  # import header names, English then French (README, Import columns); () not imported
    export_header: str | None = None  # the header of the participants export; None not exported
    personal: bool = False  # identifies the person: erased on request and by the purge
    # On the public registration form: "always" asked; "optional" asked when the organizer
    # chooses, and then perhaps required (registration.invitations.public_form_fields); "" never.
    public: str = ""
    correctable: bool = False  # a person may correct it from their answer page

    @property
    def key(self) -> str:
        """The name a file column or an import mapping uses (a category is given by its code or label)."""
        return "category" if self.name == "category_id" else self.name

    @property
    def blank(self):
        """What an erased person keeps in this field (the last name becomes a pseudonym)."""
        return None if self.kind in ("phone", "email") else ""


#: Every field of a person, in the order of forms and files (README, Import columns).
PERSON_FIELD_TABLE: tuple[PersonField, ...] = (
    PersonField("honorific", N_("Honorific"), limit=40, headers=("title", "honorific", "civilité", "titre"),
                export_header="title", personal=True, public="always", correctable=True),
    PersonField("first_name", N_("First name"), limit=120,
                headers=("first name", "firstname", "given name", "prénom", "prénoms"),
                export_header="first name", personal=True, public="always", correctable=True),
    PersonField("last_name", N_("Last name"), limit=120,
                headers=("last name", "lastname", "surname", "family name", "nom", "nom de famille",
                         # a single column holding whole names goes into the last name
                         "name", "full name", "nom et prénom", "nom et prénoms", "nom complet", "prénom et nom"),
                export_header="last name", personal=True, public="always", correctable=True),
    PersonField("sex", N_("Sex"), kind="sex", headers=("sex", "gender", "sexe", "genre"), export_header="sex",
                public="always"),
    PersonField("age_band", N_("Age band"), kind="age_band",
                headers=("age band", "age", "tranche d'âge", "âge", "tranche age"), export_header="age band",
                public="optional"),
    PersonField("category_id", N_("Category"), kind="category", headers=("category", "catégorie"),
                export_header="category", public="optional"),
    PersonField("organisation", N_("Organisation"), limit=300,
                headers=("organisation", "organization", "structure", "institution"), export_header="organisation",
                personal=True, public="optional", correctable=True),
    PersonField("function", N_("Function"), limit=300, headers=("function", "position", "fonction", "poste"),
                export_header="function", personal=True, public="optional", correctable=True),
    PersonField("locality", N_("Locality"), limit=120, headers=("locality", "localité", "commune", "ville"),
                export_header="locality", public="optional"),
    PersonField("phone", N_("Phone"), kind="phone",
                headers=("phone", "téléphone", "tél", "tel", "telephone number", "numéro de téléphone", "contact"),
                export_header="phone", personal=True, public="optional", correctable=True),
    PersonField("email", N_("Email"), kind="email",
                headers=("email", "e-mail", "courriel", "adresse email", "mail"), export_header="email",
                personal=True, public="optional", correctable=True),
    PersonField("notes", N_("Notes"), kind="notes", personal=True),
)
FIELDS_BY_NAME = {f.name: f for f in PERSON_FIELD_TABLE}
#: Person fields a form or a file may set (``category`` is given as a Category or its id).
PERSON_FIELDS = tuple(FIELDS_BY_NAME)
_TEXT_LIMITS = {f.name: f.limit for f in PERSON_FIELD_TABLE if f.kind == "text"}
_SEX_WORDS = {
    "f": "F", "female": "F", "femme": "F", "feminin": "F", "w": "F", "woman": "F",
    "m": "M", "male": "M", "homme": "M", "h": "M", "masculin": "M", "man": "M",
    "x": "X", "": "X", "not stated": "X", "non precise": "X", "autre": "X", "other": "X",
}
_FLOAT_NUMBER = re.compile(r"^\d+\.0+$")
_BAND = re.compile(r"^(\d{1,3})\s*(?:-|–|—|à|a|to)\s*(\d{1,3})(?:\s*ans)?$")
_BAND_PLUS = re.compile(r"^(\d{1,3})\s*(?:\+|et plus|ans et plus|and over|or more)$")
_AGE = re.compile(r"^(\d{1,3})(?:[.,]0+)?\s*(?:ans|years|yrs|y)?$")


# --- cleaning ----------------------------------------------------------------------------


def normalise_phone(value, region: str) -> str | None:
    """A phone number in E.164 (``+22376123456``), or None when empty; ValueError when invalid.

    ``region`` is the country of numbers typed without one (``Settings.phone_region``).
    Accepts Malian local numbers (8 digits), ``+223``/``00223`` forms, spaces and dots, and
    the floats Excel makes of a number column (``76123456.0``).
    """
    if value is None:
        return None
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        value = int(value)
    text = str(value).strip().lstrip("'")
    if not text:
        return None
    if _FLOAT_NUMBER.match(text):
        text = text.split(".")[0]
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValueError(value) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(value)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(value) -> str | None:
    """An email address lower-cased, or None when empty; ValueError when it is not an address."""
    text = (str(value) if value is not None else "").strip()
    if not text:
        return None
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise ValueError(value) from None
    return checked.normalized.lower()


def parse_sex(value) -> str:
    """F, M or X from F/M/H, female/male, femme/homme (any case, accents); ValueError otherwise."""
    code = _sex_code(str(value) if value is not None else "")
    if code is None:
        raise ValueError(value)
    return code


@lru_cache(maxsize=256)
def _sex_code(text: str) -> str | None:
    # Cached: an import of thousands of rows has a handful of distinct values.
    return _SEX_WORDS.get(fold(text).replace(".", ""))


def age_band_of(age: int, bands) -> str:
    """The code of the band of ``bands`` (``Settings.age_bands``) holding ``age`` years."""
    for code, low, high in bands:
        if age >= low and (high is None or age <= high):
            return code
    raise ValueError(age)


def parse_age_band(value, bands) -> str | None:
    """A band code of ``bands`` (``Settings.age_bands``) from a band (``25-35``, ``25–35``,
    ``65+``) or an age in years; None when empty."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and 0 <= value < 130:
            return age_band_of(int(value), bands)
        raise ValueError(value)
    raw = str(value).strip().lower().replace("–", "-").replace("—", "-")
    if not raw:
        return None
    for code, _low, _high in bands:
        if raw.replace(" ", "") == code.lower().replace("–", "-"):
            return code
    m = _BAND.match(raw)
    if m:
        low, high = int(m.group(1)), int(m.group(2))
        for code, b_low, b_high in bands:
            if b_low == low and b_high == high:
                return code
        raise ValueError(value)
    m = _BAND_PLUS.match(raw)
    if m:
        low = int(m.group(1))
        for code, b_low, b_high in bands:
            if b_low == low and b_high is None:
                return code
        raise ValueError(value)
    m = _AGE.match(raw)
    if m and int(m.group(1)) < 130:
        return age_band_of(int(m.group(1)), bands)
    raise ValueError(value)


def _band_range(value) -> tuple[int, int | None] | None:
    """The (lowest, highest or None) ages of a band written as ``25-34`` or ``55+``, or None."""
    raw = str(value or "").strip().lower().replace("–", "-").replace("—", "-")
    m = _BAND.match(raw)
    if m and int(m.group(1)) <= int(m.group(2)):
        return int(m.group(1)), int(m.group(2))
    m = _BAND_PLUS.match(raw)
    return (int(m.group(1)), None) if m else None


def nearest_age_band(value, bands) -> str | None:
    """The band of ``bands`` (``Settings.age_bands``) nearest a band of a file that none of them
    is (``35-44``, ``55+``), or None.

    A suggestion for the organizer, who decides: the band holding the middle of the file's
    band (for an open band such as ``55+``, its lowest age).
    """
    found = _band_range(value)
    if found is None:
        return None
    low, high = found
    middle = low if high is None else (low + high) // 2
    try:
        return age_band_of(middle, bands)
    except ValueError:
        return None


class CategoryIndex:
    """Categories found by code or label in either language, ignoring case and accents.

    Built once per import, so that thousands of rows don't fold every label again. A retired
    category is not offered for new participants and is not found; a merged one leads to the
    category it was merged into (its code and labels are still in people's files).
    """

    def __init__(self, categories: list[Category] | None = None):
        if categories is None:
            categories = list(db.session.scalars(select(Category)))
        by_id = {c.id: c for c in categories}
        self.by_key: dict[str, Category] = {}
        self._seen: dict[str, Category | None] = {}
        # Active categories first: their own names win over those of a category merged into another.
        for category in sorted(categories, key=lambda c: (not c.active, c.sort_order, c.id)):
            target = _merge_target(category, by_id)
            if target is None:
                continue
            for text in (category.code, category.code.replace("_", " "), category.label_fr, category.label_en):
                self.by_key.setdefault(fold(text), target)

    def match(self, value) -> Category | None:
        """The category for ``value``, or None."""
        if value is None:
            return None
        text = str(value)
        if text not in self._seen:  # a file repeats a few values thousands of times
            self._seen[text] = self.by_key.get(fold(text))
        return self._seen[text]

    def suggest(self, value) -> Category | None:
        """The category whose name is closest to ``value`` (a typing slip), or None."""
        close = difflib.get_close_matches(fold(str(value or "")), list(self.by_key), n=1, cutoff=0.8)
        return self.by_key[close[0]] if close else None


def _merge_target(category: Category, by_id: dict[int, Category]) -> Category | None:
    """The active category ``category`` stands for: itself, or the end of its merges; None when retired."""
    seen = set()
    while category.merged_into_id is not None and category.id not in seen:
        seen.add(category.id)
        category = by_id.get(category.merged_into_id, category)
    return category if category.active else None


def _parse_into(clean: dict, errors: dict, key: str, wanted: bool, parse, message) -> None:
    """``clean[key] = parse()`` when the field is ``wanted``; a ValueError gives ``message()`` instead."""
    if not wanted:
        return
    try:
        clean[key] = parse()
    except ValueError:
        errors[key] = [message()]


def _clean_category(data: dict, categories: CategoryIndex | None, partial: bool, clean: dict, errors: dict) -> None:
    """``category`` (a code, a label or a Category) or ``category_id`` into ``clean["category_id"]``."""
    if "category" in data:
        value = data.get("category")
        if value is None or str(value).strip() == "":
            clean["category_id"] = None
        elif isinstance(value, Category):
            clean["category_id"] = value.id
        else:
            found = (categories or CategoryIndex()).match(value)
            if found is None:
                errors["category"] = [_("Unknown category “%(value)s”.", value=value)]
            else:
                clean["category_id"] = found.id
    elif "category_id" in data:
        value = data.get("category_id")
        clean["category_id"] = int(value) if value not in (None, "", 0, "0") else None
    elif not partial:
        clean["category_id"] = None


def clean_person_data(data: dict, settings: Settings, *, categories: CategoryIndex | None = None,
                      partial: bool = False) -> tuple[dict, dict[str, list[str]]]:
    """Check and normalise person fields; returns (clean values, errors by field).

    ``settings`` gives the age bands and the phone region.
    ``data`` may hold ``category`` (a code or label) instead of ``category_id``. With
    ``partial`` only the fields present are checked (for corrections of one's own details).
    """
    clean: dict = {}
    errors: dict[str, list[str]] = {}

    def present(key):
        return key in data or not partial

    for key, limit in _TEXT_LIMITS.items():
        if present(key):
            value = " ".join(str(data.get(key) or "").split())
            if len(value) > limit:
                errors[key] = [_("At most %(n)d characters.", n=limit)]
            clean[key] = value
    if present("last_name") and not clean.get("last_name"):
        errors["last_name"] = [_("The last name is required.")]
    if present("notes"):
        clean["notes"] = str(data.get("notes") or "").strip()
    _parse_into(clean, errors, "sex", present("sex"), lambda: parse_sex(data.get("sex")),
                lambda: _("Unknown sex “%(value)s”: use F or M (female, male, femme, homme).", value=data.get("sex")))
    _parse_into(clean, errors, "age_band", present("age_band"),
                lambda: parse_age_band(data.get("age_band"), settings.age_bands),
                lambda: _("Unknown age band “%(value)s”: give a band such as 25-35 or an age in years.",
                          value=data.get("age_band")))
    _clean_category(data, categories, partial, clean, errors)
    _parse_into(clean, errors, "phone", present("phone"),
                lambda: normalise_phone(data.get("phone"), settings.phone_region),
                lambda: _("Invalid phone number “%(value)s”.", value=data.get("phone")))
    _parse_into(clean, errors, "email", present("email"), lambda: normalise_email(data.get("email")),
                lambda: _("Invalid email address “%(value)s”.", value=data.get("email")))
    return clean, errors


# --- saving ------------------------------------------------------------------------------


def apply_person_data(person: Person, clean: dict) -> Person:
    """Set cleaned fields on a person and keep its name key up to date."""
    for key, value in clean.items():
        if key in PERSON_FIELDS:
            setattr(person, key, value)
    person.name_key = name_key(person.first_name, person.last_name)
    return person


def save_person(data: dict, person: Person | None = None, *, settings: Settings, actor: Actor | None = None,
                commit: bool = True, partial: bool = False) -> Person:
    """Create (``person`` None) or update a person of the directory; nothing saved on error."""
    clean, errors = clean_person_data(data, settings, partial=partial)
    if errors:
        raise ValidationError(errors)
    creating = person is None
    if creating:
        person = Person(last_name=clean.get("last_name", ""))
        db.session.add(person)
    changed = sorted(k for k, v in clean.items() if getattr(person, k, None) != v)
    apply_person_data(person, clean)
    db.session.flush()
    record(actor, "person.create" if creating else "person.update", person, fields=changed)
    if commit:
        db.session.commit()
    return person


def get_person(person_id: int) -> Person:
    """The person with this id; raises NotFound."""
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound(_("No person has the number %(id)s.", id=person_id))
    return person


def record_view(person: Person, *, actor: Actor | None) -> None:
    """Note in the audit log that ``actor`` opened the page of ``person`` (who looked); commits."""
    record(actor, "person.view", person)
    db.session.commit()


# --- consents ----------------------------------------------------------------------------


def record_consent(person: Person, kind: str, given: bool, *, event_id: int | None = None,
                   source: str = "organizer", actor: Actor | None = None, commit: bool = True) -> Consent:
    """Record a consent given or not; earlier ones stay as history.

    Not given is "withdrawn" only when this person gave a consent of this kind before; an
    unticked box the first time the question is asked is "not given" (``Consent.state``).
    """
    if kind not in CONSENT_KINDS:
        raise ValidationError({"kind": [_("Unknown kind of consent.")]})
    given = bool(given)
    withdrawn = not given and any(c.given for c in person.consents if c.kind == kind)
    consent = Consent(person=person, kind=kind, given=given, withdrawn=withdrawn, event_id=event_id, source=source,
                      recorded_at=utcnow())
    db.session.add(consent)
    db.session.flush()
    record(actor, "person.consent", person, event_id=event_id, kind=kind, state=consent.state)
    if commit:
        db.session.commit()
    return consent


def current_consents(person: Person) -> dict[str, Consent]:
    """The latest consent of each kind (the history is ``person.consents``)."""
    latest: dict[str, Consent] = {}
    for consent in sorted(person.consents, key=lambda c: (c.recorded_at, c.id)):
        latest[consent.kind] = consent
    return latest


# --- search ------------------------------------------------------------------------------


def search_condition(query: str):
    """A WHERE clause matching persons by name (accents, case and order ignored), phone or email.

    Uses the stored name key, so SQLite and PostgreSQL behave the same.
    """
    words = name_key(query).split()
    if not words:
        return None
    digits = re.sub(r"\D", "", query)
    clauses = [Person.name_key.contains(w, autoescape=True) for w in words]
    name_match = and_(*clauses)
    alternatives = [name_match, func.lower(Person.email).contains(query.strip().lower(), autoescape=True)]
    if len(digits) >= 4:
        alternatives.append(Person.phone.contains(digits, autoescape=True))
    return or_(*alternatives)


def search_persons(query: str = "", *, page: int = 1, per_page: int = 50) -> tuple[list[Person], int]:
    """Directory persons matching ``query`` (all when empty), by name; returns (page, total)."""
    stmt = select(Person).where(Person.merged_into_id.is_(None), Person.erased_at.is_(None))
    condition = search_condition(query)
    if condition is not None:
        stmt = stmt.where(condition)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = list(db.session.scalars(stmt.order_by(Person.last_name, Person.first_name, Person.id)
                                    .offset((max(page, 1) - 1) * per_page).limit(per_page)))
    return items, total


# --- duplicates and merge ----------------------------------------------------------------


@dataclass
class DuplicateGroup:
    """Persons that look like the same one, and why."""

    reason: str  # phone, email or name
    value: str
    persons: list[Person] = field(default_factory=list)


def _active():
    return (Person.merged_into_id.is_(None), Person.erased_at.is_(None))


def find_duplicates(person: Person) -> list[tuple[Person, str]]:
    """Other persons with the same phone, email or name key, with the reason (suggestions only)."""
    found: dict[int, tuple[Person, str]] = {}
    for reason, column, value in (("phone", Person.phone, person.phone), ("email", Person.email, person.email),
                                  ("name", Person.name_key, person.name_key)):
        if not value:
            continue
        for other in db.session.scalars(select(Person).where(column == value, Person.id != person.id, *_active())):
            found.setdefault(other.id, (other, reason))
    return list(found.values())


def duplicate_groups(limit: int = 200) -> list[DuplicateGroup]:
    """Groups of directory persons sharing a phone, an email or a name key."""
    groups: list[DuplicateGroup] = []
    for reason, column in (("phone", Person.phone), ("email", Person.email), ("name", Person.name_key)):
        values = db.session.scalars(
            select(column).where(column.is_not(None), column != "", *_active())
            .group_by(column).having(func.count() > 1).order_by(column).limit(limit)
        ).all()
        for value in values:
            # Persons an organizer made first: the merge proposed keeps them and takes from the
            # unchecked ones (public form, door) only what they lack.
            persons = list(db.session.scalars(select(Person).where(column == value, *_active()).order_by(
                Person.origin.in_(UNCHECKED_ORIGINS), Person.id)))
            groups.append(DuplicateGroup(reason, value, persons))
    return groups


def _snapshot(person: Person) -> dict:
    data = {key: getattr(person, key) for key in PERSON_FIELDS}
    data.update(id=person.id, name_key=person.name_key,
                registrations=[{"id": r.id, "event_id": r.event_id, "status": r.status} for r in person.registrations])
    return data


def _fold_registration(registration: Registration, target: Registration, kept_id: int) -> None:
    """Both persons were registered at one event: the merged registration's check-ins move to
    ``target`` (except a second arrival on a day already counted) and it is cancelled."""
    days = {c.day for c in db.session.scalars(select(CheckIn).where(
        CheckIn.registration_id == target.id, CheckIn.voided_at.is_(None), CheckIn.agenda_item_id.is_(None)))}
    for checkin in db.session.scalars(select(CheckIn).where(CheckIn.registration_id == registration.id)):
        if checkin.voided_at is None and checkin.agenda_item_id is None and checkin.day in days:
            continue
        checkin.registration_id = target.id
        days.add(checkin.day)
    if target.status == "cancelled" and registration.status != "cancelled":
        target.status = registration.status
    registration.status = "cancelled"
    registration.notes = (registration.notes + "\n" if registration.notes else "") + f"merged into person {kept_id}"


def _fill_missing(kept: Person, merged: Person) -> None:
    """The kept person takes the merged one's details where it has none (a stated sex over "X")."""
    for key in PERSON_FIELDS:
        if not getattr(kept, key) and getattr(merged, key):
            setattr(kept, key, getattr(merged, key))
    if kept.sex == "X" and merged.sex in ("F", "M"):
        kept.sex = merged.sex


def merge_persons(kept: Person, merged: Person, *, actor: Actor | None = None) -> PersonMerge:
    """Merge ``merged`` into ``kept``: its registrations, consents and missing details move over.

    Nothing is lost: a snapshot of the merged person is kept in :class:`PersonMerge`, the merged
    row stays (pointing at the kept one) and, where both were registered at the same event,
    the merged registration's check-ins move to the kept registration and it is cancelled.
    """
    if kept.id == merged.id:
        raise ValidationError(_("A person cannot be merged into itself."))
    if merged.merged_into_id is not None or kept.merged_into_id is not None:
        raise ValidationError(_("This person has already been merged."))
    snapshot = _snapshot(merged)
    kept_events = {r.event_id: r for r in kept.registrations}
    for registration in list(merged.registrations):
        target = kept_events.get(registration.event_id)
        if target is None:
            registration.person = kept
            continue
        _fold_registration(registration, target, kept.id)
    for consent in list(merged.consents):
        consent.person_id = kept.id
    _fill_missing(kept, merged)
    merged.merged_into_id = kept.id
    kept.name_key = name_key(kept.first_name, kept.last_name)
    merge = PersonMerge(kept_id=kept.id, merged_id=merged.id, merged_by_id=actor.user_id if actor else None,
                        snapshot=json.dumps(snapshot, default=str, ensure_ascii=False))
    db.session.add(merge)
    db.session.flush()
    record(actor, "person.merge", kept, kept_id=kept.id, merged_id=merged.id)
    db.session.commit()
    db.session.refresh(kept)
    return merge


__all__ = ["CategoryIndex", "DuplicateGroup", "FIELDS_BY_NAME", "PERSON_FIELDS", "PERSON_FIELD_TABLE", "PersonField",
           "SEXES", "age_band_of", "apply_person_data",
           "clean_person_data", "current_consents", "duplicate_groups", "find_duplicates",
           "get_person", "merge_persons", "nearest_age_band", "normalise_email", "normalise_phone", "parse_age_band",
           "parse_sex",
           "record_consent", "save_person", "search_condition", "search_persons"]
