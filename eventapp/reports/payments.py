"""Transport and per diem: what each person who came is paid, from their days of attendance.

Two amounts a person: a per diem for each day attended (from the check-ins, voided ones never
count) and a transport paid once to whoever came at least one day. Each is the rate of the
person's category, or the sheet's default, or an amount set for that person; the total is
per diem × days + transport. Once the sheet is marked paid its lines are frozen and nothing on
it can change.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from babel import dates as babel_dates
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from eventapp.audit.services import Actor, record
from eventapp.core.documents.words import translator
from eventapp.core.errors import ValidationError
from eventapp.core.models import utcnow
from eventapp.core.money import format_number
from eventapp.events.models import Event
from eventapp.events.services import venue_text
from eventapp.extensions import db
from eventapp.people.models import Category
from eventapp.reports.attendance import Attendee, load_attendees, local_time, logo_bytes, period_text
from eventapp.reports.models import PaymentLine, PaymentOverride, PaymentSheet

MAX_AMOUNT = 10_000_000


@dataclass
class PaymentRow:
    """A line of the sheet: one person who came. ``amount`` is the total: per diem + transport."""

    number: int
    registration_id: int | None
    name: str
    category: str
    days: int
    days_text: str
    rate: int  # per diem per day
    amount: int
    overridden: bool = False  # the per diem is this person's own
    transport: int = 0
    transport_overridden: bool = False

    @property
    def per_diem(self) -> int:
        """The per diem for all the days paid (the total without the transport)."""
        return self.amount - self.transport


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
    default_transport: int = 0
    transport_rates: dict[str, int] = field(default_factory=dict)

    @property
    def locked(self) -> bool:
        """A paid sheet cannot be changed."""
        return self.status == "paid"

    @property
    def total_days(self) -> int:
        """The days of per diem paid, all people together."""
        return sum(r.days for r in self.rows)

    @property
    def total_per_diem(self) -> int:
        """The per diem of everyone."""
        return sum(r.per_diem for r in self.rows)

    @property
    def total_transport(self) -> int:
        """The transport of everyone."""
        return sum(r.transport for r in self.rows)


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


def _amount(value, field_name: str, errors: dict, _, language: str = "fr") -> int | None:
    """A whole, non-negative amount from a form or file value ('' is None).

    Spaces, thousands separators in groups of three ('12,500', '12.500') and a trailing 'FCFA'
    are read as people write them; '12,5' is refused, not read as 125.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = re.sub(r"[\s\u202f\u00a0]", "", str(value))
    text = re.sub(r"(?i)(f\.?cfa|xof)$", "", text)
    if re.fullmatch(r"\d{1,3}(,\d{3})+|\d{1,3}(\.\d{3})+", text):
        text = re.sub(r"[,.]", "", text)
    if not text.isdigit() or int(text) > MAX_AMOUNT:
        errors[field_name] = [_("Give a whole amount from 0 to %(max)s.")
                              % {"max": format_number(MAX_AMOUNT, language)}]
        return None
    return int(text)


def update_sheet(event: Event, *, currency: str | None = None, default_rate=None, rates: dict | None = None,
                 overrides: dict | None = None, default_transport=None, transport_rates: dict | None = None,
                 transport_overrides: dict | None = None, actor: Actor | None = None) -> PaymentSheet:
    """Change the currency, rates and per-person amounts of a draft sheet; all or nothing.

    ``rates`` maps a category code to an amount per day and ``transport_rates`` to a transport
    amount ('' removes it: the default applies); ``overrides`` and ``transport_overrides`` map a
    registration id to that person's own amount ('' or None goes back to the category's). A
    default left as None is unchanged; '' sets it to 0.
    """
    _ = translator(event.language)
    sheet = get_sheet(event, for_update=True)
    if sheet.status == "paid":
        db.session.rollback()
        raise _locked_error(event, sheet)
    errors: dict[str, list[str]] = {}
    currency = _parse_currency(currency, errors, _)
    lang = event.language
    default = _sheet_default(default_rate, "default_rate", errors, _, lang)
    transport_default = _sheet_default(default_transport, "default_transport", errors, _, lang)
    new_rates = _parse_rates(json.loads(sheet.rates or "{}"), rates or {}, errors, _, lang)
    new_transport = _parse_rates(json.loads(sheet.transport_rates or "{}"), transport_rates or {}, errors, _, lang,
                                 prefix="transport_rate")
    per_day = _parse_overrides(event, overrides or {}, errors, _)
    transport = _parse_overrides(event, transport_overrides or {}, errors, _, prefix="transport_override")
    if errors:
        db.session.rollback()
        raise ValidationError(errors)
    if currency is not None:
        sheet.currency = currency
    if default is not None:
        sheet.default_rate = default
    if transport_default is not None:
        sheet.default_transport = transport_default
    sheet.rates = json.dumps(new_rates, sort_keys=True)
    sheet.transport_rates = json.dumps(new_transport, sort_keys=True)
    _apply_overrides(sheet, per_day, transport)
    record(actor, "payments.update", sheet, event_id=event.id, currency=sheet.currency, default_rate=sheet.default_rate,
           rates=new_rates, overrides={str(k): v for k, v in per_day.items()},
           default_transport=sheet.default_transport, transport_rates=new_transport,
           transport_overrides={str(k): v for k, v in transport.items()})
    db.session.commit()
    return sheet


def _parse_currency(currency: str | None, errors: dict, _) -> str | None:
    """The currency code upper-cased (None: unchanged); an error noted unless three letters."""
    if currency is None:
        return None
    currency = currency.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        errors["currency"] = [_("The currency is a three-letter code, such as XOF or EUR.")]
    return currency


def _sheet_default(value, field_name: str, errors: dict, _, language: str) -> int | None:
    """A sheet's default amount from a form ('' is 0); None when not given (left unchanged)."""
    if value is None:
        return None
    return _amount(value, field_name, errors, _, language) or 0


def _parse_rates(new_rates: dict, rates: dict, errors: dict, _, language: str, prefix: str = "rate") -> dict:
    """The sheet's rates per category code with ``rates`` applied ('' removes one); errors noted."""
    codes = {c.code for c in db.session.scalars(select(Category))}
    for code, value in rates.items():
        if code not in codes:
            errors[f"{prefix}_{code}"] = [_("Unknown category.")]
            continue
        amount = _amount(value, f"{prefix}_{code}", errors, _, language)
        if amount is None:
            new_rates.pop(code, None)
        else:
            new_rates[code] = amount
    return new_rates


def _parse_overrides(event: Event, overrides: dict, errors: dict, _, prefix: str = "override") -> dict:
    """Registration id -> the person's own amount (None: back to the category's); errors noted."""
    reg_ids = {a.registration_id for a in load_attendees(event)}
    parsed = {}
    for raw_id, value in overrides.items():
        try:
            reg_id = int(raw_id)
        except (TypeError, ValueError):
            reg_id = None
        if reg_id not in reg_ids:
            errors[f"{prefix}_{reg_id}"] = [_("This person is not registered for the event.")]
            continue
        parsed[reg_id] = _amount(value, f"{prefix}_{reg_id}", errors, _, event.language)
    return parsed


def _apply_overrides(sheet: PaymentSheet, per_day: dict, transport: dict) -> None:
    """Set each person's own amounts; an override left with neither amount is removed."""
    existing = {o.registration_id: o for o in sheet.overrides}
    for reg_id in sorted(per_day.keys() | transport.keys()):
        override = existing.get(reg_id) or PaymentOverride(registration_id=reg_id)
        if reg_id in per_day:
            override.rate = per_day[reg_id]
        if reg_id in transport:
            override.transport = transport[reg_id]
        if override.rate is None and override.transport is None:
            if reg_id in existing:
                sheet.overrides.remove(override)
        elif reg_id not in existing:
            sheet.overrides.append(override)


@dataclass(frozen=True)
class _Rates:
    """A draft sheet's amounts, read once: per category, the defaults and the overrides."""

    per_day: dict[str, int]
    default_per_day: int
    transport: dict[str, int]
    default_transport: int
    overrides: dict[int, tuple[int | None, int | None]]  # registration id -> (per day, transport)

    @classmethod
    def of(cls, sheet: PaymentSheet) -> _Rates:
        return cls(per_day=json.loads(sheet.rates or "{}"), default_per_day=sheet.default_rate,
                   transport=json.loads(sheet.transport_rates or "{}"), default_transport=sheet.default_transport,
                   overrides={o.registration_id: (o.rate, o.transport) for o in sheet.overrides})

    def per_day_for(self, a: Attendee) -> tuple[int, bool]:
        """The person's per diem per day, and whether it is their own."""
        own = self.overrides.get(a.registration_id, (None, None))[0]
        if own is not None:
            return own, True
        return self.per_day.get(a.category_code or "", self.default_per_day), False

    def transport_for(self, a: Attendee) -> tuple[int, bool]:
        """The person's transport, and whether it is their own."""
        own = self.overrides.get(a.registration_id, (None, None))[1]
        if own is not None:
            return own, True
        return self.transport.get(a.category_code or "", self.default_transport), False


def paid_days(attendee: Attendee) -> list[date]:
    """The days a person is paid a per diem for: the days they came (from the check-ins) among
    the days they were registered for."""
    return sorted(d for d in attendee.arrivals if attendee.registered_for(d))


def _computed_rows(event: Event, sheet: PaymentSheet, language: str | None = None) -> list[PaymentRow]:
    language = language or event.language
    rates = _Rates.of(sheet)
    rows = []
    for a in load_attendees(event, language):
        days = paid_days(a)
        if not days:
            continue
        rate, rate_own = rates.per_day_for(a)
        transport, transport_own = rates.transport_for(a) if days else (0, False)  # once, to who came
        rows.append(PaymentRow(
            number=len(rows) + 1, registration_id=a.registration_id, name=a.display_name, category=a.category_label,
            days=len(days), days_text=", ".join(babel_dates.format_date(d, "d MMM", locale=language) for d in days),
            rate=rate, amount=rate * len(days) + transport, overridden=rate_own, transport=transport,
            transport_overridden=transport_own))
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
                           category=line.category, days=line.days, days_text="", rate=line.rate, amount=line.amount,
                           transport=line.transport)
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
        categories=[(c.code, c.label(language)) for c in cats
                    if c.active or c.code in json.loads(sheet.rates or "{}")
                    or c.code in json.loads(sheet.transport_rates or "{}")],
        rows=rows, total=sum(r.amount for r in rows), organizer_logo=logos[0], partner_logo=logos[1],
        default_transport=sheet.default_transport, transport_rates=json.loads(sheet.transport_rates or "{}"))


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
                                       category=r.category, days=r.days, rate=r.rate, transport=r.transport,
                                       amount=r.amount))
    record(actor, "payments.paid", sheet, event_id=event_id, total=sum(r.amount for r in rows), lines=len(rows),
           transport=sum(r.transport for r in rows), currency=sheet.currency)
    db.session.commit()
    return sheet


def export_payments(event: Event, fmt: str, *, upload_dir: Path, actor: Actor | None = None) -> tuple[bytes, str]:
    """The sheet as XLSX (for the accountant) or PDF (to sign); recorded in the audit log."""
    if fmt not in ("pdf", "xlsx"):
        raise ValidationError({"format": [translator(event.language)(
            "The payment sheet is made as PDF or XLSX, and the mobile-money file as CSV.")]})
    view = payment_view(event, upload_dir=upload_dir, with_logos=(fmt == "pdf"))
    from eventapp.reports.documents import payments as documents

    data = documents.payment_pdf(view) if fmt == "pdf" else documents.payment_xlsx(view)
    record(actor, "payments.export", None, event_id=event.id, format=fmt, total=view.total)
    db.session.commit()
    return data, f"{event.slug}-payments.{fmt}"
