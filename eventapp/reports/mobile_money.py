"""The mobile-money bulk payment file of a paid sheet (Orange Money, Moov Africa Money in Mali).

One row per person paid more than nothing: phone number in the national format (Mali: 8 digits,
``76123456`` for ``+223 76 12 34 56``), amount, name, and a reference that names the sheet and
its line. Neither operator publishes its bulk file format; this is a plain, documented CSV
(README, "Mobile-money payments") to upload or to copy into the template an operator gives.

The file is made only from a sheet marked paid, so that what is paid by phone is exactly the
frozen sheet the donor audits. Phones are the persons' current ones and are checked first: a
missing, invalid, foreign or fixed-line number is never dropped silently. The export is refused
with the list of rows to fix, unless the organizer asks for the valid rows only, seeing the
list of those left out (to pay otherwise).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import phonenumbers
from sqlalchemy import select

from eventapp.audit.services import Actor, record
from eventapp.core.documents.words import translator
from eventapp.core.errors import ValidationError
from eventapp.core.money import format_amount
from eventapp.events.models import Event
from eventapp.extensions import db
from eventapp.people.models import Person
from eventapp.registration.models import Registration
from eventapp.reports.payments import PaymentView, payment_view

COUNTRY_CODE = 223  # Mali
NATIONAL_DIGITS = 8
HEADERS = ["phone", "amount", "name", "reference"]
_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


@dataclass
class Payee:
    """A person to pay by phone: a line of the sheet with its phone checked."""

    number: int  # the line of the sheet
    person_id: int | None  # to correct the phone on the person's page
    name: str
    amount: int
    phone: str  # as stored on the person ('' when none)
    national: str  # the 8-digit national number, '' when the phone cannot be paid
    problem: str = ""  # why not (translated), '' when it can
    reference: str = ""


@dataclass
class BulkPayments:
    """Who can be paid by mobile money from the sheet, and who cannot yet."""

    currency: str
    payees: list[Payee] = field(default_factory=list)

    @property
    def valid(self) -> list[Payee]:
        """The rows of the file."""
        return [p for p in self.payees if not p.problem]

    @property
    def to_fix(self) -> list[Payee]:
        """The people whose phone must be corrected (or who are paid otherwise)."""
        return [p for p in self.payees if p.problem]

    @property
    def total(self) -> int:
        """What the file pays."""
        return sum(p.amount for p in self.valid)


def national_number(phone: str | None, language: str = "fr") -> tuple[str, str]:
    """(the 8-digit national number, '') for a Malian mobile number, else ('', why not).

    Accepts the stored E.164 form (``+22376123456``) and the forms people type (``76 12 34 56``,
    ``00223…``). Refused: no number, an invalid one, a number of another country (the bulk
    payments of Malian operators pay Malian numbers) and a fixed line (no mobile-money wallet).
    """
    _ = translator(language)
    text = re.sub(r"[\s.\-/()]", "", phone or "")
    if not text:
        return "", _("no phone number")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, "ML")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        return "", _("%(phone)s is not a valid phone number") % {"phone": phone}
    if number.country_code != COUNTRY_CODE:
        return "", _("%(phone)s is not a Malian number") % {"phone": phone}
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        return "", _("%(phone)s is a fixed line, not a mobile number") % {"phone": phone}
    national = phonenumbers.national_significant_number(number)
    if len(national) != NATIONAL_DIGITS:  # pragma: no cover - every valid Malian number has 8 digits
        return "", _("%(phone)s is not a valid phone number") % {"phone": phone}
    return national, ""


def reference(event: Event, line_number: int) -> str:
    """The payment's reference: the event's slug in capitals and the sheet's line, e.g.
    ``RESTITUTION2023-012``; letters, digits and one hyphen, at most 20 characters (what
    operators' reference fields accept)."""
    stem = re.sub(r"[^A-Z0-9]", "", event.slug.upper())[:15] or "EVENT"
    return f"{stem}-{line_number:03d}"[:20]


def bulk_payments(event: Event, view: PaymentView | None = None, *, language: str | None = None) -> BulkPayments:
    """The sheet's lines with an amount above 0, each with its phone checked (``view``: the
    sheet already computed, to avoid a second pass)."""
    language = language or event.language
    view = view or payment_view(event, language=language)
    people = {reg_id: (person_id, phone) for reg_id, person_id, phone in db.session.execute(
        select(Registration.id, Person.id, Person.phone).join(Person, Registration.person_id == Person.id)
        .where(Registration.event_id == event.id))}
    bulk = BulkPayments(currency=view.currency)
    for row in view.rows:
        if row.amount <= 0:
            continue
        person_id, phone = people.get(row.registration_id, (None, ""))
        national, problem = national_number(phone, language)
        bulk.payees.append(Payee(number=row.number, person_id=person_id, name=row.name, amount=row.amount,
                                 phone=phone or "", national=national, problem=problem,
                                 reference=reference(event, row.number)))
    return bulk


def problem_lines(bulk: BulkPayments, language: str) -> list[str]:
    """One sentence per row to fix: 'Line 12, Traoré Awa (17 500 FCFA): no phone number.'"""
    _ = translator(language)
    return [_("Line %(n)d, %(name)s (%(amount)s): %(problem)s.") % {
        "n": p.number, "name": p.name, "amount": format_amount(p.amount, bulk.currency, language),
        "problem": p.problem} for p in bulk.to_fix]


def export_mobile_money(event: Event, *, valid_only: bool = False, actor: Actor | None = None,
                        language: str | None = None) -> tuple[bytes, str]:
    """The bulk payment CSV of the paid sheet; recorded in the audit log.

    Refused (ValidationError, nothing written) while the sheet is a draft, when nobody is to
    be paid, and when a phone needs fixing, listing each such row, unless ``valid_only``.
    """
    from eventapp.reports.documents.payments import mobile_money_csv

    language = language or event.language
    _ = translator(language)
    view = payment_view(event, language=language)
    if not view.locked:
        raise ValidationError({"mobile_money": [_(
            "Mark the sheet paid first: the mobile-money file pays exactly the locked sheet.")]})
    bulk = bulk_payments(event, view, language=language)
    if bulk.to_fix and not valid_only:
        raise ValidationError({"mobile_money": [_(
            "People who cannot be paid by mobile money (%(n)d): correct their phone numbers, or export "
            "the others only and pay these otherwise.") % {"n": len(bulk.to_fix)}] + problem_lines(bulk, language)})
    if not bulk.valid:
        raise ValidationError({"mobile_money": [_("Nobody on this sheet can be paid by mobile money.")]})
    data = mobile_money_csv(HEADERS, [[p.national, p.amount, p.name, p.reference] for p in bulk.valid])
    record(actor, "payments.mobile_money", None, event_id=event.id, rows=len(bulk.valid), total=bulk.total,
           left_out=len(bulk.to_fix), currency=bulk.currency)
    db.session.commit()
    return data, f"{event.slug}-mobile-money.csv"
