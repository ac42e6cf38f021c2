"""Events of several days in the reports: expected numbers, absences, sign-in sheets and per
diem follow the days each person was registered for (nobody is absent on a day they were never
meant to attend)."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from eventapp.audit.services import Actor
from eventapp.core import web
from eventapp.extensions import db
from eventapp.registration.services import set_registration_days
from eventapp.reports.payments import payment_view, update_sheet
from eventapp.reports.services import build_report, day_label, export_report
from eventapp.reports.sheets import print_sheet, sign_in_sheet
from tests import reports_fixtures as kf
from tests.factories import make_event, make_person, make_registration
from tests.pdfutil import pdf_text

THU, FRI, SAT = date(2026, 1, 15), date(2026, 1, 16), date(2026, 1, 17)


@pytest.fixture
def training(app):
    """A three-day training.

    - Moussa Maïga, an official, registered for the opening (Thursday) only, came on Thursday;
    - Awa Traoré, registered for every day, came on Thursday and Friday (absent on Saturday);
    - Fatoumata N'Diaye, registered for Friday and Saturday, came on Friday (absent on Saturday);
    - Oumar Keïta, registered for Thursday only after he had come on Thursday and Friday.
    """
    event = make_event(slug="formation", title="Formation des formateurs", start_date=THU, end_date=SAT)
    people = {
        "maiga": make_person("Moussa", "Maïga", sex="M", category="authority", organisation="Gouvernorat"),
        "traore": make_person("Awa", "Traoré", sex="F", category="civil_society", organisation="IMRAP"),
        "ndiaye": make_person("Fatoumata", "N'Diaye", sex="F", category="civilian"),
        "keita": make_person("Oumar", "Keïta", sex="M", category="fds"),
    }
    regs = {key: make_registration(event, person) for key, person in people.items()}
    set_registration_days(regs["maiga"], [THU])
    set_registration_days(regs["ndiaye"], [FRI, SAT])
    for key, day in (("maiga", THU), ("traore", THU), ("traore", FRI), ("ndiaye", FRI), ("keita", THU),
                     ("keita", FRI)):
        kf.check_in(regs[key], day, kf.at(day, 9, 0))
    db.session.commit()
    set_registration_days(regs["keita"], [THU])
    return event, regs


def _funnel(report, row: str) -> list:
    return next(values for label, values in report.funnel.rows if label == row)


def test_expected_and_absent_per_day_count_only_those_registered_for_the_day(training):
    event, _regs = training
    report = build_report(event, settings=web.settings())
    assert report.funnel.columns == [day_label(d, "fr") for d in (THU, FRI, SAT)] + ["Ensemble"]
    # Registered: Thursday Maïga, Traoré, Keïta; Friday Traoré, N'Diaye; Saturday the same two.
    assert _funnel(report, "Personnes inscrites") == [3, 2, 2, 4]
    assert _funnel(report, "Personnes présentes") == [3, 3, 0, 4]  # Keïta's Friday check-in is real
    # Absent: nobody on Thursday or Friday (Maïga was never meant to come on Friday), two on Saturday.
    assert _funnel(report, "Personnes absentes") == [0, 0, 2, 0]
    assert "par jour : les inscrits de ce jour" in report.funnel.note.replace("\u00a0", " ")


def test_report_xlsx_and_pdf_say_the_same(training):
    event, _regs = training
    data, _name = export_report(event, "xlsx", settings=web.settings(), actor=Actor.cli())
    funnel = next(ws for ws in load_workbook(io.BytesIO(data)).worksheets
                  if ws["A1"].value == "Invités, inscrits et présents")
    rows = {row[0]: list(row[1:]) for row in funnel.iter_rows(min_row=3, values_only=True) if row[0]}
    assert rows["Personnes inscrites"] == [3, 2, 2, 4]
    assert rows["Personnes absentes"] == [0, 0, 2, 0]
    pdf, _name = export_report(event, "pdf", settings=web.settings(), actor=Actor.cli())
    flat = " ".join(pdf_text(pdf).split())
    assert "Personnes inscrites 3 2 2 4" in flat
    assert "Personnes absentes 0 0 2 0" in flat


def test_external_report_still_hides_small_counts(training):
    event, _regs = training
    report = build_report(event, settings=web.settings(), external=True)
    assert _funnel(report, "Personnes inscrites") == ["<5", "<5", "<5", "<5"]
    assert _funnel(report, "Personnes absentes") == [0, 0, "<5", 0]


def test_expected_sheet_of_a_day_lists_only_those_registered_for_it(training):
    event, _regs = training
    upload_dir = web.settings().upload_dir
    assert [r.name for r in sign_in_sheet(event, THU, upload_dir=upload_dir).rows] == [
        "Keïta Oumar", "Maïga Moussa", "Traoré Awa"]
    assert [r.name for r in sign_in_sheet(event, FRI, upload_dir=upload_dir).rows] == [
        "N'Diaye Fatoumata", "Traoré Awa"]
    data, _name = print_sheet(event, "2026-01-16", kind="expected", upload_dir=upload_dir)
    text = pdf_text(data)
    assert "vendredi 16 janvier 2026" in text
    assert "Traoré Awa" in text and "N'Diaye Fatoumata" in text
    assert "Maïga" not in text and "Keïta" not in text
    thursday = pdf_text(print_sheet(event, "2026-01-15", kind="expected", upload_dir=upload_dir)[0])
    assert "Maïga Moussa" in thursday and "N'Diaye" not in thursday
    # The sheet of who came lists who came, registered for the day or not (Keïta did come on Friday).
    attended = [r.name for r in sign_in_sheet(event, FRI, kind="attended", upload_dir=upload_dir).rows]
    assert attended == ["Keïta Oumar", "N'Diaye Fatoumata", "Traoré Awa"]


def test_per_diem_counts_the_registered_days_attended(training):
    event, regs = training
    update_sheet(event, currency="XOF", default_rate="5000", actor=Actor.cli())
    rows = {r.registration_id: r for r in payment_view(event).rows}
    assert rows[regs["traore"].id].days == 2 and rows[regs["traore"].id].amount == 10_000
    assert rows[regs["maiga"].id].days == 1
    # Keïta came on Friday too, but was registered for Thursday only: one day of per diem.
    assert rows[regs["keita"].id].days == 1 and rows[regs["keita"].id].amount == 5_000
    assert payment_view(event).total == 5000 * (2 + 1 + 1 + 1)
