"""Transport and per diem: what each person who came is paid, from their days of attendance.

Amounts are per day attended (from the check-ins, voided ones never count): the rate of the
person's category, or the sheet's default rate, or an amount set for that person. Once the
sheet is marked paid its lines are frozen and nothing on it can change.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from babel import dates as babel_dates
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from eventapp.audit.services import Actor, record
from eventapp.core.documents.words import translator
from eventapp.core.errors import ValidationError
from eventapp.core.models import utcnow
from eventapp.events.models import Event
from eventapp.events.services import venue_text
from eventapp.extensions import db
from eventapp.people.models import Category
from eventapp.reports.attendance import load_attendees, local_time, logo_bytes, period_text
from eventapp.reports.models import PaymentLine, PaymentOverride, PaymentSheet

MAX_AMOUNT = 10_000_000


@dataclass
class PaymentRow:
    """A line of the sheet: one person who came."""

    number: int
    registration_id: int | None
    name: str
    category: str
    days: int
    days_text: str
    rate: int
    amount: int
    overridden: bool = False


@dataclass
class PaymentView:
    """The sheet as shown, exported and printed."""

    event_title: str
    organizer: str
    venue: str
    period: str
    language: str
    currency: str
    status: str
    paid_at: str
    paid_by: str
    default_rate: int
    rates: dict[str, int]
    categories: list[tuple[str, str]]
    rows: list[PaymentRow] = field(default_factory=list)
    total: int = 0
    organizer_logo: bytes | None = None
    partner_logo: bytes | None = None

    @property
    def locked(self) -> bool:
        """A paid sheet cannot be changed."""
        return self.status == "paid"

    @property
    def total_days(self) -> int:
        return sum(r.days for r in self.rows)


def get_sheet(event: Event, *, for_update: bool = False) -> PaymentSheet:
    """The event's payment sheet, made (as a draft, in XOF) the first time it is asked for.

    ``for_update`` locks the row until the transaction ends (PostgreSQL), so that a change and
    "mark paid" from two browsers cannot interleave.
    """
    query = select(PaymentSheet).where(PaymentSheet.event_id == event.id)
    sheet = db.session.scalar(query.with_for_update() if for_update else query)
    if sheet is None:
        try:
            db.session.add(PaymentSheet(event_id=event.id, currency="XOF", default_rate=0, rates="{}", status="draft"))
            db.session.commit()
        except IntegrityError:  # made at the same moment by another request: use that one
            db.session.rollback()
        sheet = db.session.scalar(query.with_for_update() if for_update else query)
    return sheet


def _locked_error(event: Event, sheet: PaymentSheet) -> ValidationError:
    _ = translator(event.language)
    when = babel_dates.format_datetime(local_time(sheet.paid_at, event.timezone), format="medium",
                                       locale=event.language) if sheet.paid_at else ""
    return ValidationError(_("This payment sheet was marked paid on %(when)s by %(who)s: it can no longer be changed.")
                           % {"when": when, "who": sheet.paid_by or "?"})


def _amount(value, field_name: str, errors: dict, _) -> int | None:
    """A whole, non-negative amount from a form or file value ('' is None)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = re.sub(r"[\s\u202f\u00a0]", "", str(value))
    if not text.isdigit() or int(text) > MAX_AMOUNT:
        errors[field_name] = [_("Give a whole amount from 0 to %(max)s.")
                              % {"max": f"{MAX_AMOUNT:,}".replace(",", " ")}]
        return None
    return int(text)


def update_sheet(event: Event, *, currency: str | None = None, default_rate=None, rates: dict | None = None,
                 overrides: dict | None = None, actor: Actor | None = None) -> PaymentSheet:
    """Change the currency, rates and per-person amounts of a draft sheet; all or nothing.

    ``rates`` maps a category code to an amount per day ('' removes it); ``overrides`` maps a
    registration id to an amount per day ('' or None goes back to the category's rate).
    """
    _ = translator(event.language)
    sheet = get_sheet(event, for_update=True)
    if sheet.status == "paid":
        db.session.rollback()
        raise _locked_error(event, sheet)
    errors: dict[str, list[str]] = {}
    if currency is not None:
        currency = currency.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            errors["currency"] = [_("The currency is a three-letter code, such as XOF or EUR.")]
    default = _amount(default_rate, "default_rate", errors, _) if default_rate is not None else None
    new_rates = _parse_rates(json.loads(sheet.rates or "{}"), rates or {}, errors, _)
    parsed_overrides = _parse_overrides(event, overrides or {}, errors, _)
    if errors:
        db.session.rollback()
        raise ValidationError(errors)
    if currency is not None:
        sheet.currency = currency
    if default is not None or (isinstance(default_rate, str) and not default_rate.strip()):
        sheet.default_rate = default or 0
    sheet.rates = json.dumps(new_rates, sort_keys=True)
    _apply_overrides(sheet, parsed_overrides)
    record(actor, "payments.update", sheet, event_id=event.id, currency=sheet.currency, default_rate=sheet.default_rate,
           rates=new_rates, overrides={str(k): v for k, v in parsed_overrides.items()})
    db.session.commit()
    return sheet


def _parse_rates(new_rates: dict, rates: dict, errors: dict, _) -> dict:
    """The sheet's rates per category code with ``rates`` applied ('' removes one); errors noted."""
    codes = {c.code for c in db.session.scalars(select(Category))}
    for code, value in rates.items():
        if code not in codes:
            errors[f"rate_{code}"] = [_("Unknown category.")]
            continue
        amount = _amount(value, f"rate_{code}", errors, _)
        if amount is None:
            new_rates.pop(code, None)
        else:
            new_rates[code] = amount
    return new_rates


def _parse_overrides(event: Event, overrides: dict, errors: dict, _) -> dict:
    """Registration id -> amount per day (None: back to the category's rate); errors noted."""
    reg_ids = {a.registration_id for a in load_attendees(event)}
    parsed = {}
    for raw_id, value in overrides.items():
        try:
            reg_id = int(raw_id)
        except (TypeError, ValueError):
            reg_id = None
        if reg_id not in reg_ids:
            errors[f"override_{reg_id}"] = [_("This person is not registered for the event.")]
            continue
        parsed[reg_id] = _amount(value, f"override_{reg_id}", errors, _)
    return parsed


def _apply_overrides(sheet: PaymentSheet, parsed_overrides: dict) -> None:
    existing = {o.registration_id: o for o in sheet.overrides}
    for reg_id, amount in parsed_overrides.items():
        if amount is None:
            if reg_id in existing:
                sheet.overrides.remove(existing[reg_id])
        elif reg_id in existing:
            existing[reg_id].rate = amount
        else:
            sheet.overrides.append(PaymentOverride(registration_id=reg_id, rate=amount))


def _computed_rows(event: Event, sheet: PaymentSheet, language: str | None = None) -> list[PaymentRow]:
    language = language or event.language
    rates = json.loads(sheet.rates or "{}")
    overrides = {o.registration_id: o.rate for o in sheet.overrides}
    rows = []
    for a in load_attendees(event, language):
        days = sorted(d for d in a.arrivals if a.registered_for(d))  # per diem: registered days attended
        if not days:
            continue
        overridden = a.registration_id in overrides
        rate = overrides[a.registration_id] if overridden else rates.get(a.category_code or "", sheet.default_rate)
        rows.append(PaymentRow(
            number=len(rows) + 1, registration_id=a.registration_id, name=a.display_name, category=a.category_label,
            days=len(days), days_text=", ".join(babel_dates.format_date(d, "d MMM", locale=language) for d in days),
            rate=rate, amount=rate * len(days), overridden=overridden))
    return rows


def payment_view(event: Event, *, upload_dir: Path | None = None, with_logos: bool = False,
                 language: str | None = None) -> PaymentView:
    """The sheet: computed from attendance while a draft, the frozen lines once paid.

    Words are in ``language``: the event's (documents) unless told (the page, in the reader's).
    """
    sheet = get_sheet(event)
    language = language or event.language
    if sheet.status == "paid":
        rows = [PaymentRow(number=line.position, registration_id=line.registration_id, name=line.name,
                           category=line.category, days=line.days, days_text="", rate=line.rate, amount=line.amount)
                for line in sheet.lines]
    else:
        rows = _computed_rows(event, sheet, language)
    cats = db.session.scalars(select(Category).order_by(Category.sort_order, Category.code)).all()
    logos = logo_bytes(event, upload_dir) if with_logos and upload_dir else (None, None)
    return PaymentView(
        event_title=event.title, organizer=event.organizer, venue=venue_text(event),
        period=period_text(event, language), language=language, currency=sheet.currency, status=sheet.status,
        paid_at=babel_dates.format_datetime(local_time(sheet.paid_at, event.timezone), format="medium", locale=language)
        if sheet.paid_at else "",
        paid_by=sheet.paid_by, default_rate=sheet.default_rate, rates=json.loads(sheet.rates or "{}"),
        categories=[(c.code, c.label(language)) for c in cats if c.active or c.code in json.loads(sheet.rates or "{}")],
        rows=rows, total=sum(r.amount for r in rows), organizer_logo=logos[0], partner_logo=logos[1])


def mark_paid(event: Event, *, actor: Actor | None = None) -> PaymentSheet:
    """Freeze the lines as they are now and lock the sheet; a paid sheet says when and by whom.

    The sheet is claimed by a conditional UPDATE that is the first statement of its
    transaction, so that two people pressing "mark paid" at once pay once.
    """
    _ = translator(event.language)
    sheet_id = get_sheet(event).id
    event_id = event.id
    db.session.commit()  # end any read transaction: the claim below must start a new one
    claimed = db.session.execute(
        update(PaymentSheet).where(PaymentSheet.id == sheet_id, PaymentSheet.status == "draft")
        .values(status="paid", paid_at=utcnow(), paid_by_id=actor.user_id if actor else None,
                paid_by=actor.label if actor else "")
        .execution_options(synchronize_session=False)
    ).rowcount
    sheet = db.session.get(PaymentSheet, sheet_id)
    if not claimed:
        db.session.rollback()
        raise _locked_error(event, sheet)
    db.session.refresh(sheet)
    rows = _computed_rows(event, sheet)
    if not rows:
        db.session.rollback()
        raise ValidationError(_("Nobody has come yet: there is nothing to pay."))
    for r in rows:
        sheet.lines.append(PaymentLine(registration_id=r.registration_id, position=r.number, name=r.name,
                                       category=r.category, days=r.days, rate=r.rate, amount=r.amount))
    record(actor, "payments.paid", sheet, event_id=event_id, total=sum(r.amount for r in rows), lines=len(rows),
           currency=sheet.currency)
    db.session.commit()
    return sheet


def export_payments(event: Event, fmt: str, *, upload_dir: Path, actor: Actor | None = None) -> tuple[bytes, str]:
    """The sheet as XLSX (for the accountant) or PDF (to sign); recorded in the audit log."""
    if fmt not in ("pdf", "xlsx"):
        raise ValidationError({"format": [translator(event.language)("The payment sheet is made as PDF or XLSX.")]})
    view = payment_view(event, upload_dir=upload_dir, with_logos=(fmt == "pdf"))
    from eventapp.reports.documents import payments as documents

    data = documents.payment_pdf(view) if fmt == "pdf" else documents.payment_xlsx(view)
    record(actor, "payments.export", None, event_id=event.id, format=fmt, total=view.total)
    db.session.commit()
    return data, f"{event.slug}-payments.{fmt}"
