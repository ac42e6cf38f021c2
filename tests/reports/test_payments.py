"""Transport and per diem: from actual attendance only, totals, overrides, and the lock once paid."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from eventapp.audit.models import AuditEntry
from eventapp.audit.services import Actor
from eventapp.core import web
from eventapp.core.errors import ValidationError
from eventapp.extensions import db
from eventapp.reports.payments import export_payments, mark_paid, payment_view, update_sheet
from tests import reports_fixtures as kf
from tests.pdfutil import pdf_text

RATES = {"fds": 5000, "authority": 10000, "civil_society": 7500, "civilian": 5000, "press": 2500}


def days_of(i):
    return int(kf.day1(i)) + int(kf.day2(i))


@pytest.fixture
def sheet(app):
    event, regs = kf.known_attendance()
    update_sheet(event, currency="xof", default_rate="1000", rates={k: str(v) for k, v in RATES.items()},
                 actor=Actor.cli())
    return event, regs


def expected_total(overrides=None):
    overrides = overrides or {}
    return sum(overrides.get(i, RATES[kf.category_of(i)]) * days_of(i) for i in range(60) if kf.attended(i))


def test_lines_come_from_attendance_only(sheet):
    event, regs = sheet
    view = payment_view(event)
    assert view.currency == "XOF"
    assert len(view.rows) == 37
    by_reg = {r.registration_id: r for r in view.rows}
    assert regs[40].id not in by_reg  # only a voided check-in
    assert regs[59].id not in by_reg  # cancelled
    both = by_reg[regs[25].id]
    assert both.days == 2 and both.rate == RATES[kf.category_of(25)] and both.amount == 2 * both.rate
    assert view.total == expected_total()
    assert view.total_days == 30 + 17


def test_per_person_override_and_bad_amounts(sheet):
    event, regs = sheet
    update_sheet(event, overrides={str(regs[0].id): "12 000"}, actor=Actor.cli())
    view = payment_view(event)
    assert view.total == expected_total({0: 12000})
    with pytest.raises(ValidationError) as exc:
        update_sheet(event, default_rate="abc", rates={"fds": "-5"}, currency="francs")
    assert {"default_rate", "rate_fds", "currency"} <= set(exc.value.errors)
    assert payment_view(event).total == expected_total({0: 12000})  # nothing half-saved
    update_sheet(event, overrides={str(regs[0].id): ""})
    assert payment_view(event).total == expected_total()


def test_xlsx_for_the_accountant(sheet):
    event, regs = sheet
    data, name = export_payments(event, "xlsx", actor=Actor.cli(), upload_dir=web.settings().upload_dir)
    assert name.endswith("-payments.xlsx")
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    totals = {r[0]: r[1] for r in rows if r and r[0]}
    assert totals["Total (XOF)"] == expected_total()
    assert totals["Nombre de personnes"] == 37
    assert totals["Jours payés"] == 47
    header = next(r for r in rows if r and r[0] == "N°")
    assert header[-1] == "Signature"
    names = [r[1] for r in rows if r and isinstance(r[0], int)]
    assert "Traoré Awa" in names


def test_pdf_to_sign_has_total_and_signature_column(sheet):
    event, _ = sheet
    text = pdf_text(export_payments(event, "pdf", actor=Actor.cli(), upload_dir=web.settings().upload_dir)[0])
    total = f"{expected_total():,}".replace(",", "\u202f")
    assert total in text
    assert "Signature" in text and "TRANSPORT ET PER DIEM" in text


def test_locked_once_paid(sheet):
    event, regs = sheet
    mark_paid(event, actor=Actor(label="comptable@example.org"))
    paid_total = expected_total()
    # A later check-in (or a void) no longer changes what was paid.
    kf.check_in(regs[45], kf.DAY2, kf.at(kf.DAY2, 11, 0))
    db.session.commit()
    view = payment_view(event)
    assert view.locked and view.total == paid_total and len(view.rows) == 37
    assert view.paid_by == "comptable@example.org"
    with pytest.raises(ValidationError) as exc:
        update_sheet(event, default_rate="2000")
    assert "payé" in str(exc.value) and "comptable@example.org" in str(exc.value)
    with pytest.raises(ValidationError):
        mark_paid(event)
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "payments.paid")) is not None
    assert "Payé le" in pdf_text(export_payments(event, "pdf", upload_dir=web.settings().upload_dir)[0])


def test_nothing_to_pay_when_nobody_came(app):
    from tests.factories import make_event

    event = make_event()
    assert payment_view(event).rows == []
    with pytest.raises(ValidationError):
        mark_paid(event)
    assert export_payments(event, "xlsx", upload_dir=web.settings().upload_dir)[0]


def test_two_people_marking_paid_at_once_pay_once(sheet, app):
    import threading

    event, _ = sheet
    event_id = event.id
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes = []

    def press(label):
        from eventapp.events.models import Event

        with app.app_context():
            ev = db.session.get(Event, event_id)
            barrier.wait()
            try:
                mark_paid(ev, actor=Actor(label=label))
                outcomes.append("paid")
            except ValidationError:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=press, args=(f"user{n}@example.org",)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["paid", "refused"]
    from eventapp.reports.models import PaymentLine

    assert db.session.scalar(db.select(db.func.count()).select_from(PaymentLine)) == 37
