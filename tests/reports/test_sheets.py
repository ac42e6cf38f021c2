"""Sign-in sheets: names with accents in name order, arrival times, blank rows, sessions, CLI."""
from __future__ import annotations

import re
from datetime import date, time

import pytest

from eventapp.audit.models import AuditEntry
from eventapp.core import web
from eventapp.core.errors import ValidationError
from eventapp.extensions import db
from eventapp.reports.sheets import print_sheet, sign_in_sheet
from tests import reports_fixtures as kf
from tests.factories import make_agenda_item, make_event, make_person, make_registration
from tests.pdfutil import page_count, pdf_text


@pytest.fixture
def small(app):
    """Four people with accented names, three of whom came on the first day."""
    event = make_event(slug="atelier", start_date=date(2023, 6, 21), end_date=date(2023, 6, 22), sheet_show_phone=False)
    people = {
        "traore": make_person("Awa", "Traoré", sex="F", organisation="IMRAP", function="Chercheuse",
                              category="civil_society", phone="+22376000001"),
        "maiga": make_person("Fatoumata", "Maïga", sex="F", organisation="Mairie", function="Adjointe",
                             category="authority"),
        "ndiaye": make_person("Moussa", "N'Diaye", sex="M", organisation="Police", function="Commissaire",
                              category="fds"),
        "toure": make_person("Zoumana", "Touré", sex="M", category="press"),
    }
    regs = {k: make_registration(event, p) for k, p in people.items()}
    kf.check_in(regs["traore"], event.start_date, kf.at(event.start_date, 8, 5))
    kf.check_in(regs["ndiaye"], event.start_date, kf.at(event.start_date, 9, 41))
    kf.check_in(regs["maiga"], event.start_date, kf.at(event.start_date, 14, 2))
    kf.check_in(regs["toure"], event.start_date, kf.at(event.start_date, 7, 0), voided=True)
    db.session.commit()
    return event, regs


def test_expected_sheet_lists_everyone_in_name_order_with_blank_rows(small):
    event, _ = small
    sheet = sign_in_sheet(event, "2023-06-21", kind="expected", blank_rows=7, upload_dir=web.settings().upload_dir)
    # Accents don't change the order: Maïga, N'Diaye, Touré, Traoré (Traore sorts as Traore).
    assert [r.name for r in sheet.rows] == ["Maïga Fatoumata", "N'Diaye Moussa", "Touré Zoumana", "Traoré Awa"]
    assert all(r.arrival == "" for r in sheet.rows)  # to fill in by hand on arrival
    data, name = print_sheet(event, "2023-06-21", kind="expected", blank_rows=7, upload_dir=web.settings().upload_dir)
    assert name == "atelier-2023-06-21-expected.pdf"
    text = pdf_text(data)
    for n in ("Traoré Awa", "Maïga Fatoumata", "N'Diaye Moussa"):
        assert n in text
    assert text.index("Maïga") < text.index("N'Diaye") < text.index("Touré") < text.index("Traoré")
    assert "FEUILLE D'ÉMARGEMENT" in text
    assert "IMRAP — Chercheuse" in text
    numbers = [int(x) for x in re.findall(r"^(\d+)$", text, re.M)]
    assert numbers[-7:] == list(range(5, 12))  # 4 names then 7 numbered blank rows
    assert "Le facilitateur" in text and "Page 1 sur " in text
    assert "Téléphone" not in text and "+22376000001" not in text


def test_attended_sheet_has_arrival_times_and_no_voided(small):
    event, _ = small
    sheet = sign_in_sheet(event, date(2023, 6, 21), kind="attended", blank_rows=0, upload_dir=web.settings().upload_dir)
    assert [(r.name, r.arrival) for r in sheet.rows] == [
        ("Maïga Fatoumata", "14:02"), ("N'Diaye Moussa", "09:41"), ("Traoré Awa", "08:05")]
    text = pdf_text(print_sheet(event, "2023-06-21", kind="attended", blank_rows=0,
                                upload_dir=web.settings().upload_dir)[0])
    assert "LISTE DE PRÉSENCE" in text
    assert "08:05" in text and "09:41" in text and "14:02" in text
    assert "Touré" not in text  # only a voided check-in
    assert "Nombre de participants présents : 3" in text
    # Nobody came on the second day: an empty record, not an error.
    assert sign_in_sheet(event, "2023-06-22", kind="attended", upload_dir=web.settings().upload_dir).rows == []


def test_phone_column_only_when_the_event_shows_it(small):
    event, _ = small
    event.sheet_show_phone = True
    db.session.commit()
    text = pdf_text(print_sheet(event, "2023-06-21", upload_dir=web.settings().upload_dir)[0])
    assert "Téléphone" in text and "+22376000001" in text


def test_half_day_and_agenda_item_sheets(small):
    event, _ = small
    morning = sign_in_sheet(event, "2023-06-21", kind="attended", part="morning", upload_dir=web.settings().upload_dir)
    assert [r.name for r in morning.rows] == ["N'Diaye Moussa", "Traoré Awa"]
    afternoon = sign_in_sheet(event, "2023-06-21", kind="attended", part="afternoon",
                              upload_dir=web.settings().upload_dir)
    assert len(afternoon.rows) == 3
    item = make_agenda_item(event, "Présentation des résultats", start=time(9, 0), end=time(9, 30))
    at_item = sign_in_sheet(event, "2023-06-21", kind="attended", part=f"item:{item.id}",
                            upload_dir=web.settings().upload_dir)
    assert [r.name for r in at_item.rows] == ["Traoré Awa"]  # N'Diaye came at 09:41, after it ended
    text = pdf_text(print_sheet(event, "2023-06-21", kind="expected", part=f"item:{item.id}",
                                upload_dir=web.settings().upload_dir)[0])
    assert "Présentation des résultats" in text
    with pytest.raises(ValidationError) as exc:
        sign_in_sheet(event, "2023-06-22", part=f"item:{item.id}", upload_dir=web.settings().upload_dir)
    assert "part" in exc.value.errors


def test_a_day_outside_the_event_is_refused_clearly(small):
    event, _ = small
    with pytest.raises(ValidationError) as exc:
        sign_in_sheet(event, "2023-06-25", upload_dir=web.settings().upload_dir)
    assert "2023-06-25" in exc.value.errors["day"][0]
    with pytest.raises(ValidationError):
        sign_in_sheet(event, "21/06/2023", upload_dir=web.settings().upload_dir)
    with pytest.raises(ValidationError):
        sign_in_sheet(event, "2023-06-21", kind="nonsense", upload_dir=web.settings().upload_dir)
    with pytest.raises(ValidationError):
        sign_in_sheet(event, "2023-06-21", blank_rows=-1, upload_dir=web.settings().upload_dir)


def test_many_pages_are_numbered_and_each_has_a_header(app):
    event, _ = kf.known_attendance()
    data, _ = print_sheet(event, "2023-06-21", kind="expected", blank_rows=10, upload_dir=web.settings().upload_dir)
    pages = page_count(data)
    assert pages >= 4
    text = pdf_text(data)
    assert f"Page {pages} sur {pages}" in text
    assert text.count("Structure et fonction") == pages
    numbers = [int(x) for x in re.findall(r"^(\d+)$", text, re.M)]
    expected = sum(1 for i in range(60) if kf.status_of(i) in ("invited", "accepted", "registered"))
    assert max(numbers) == expected + 10


def test_cli_sheets(small, runner, tmp_path):
    event, _ = small
    out = tmp_path / "sheet.pdf"
    result = runner.invoke(args=["sheets", "atelier", "--day", "2023-06-21", "--out", str(out), "--kind", "attended"])
    assert result.exit_code == 0, result.output
    assert "Traoré Awa" in pdf_text(out.read_bytes())
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "sheet.print"))
    assert entry.actor == "cli" and entry.event_id == event.id
    bad = runner.invoke(args=["sheets", "atelier", "--day", "2024-01-01", "--out", str(tmp_path / "x.pdf")])
    assert bad.exit_code != 0
    assert "2024-01-01" in bad.output
    assert not (tmp_path / "x.pdf").exists()
    unknown = runner.invoke(args=["sheets", "nope", "--day", "2023-06-21", "--out", str(tmp_path / "y.pdf")])
    assert unknown.exit_code != 0


def test_times_are_in_the_event_time_zone(app):
    """A scan at 07:30 UTC is 08:30 in Lagos (UTC+1): the sheet and the report say 08:30."""
    event = make_event(slug="lagos", timezone="Africa/Lagos")
    reg = make_registration(event, make_person("Aïssata", "Dicko"))
    kf.check_in(reg, event.start_date, kf.at(event.start_date, 7, 30))
    db.session.commit()
    assert sign_in_sheet(event, event.start_date, kind="attended",
                         upload_dir=web.settings().upload_dir).rows[0].arrival == "08:30"
    from eventapp.reports.services import build_report

    arrivals = build_report(event, settings=web.settings()).arrivals
    assert arrivals.rows[0][0] == "08:00–08:59"


def test_logos_of_organizer_and_partner_are_printed(small, app):
    import io
    from pathlib import Path

    from PIL import Image

    event, _ = small
    uploads = Path(app.instance_path) / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    for name, colour in (("org.png", "green"), ("partner.png", "red")):
        buffer = io.BytesIO()
        Image.new("RGB", (120, 60), colour).save(buffer, "PNG")
        (uploads / name).write_bytes(buffer.getvalue())
    event.organizer_logo, event.partner_logo = "org.png", "partner.png"
    db.session.commit()
    data, _ = print_sheet(event, "2023-06-21", upload_dir=web.settings().upload_dir)
    assert data.count(b"/Subtype /Image") >= 2
    from eventapp.reports.services import export_report

    assert export_report(event, "pdf", settings=web.settings(), actor=None)[0].count(b"/Subtype /Image") >= 2
