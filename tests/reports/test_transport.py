"""Transport beside the per diem: per category and per person, paid once; the per diem per day
attended; totals on the page, the PDF and the XLSX, amounts written in the event's words."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from eventapp.audit.services import Actor
from eventapp.core import web
from eventapp.core.errors import ValidationError
from eventapp.extensions import db
from eventapp.reports.models import PaymentOverride
from eventapp.reports.payments import export_payments, mark_paid, payment_view, update_sheet
from tests import reports_fixtures as kf
from tests.conftest import make_app
from tests.core.test_migrations import empty_database_url  # noqa: F401 (a fixture)
from tests.pdfutil import pdf_text

RATES = {"fds": 5000, "authority": 10000, "civil_society": 7500, "civilian": 5000, "press": 2500}
TRANSPORT = {"fds": 2000, "authority": 5000, "press": 0}
DEFAULT_TRANSPORT = 3000  # civil society and civilians
NNBSP = "\u202f"


def days_of(i):
    return int(kf.day1(i)) + int(kf.day2(i))


def transport_of(i, own=None):
    return (own or {}).get(i, TRANSPORT.get(kf.category_of(i), DEFAULT_TRANSPORT))


def expected(per_day=None, transport=None):
    """(per diem, transport, total) of everyone who came, from the fixture's rules."""
    per_day = per_day or {}
    came = [i for i in range(60) if kf.attended(i)]
    diem = sum(per_day.get(i, RATES[kf.category_of(i)]) * days_of(i) for i in came)
    moves = sum(transport_of(i, transport) for i in came)
    return diem, moves, diem + moves


@pytest.fixture
def sheet(app):
    event, regs = kf.known_attendance()
    update_sheet(event, currency="XOF", default_rate="1000", rates={k: str(v) for k, v in RATES.items()},
                 default_transport=str(DEFAULT_TRANSPORT), transport_rates={k: str(v) for k, v in TRANSPORT.items()},
                 actor=Actor.cli())
    return event, regs


def test_per_diem_per_day_attended_and_transport_once(sheet):
    event, regs = sheet
    view = payment_view(event)
    by_reg = {r.registration_id: r for r in view.rows}
    two_days = by_reg[regs[25].id]  # came both days: two per diems, one transport
    assert two_days.days == 2
    assert two_days.rate == RATES[kf.category_of(25)]
    assert two_days.transport == transport_of(25)
    assert two_days.amount == 2 * two_days.rate + two_days.transport
    one_day = by_reg[regs[3].id]  # civilian, day 1 only: the default transport
    assert (one_day.days, one_day.transport, one_day.amount) == (1, DEFAULT_TRANSPORT, 5000 + DEFAULT_TRANSPORT)
    assert regs[40].id not in by_reg and regs[45].id not in by_reg  # nobody is paid a transport for not coming
    assert (view.total_per_diem, view.total_transport, view.total) == expected()
    assert view.total_days == 47


def test_per_person_transport_alone_per_day_alone_or_both(sheet):
    event, regs = sheet
    update_sheet(event, transport_overrides={str(regs[0].id): "15 000"}, overrides={str(regs[1].id): "9000"},
                 actor=Actor.cli())
    update_sheet(event, overrides={str(regs[2].id): "8000"}, transport_overrides={str(regs[2].id): "0"})
    view = {r.registration_id: r for r in payment_view(event).rows}
    assert (view[regs[0].id].rate, view[regs[0].id].transport) == (RATES["fds"], 15000)
    assert view[regs[0].id].transport_overridden and not view[regs[0].id].overridden
    assert (view[regs[1].id].rate, view[regs[1].id].transport) == (9000, transport_of(1))
    assert (view[regs[2].id].rate, view[regs[2].id].transport) == (8000, 0)
    assert payment_view(event).total == expected({1: 9000, 2: 8000}, {0: 15000, 2: 0})[2]
    # Back to the category's amounts, one at a time: the override goes once both are gone.
    update_sheet(event, transport_overrides={str(regs[2].id): ""})
    override = db.session.scalar(db.select(PaymentOverride).where(PaymentOverride.registration_id == regs[2].id))
    assert (override.rate, override.transport) == (8000, None)
    update_sheet(event, overrides={str(regs[2].id): ""})
    assert db.session.scalar(db.select(PaymentOverride).where(PaymentOverride.registration_id == regs[2].id)) is None


def test_bad_transport_amounts_change_nothing(sheet):
    event, regs = sheet
    before = payment_view(event).total
    with pytest.raises(ValidationError) as exc:
        update_sheet(event, default_transport="-1", transport_rates={"fds": "cinq", "nope": "5"},
                     transport_overrides={str(regs[0].id): "12,5", "999999": "100"})
    assert {"default_transport", "transport_rate_fds", "transport_rate_nope", f"transport_override_{regs[0].id}",
            "transport_override_999999"} <= set(exc.value.errors)
    assert f"10{NNBSP}000{NNBSP}000" in exc.value.errors["default_transport"][0]
    assert payment_view(event).total == before


def test_amounts_are_read_as_people_type_them(sheet):
    event, regs = sheet
    update_sheet(event, transport_rates={"fds": "12,500", "authority": "7.500", "press": "1 000 FCFA"})
    view = payment_view(event)
    assert view.transport_rates["fds"] == 12500
    assert view.transport_rates["authority"] == 7500
    assert view.transport_rates["press"] == 1000


def test_paid_sheet_freezes_the_transport(sheet):
    event, regs = sheet
    mark_paid(event, actor=Actor(label="comptable@example.org"))
    kf.check_in(regs[45], kf.DAY2, kf.at(kf.DAY2, 11, 0))  # a later check-in changes nothing paid
    db.session.commit()
    view = payment_view(event)
    assert (view.total_per_diem, view.total_transport, view.total) == expected()
    assert {r.registration_id: r.transport for r in view.rows}[regs[0].id] == TRANSPORT["fds"]


def test_xlsx_has_per_diem_transport_and_total_columns(sheet):
    event, regs = sheet
    data, _ = export_payments(event, "xlsx", actor=Actor.cli(), upload_dir=web.settings().upload_dir)
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    header = next(r for r in rows if r and r[0] == "N°")
    assert header[3:9] == ("Jours de présence", "Per diem par jour (XOF)", "Per diem (XOF)", "Transport (XOF)",
                           "Total (XOF)", "Signature")
    totals = {r[0]: r[1] for r in rows if r and isinstance(r[0], str)}
    diem, moves, total = expected()
    assert (totals["Per diem (XOF)"], totals["Transport (XOF)"], totals["Total (XOF)"]) == (diem, moves, total)
    line = next(r for r in ws.iter_rows() if r[1].value == "Traoré Awa")
    assert isinstance(line[7].value, int) and line[7].number_format == "#,##0"  # a number, shown grouped


@pytest.fixture
def million(sheet):
    """Awa Traoré (person 0, day 1 only) paid 1 000 000 a day and 20 000 of transport: 1 020 000."""
    event, regs = sheet
    update_sheet(event, overrides={str(regs[0].id): "1000000"}, transport_overrides={str(regs[0].id): "20000"})
    return event, regs


def one_line(text_: str) -> str:
    """Lines joined by one space (a header wrapped in its cell reads whole); U+202F is kept."""
    return re.sub(r"[ \n]+", " ", text_)


def test_pdf_writes_amounts_in_french_and_in_english(million):
    event, _ = million
    diem, moves, total = expected({0: 1_000_000}, {0: 20_000})
    text_fr = one_line(pdf_text(export_payments(event, "pdf", upload_dir=web.settings().upload_dir)[0]))
    assert f"1{NNBSP}020{NNBSP}000 FCFA" in text_fr
    assert f"{total:,} FCFA".replace(",", NNBSP) in text_fr
    assert "TRANSPORT ET PER DIEM" in text_fr and "Per diem par jour" in text_fr
    assert "1020000" not in text_fr
    event.language = "en"
    db.session.commit()
    text_en = one_line(pdf_text(export_payments(event, "pdf", upload_dir=web.settings().upload_dir)[0]))
    assert "1,020,000 FCFA" in text_en and f"{total:,} FCFA" in text_en
    assert "TRANSPORT AND PER DIEM" in text_en and "Per diem per day" in text_en


def test_page_writes_amounts_in_the_readers_language(million, client, login):
    event, regs = million
    login("coordinator")
    page = client.get("/events/restitution/payments").get_data(as_text=True)
    assert f"1{NNBSP}020{NNBSP}000 FCFA" in page
    assert "1020000" not in page
    english = client.get("/events/restitution/payments?lang=en").get_data(as_text=True)
    assert "1,020,000 FCFA" in english and f"{expected({0: 1_000_000}, {0: 20_000})[2]:,} FCFA" in english


def test_transport_saved_through_the_page(sheet, client, login):
    event, regs = sheet
    login("organizer")
    response = client.post("/events/restitution/payments", data={
        "currency": "XOF", "default_rate": "1000", "default_transport": "2500", "transport_rate_fds": "4000",
        f"transport_override_{regs[1].id}": "6000"})
    assert response.status_code == 302
    view = {r.registration_id: r for r in payment_view(event).rows}
    assert view[regs[0].id].transport == 4000 and view[regs[1].id].transport == 6000
    assert view[regs[3].id].transport == 2500
    bad = client.post("/events/restitution/payments", data={"currency": "XOF", "transport_rate_fds": "quatre"})
    assert bad.status_code == 400
    assert payment_view(event).transport_rates["fds"] == 4000


def test_migration_keeps_old_sheets_and_adds_transport(empty_database_url, tmp_path):  # noqa: F811
    """0011e_transport: an override and a paid line made before keep their amounts, transport 0."""
    from flask_migrate import downgrade, upgrade

    app = make_app(empty_database_url, tmp_path / "instance")
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="0010_names")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO events (id, slug, title, organizer, partner, venue_name, venue_address, city, start_date,"
                " end_date, timezone, language, status, description, badge_layout, discreet_badges,"
                " sheet_show_phone, registration_open, created_at, updated_at) VALUES (1, 'mopti', 'Atelier', '', '',"
                " '', '', 'Mopti', '2023-06-21', '2023-06-21', 'Africa/Bamako', 'fr', 'draft', '', 'a6', FALSE,"
                " FALSE, FALSE, '2023-06-01 10:00:00+00', '2023-06-01 10:00:00+00')"))
            conn.execute(text(
                "INSERT INTO payment_sheets (id, event_id, currency, default_rate, rates, status, paid_by, created_at,"
                " updated_at) VALUES (1, 1, 'XOF', 5000, '{}', 'paid', '', '2023-06-21 10:00:00+00',"
                " '2023-06-21 10:00:00+00')"))
            conn.execute(text("INSERT INTO payment_lines (id, sheet_id, position, name, category, days, rate, amount)"
                              " VALUES (1, 1, 1, 'Traoré Awa', 'FDS', 2, 5000, 10000)"))
        upgrade(directory=directory, revision="0011e_transport")
        with db.engine.connect() as conn:
            sheet = conn.execute(text("SELECT default_transport, transport_rates FROM payment_sheets")).one()
            line = conn.execute(text("SELECT name, rate, transport, amount FROM payment_lines")).one()
        assert tuple(sheet) == (0, "{}")
        assert tuple(line) == ("Traoré Awa", 5000, 0, 10000)
        downgrade(directory=directory, revision="0010_names")
        with db.engine.connect() as conn:
            assert tuple(conn.execute(text("SELECT name, amount FROM payment_lines")).one()) == ("Traoré Awa", 10000)
        db.engine.dispose()


def test_payment_sheet_page_as_png(million, tmp_path):
    """The first page rendered: amounts in their columns, the signature cells blank."""
    from tests.pdfutil import render_pages
    from tests.reports.test_sheet_layout import _ink, sample_dir

    event, _ = million
    data = export_payments(event, "pdf", upload_dir=web.settings().upload_dir)[0]
    image = render_pages(data, dpi=110)[0]
    folder = sample_dir(tmp_path)
    image.save(folder / "payment-sheet-page1.png")
    (folder / "payment-sheet.pdf").write_bytes(data)
    width, height = image.size
    grey = image.convert("L")
    totals = grey.crop((int(width * 0.72), int(height * 0.35), int(width * 0.80), int(height * 0.85)))
    assert _ink(totals) > 0.01  # the Total column is filled
    signature = grey.crop((int(width * 0.83), int(height * 0.40), int(width * 0.95), int(height * 0.85)))
    assert _ink(signature, ignore_lines=True) < 0.01
