"""Every spreadsheet export keeps what people typed as text, never as a formula.

Names come from the public form and from walk-ins at the door: a name typed as
"=HYPERLINK(…)" must stay a name in the file a coordinator or an accountant opens.
"""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from eventapp.audit.services import Actor
from eventapp.core import web
from eventapp.core.documents.spreadsheet import safe_text
from eventapp.door import checkin as checkin_service
from eventapp.door import stations as station_service
from eventapp.extensions import db
from eventapp.reports.payments import export_payments, update_sheet
from eventapp.reports.services import export_report
from tests import factories
from tests import reports_fixtures as kf

EVIL = '=HYPERLINK("http://evil.example";"Traoré")'


def _cells(data: bytes) -> list:
    return [c for ws in load_workbook(io.BytesIO(data)).worksheets for row in ws.iter_rows() for c in row]


def _no_formula(data: bytes) -> list:
    cells = _cells(data)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    return [c.value for c in cells]


def test_safe_text_keeps_numbers_and_names():
    assert safe_text(-3) == "-3" and safe_text(2.5) == "2.5" and safe_text(None) == ""
    assert safe_text("-3") == "'-3" and safe_text("@SUM(A1)") == "'@SUM(A1)" and safe_text("N'Diaye") == "N'Diaye"


def test_door_log_exports(client, login, app):
    event = factories.make_event()
    station = station_service.create_station(event, "Porte A")
    reg = factories.make_registration(event, factories.make_person(EVIL, "Maïga", organisation="+223 Bamako"))
    checkin_service.check_in(event, reg.checkin_token, station=station.station, operator=Actor(label="Porte A"),
                             scanned_at=kf.at(kf.DAY1, 9, 14))
    login("organizer")
    text = client.get(f"/events/{event.slug}/checkins?format=csv").data.decode("utf-8-sig")
    names = [row for row in csv.reader(io.StringIO(text), delimiter=";")][1:]
    assert names and all(not cell.startswith(("=", "+", "-", "@")) for row in names for cell in row)
    assert any(("'" + EVIL + " Maïga") in row for row in names) and any("'+223 Bamako" in row for row in names)
    values = _no_formula(client.get(f"/events/{event.slug}/checkins?format=xlsx").data)
    assert EVIL + " Maïga" in values


def test_payment_and_report_spreadsheets(app):
    event, regs = kf.known_attendance()
    attended = next(r for i, r in enumerate(regs) if kf.attended(i))
    attended.person.first_name = attended.person.last_name = EVIL
    factories.make_official(event, last_name="=1+2", function="=2+3")
    db.session.commit()
    update_sheet(event, currency="xof", default_rate="1000", actor=Actor.cli())
    payments, _name = export_payments(event, "xlsx", actor=Actor.cli(), upload_dir=web.settings().upload_dir)
    # Cells that start like a formula are there, as text.
    assert any(isinstance(v, str) and v.startswith("=HYPERLINK") for v in _no_formula(payments))
    report, _name = export_report(event, "xlsx", settings=web.settings(), actor=Actor.cli())
    values = _no_formula(report)
    assert "=2+3" in values
    assert any(isinstance(v, (int, float)) for v in values)  # figures stay numbers
