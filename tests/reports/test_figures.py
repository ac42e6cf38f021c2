"""The attendance report: every count of a known attendance, in the XLSX and in the PDF."""
from __future__ import annotations

import io
from collections import Counter
from datetime import UTC

import pytest
from openpyxl import load_workbook

from eventapp.audit.services import Actor
from eventapp.core import web
from eventapp.extensions import db
from eventapp.people.models import Consent
from eventapp.reports.services import build_report, export_report
from tests import reports_fixtures as kf
from tests.factories import category, make_event, make_person, make_registration
from tests.pdfutil import pdf_text

DAY1_FR, DAY2_FR = "21 juin 2023", "22 juin 2023"


def expected_counts():
    """The figures recounted from the fixture's rules (not from the code under test)."""
    idx = range(60)
    came = [i for i in idx if kf.attended(i)]
    registered = [i for i in idx if kf.status_of(i) in ("accepted", "registered")]
    return dict(
        invited=sum(1 for i in idx if kf.status_of(i) in ("invited", "accepted", "declined")),
        accepted=sum(1 for i in idx if kf.status_of(i) == "accepted"),
        registered=len(registered),
        attended=len(came), day1=sum(1 for i in idx if kf.day1(i)), day2=sum(1 for i in idx if kf.day2(i)),
        absent=sum(1 for i in registered if not kf.attended(i)),
        absent1=sum(1 for i in registered if not kf.day1(i)), absent2=sum(1 for i in registered if not kf.day2(i)),
        came=came,
    )


def cell_by_labels(ws, row_label, column_label):
    """The figure at the row whose first cell is ``row_label``, in the column headed ``column_label``."""
    header = [c.value for c in ws[2]]
    col = header.index(column_label)
    for row in ws.iter_rows(min_row=3, values_only=True):
        if row[0] == row_label:
            return row[col]
    raise KeyError(row_label)


def sheet(wb, title):
    """The sheet whose first cell is ``title`` (sheet names are cut at 31 characters)."""
    for ws in wb.worksheets:
        if ws["A1"].value == title:
            return ws
    raise KeyError(title)


def pair(ws, label):
    """The value beside ``label`` in a sheet of label/value pairs."""
    for row in ws.iter_rows(values_only=True):
        if row and row[0] == label:
            return row[1]
    raise KeyError(label)


@pytest.fixture
def known(app):
    return kf.known_attendance()


def test_known_attendance_counts_in_xlsx(app, known):
    event, _regs = known
    data, name = export_report(event, "xlsx", settings=web.settings(), actor=Actor.cli())
    assert name.endswith(".xlsx")
    wb = load_workbook(io.BytesIO(data))
    e = expected_counts()
    assert e["attended"] == 37 and e["day1"] == 30 and e["day2"] == 17  # the fixture is what we think it is

    summary = wb["Synthèse"]
    assert pair(summary, "Personnes invitées") == e["invited"]
    assert pair(summary, "Personnes ayant accepté") == e["accepted"]
    assert pair(summary, "Personnes inscrites") == e["registered"]
    assert pair(summary, "Personnes présentes") == 37
    assert pair(summary, "Personnes absentes") == e["absent"]
    assert pair(summary, f"Présents le {DAY1_FR}") == 30
    assert pair(summary, f"Présents le {DAY2_FR}") == 17
    came = e["came"]
    assert pair(summary, "Femmes présentes") == sum(1 for i in came if kf.sex_of(i) == "F")
    assert pair(summary, "Hommes présents") == sum(1 for i in came if kf.sex_of(i) == "M")

    funnel = sheet(wb, "Invités, inscrits et présents")
    assert cell_by_labels(funnel, "Personnes présentes", DAY1_FR) == 30
    assert cell_by_labels(funnel, "Personnes présentes", DAY2_FR) == 17
    assert cell_by_labels(funnel, "Personnes présentes", "Ensemble") == 37
    assert cell_by_labels(funnel, "Personnes absentes", DAY1_FR) == e["absent1"]
    assert cell_by_labels(funnel, "Personnes absentes", DAY2_FR) == e["absent2"]
    assert cell_by_labels(funnel, "Inscriptions annulées", "Ensemble") == 1
    assert cell_by_labels(funnel, "Personnes ayant décliné", "Ensemble") == 5

    by_cat = sheet(wb, "Participation par catégorie et par sexe")
    labels = {"fds": "FDS", "authority": "Autorités", "civil_society": "Société civile",
              "civilian": "Population civile", "press": "Presse"}
    for code, label in labels.items():
        people = [i for i in came if kf.category_of(i) == code]
        sexes = Counter(kf.sex_of(i) for i in people)
        assert cell_by_labels(by_cat, label, "Femmes") == sexes["F"], label
        assert cell_by_labels(by_cat, label, "Hommes") == sexes["M"], label
        assert cell_by_labels(by_cat, label, "Sexe non renseigné") == sexes["X"], label
        assert cell_by_labels(by_cat, label, "Total") == len(people), label
    assert cell_by_labels(by_cat, "Partenaires", "Total") == 0
    assert cell_by_labels(by_cat, "Total", "Total") == 37

    per_day = sheet(wb, "Participation par jour et par catégorie")
    for code, label in labels.items():
        assert cell_by_labels(per_day, label, DAY1_FR) == sum(1 for i in came
                                                              if kf.category_of(i) == code and kf.day1(i))
        assert cell_by_labels(per_day, label, DAY2_FR) == sum(1 for i in came
                                                              if kf.category_of(i) == code and kf.day2(i))
    assert cell_by_labels(per_day, "Total", "Ensemble") == 37

    by_age = sheet(wb, "Participation par tranche d'âge et par sexe")
    for band in kf.BANDS:
        people = [i for i in came if kf.band_of(i) == band]
        assert cell_by_labels(by_age, band, "Total") == len(people), band
        assert cell_by_labels(by_age, band, "Femmes") == sum(1 for i in people if kf.sex_of(i) == "F")
    assert cell_by_labels(by_age, "Âge non renseigné", "Total") == sum(1 for i in came if kf.band_of(i) is None)
    assert cell_by_labels(by_age, "0-17", "Total") == 0

    by_loc = sheet(wb, "Participation par localité")
    for place in ("Bamako", "Mopti", "Ségou"):
        assert cell_by_labels(by_loc, place, "Total") == sum(1 for i in came if kf.locality_of(i) == place)

    arrivals = sheet(wb, "Arrivées par heure")
    hours = Counter((d, kf.arrival(i, d).hour) for i in came for d in (kf.DAY1, kf.DAY2)
                    if (kf.day1(i) if d == kf.DAY1 else kf.day2(i)))
    for (d, h), n in hours.items():
        assert cell_by_labels(arrivals, f"{h:02d}:00–{h:02d}:59", DAY1_FR if d == kf.DAY1 else DAY2_FR) == n
    # Person 5's voided 06:00 scan is not an arrival.
    with pytest.raises(KeyError):
        cell_by_labels(arrivals, "06:00–06:59", DAY1_FR)


def test_known_attendance_counts_in_pdf(app, known):
    event, _regs = known
    data, _name = export_report(event, "pdf", settings=web.settings(), actor=Actor.cli())
    text = pdf_text(data)
    assert "Rapport de participation" in text
    assert "Personnes présentes 37" in text.replace("\n", " ")
    assert f"Présents le {DAY1_FR} 30" in text.replace("\n", " ")
    assert f"Présents le {DAY2_FR} 17" in text.replace("\n", " ")
    e = expected_counts()
    flat = " ".join(text.split())
    assert "Personnes présentes 30 17 37" in flat
    assert f"Personnes absentes {e['absent1']} {e['absent2']} {e['absent']}" in flat
    came = e["came"]
    labels = {"fds": "FDS", "authority": "Autorités", "civil_society": "Société civile",
              "civilian": "Population civile", "press": "Presse"}
    for code, label in labels.items():
        people = [i for i in came if kf.category_of(i) == code]
        s = Counter(kf.sex_of(i) for i in people)
        assert f"{label} {s['F']} {s['M']} {s['X']} {len(people)}" in flat, label
    for band in kf.BANDS:
        people = [i for i in came if kf.band_of(i) == band]
        s = Counter(kf.sex_of(i) for i in people)
        assert f"{band} {s['F']} {s['M']} {s['X']} {len(people)}" in flat, band
    for place in ("Bamako", "Mopti", "Ségou"):
        people = [i for i in came if kf.locality_of(i) == place]
        s = Counter(kf.sex_of(i) for i in people)
        assert f"{place} {s['F']} {s['M']} {s['X']} {len(people)}" in flat, place
    women = sum(1 for i in came if kf.sex_of(i) == "F")
    assert f"Femmes présentes {women}" in flat
    assert f"Personnes invitées {e['invited']} {e['invited']} {e['invited']}" in flat
    assert "Total 30 17 47" in flat  # arrivals: 30 on day 1, 17 on day 2
    assert "Arrivées par heure" in flat and "Participation par catégorie et par sexe" in flat


def test_voided_checkin_never_counts(app, known):
    event, regs = known
    report = build_report(event, settings=web.settings())
    # Person 40 only has a voided check-in: absent.
    assert report.attended == 37
    from eventapp.reports.attendance import load_attendees

    by_reg = {a.registration_id: a for a in load_attendees(event)}
    assert not by_reg[regs[40].id].attended
    assert by_reg[regs[5].id].arrivals[kf.DAY1] == kf.arrival(5, kf.DAY1)


def test_small_counts_hidden_when_leaving_the_organisation(app, known):
    event, _regs = known
    internal = build_report(event, settings=web.settings())
    external = build_report(event, settings=web.settings(), external=True)
    assert internal.by_locality.value("Ségou", "Total") == 3
    assert external.by_locality.value("Ségou", "Total") == "<5"
    # Bamako's 17 is shown, or hidden with Mopti's 17 so that Ségou's 3 is not 37 − 17 − 17.
    assert external.by_locality.value("Bamako", "Total") in (17, "[s]")
    assert external.by_locality.value("Total", "Total") == 37
    assert external.by_sex_category.value("Partenaires", "Total") == 0  # zero is not disclosive
    data, _ = export_report(event, "xlsx", settings=web.settings(), actor=Actor.cli(), external=True)
    wb = load_workbook(io.BytesIO(data))
    assert cell_by_labels(sheet(wb, "Participation par localité"), "Ségou", "Total") == "<5"
    assert "<5" in pair(wb["Synthèse"], "Petits effectifs masqués")
    pdf = export_report(event, "pdf", settings=web.settings(), actor=Actor.cli(), external=True)[0]
    text = " ".join(pdf_text(pdf).split())
    assert "Ségou <5" in text


def test_threshold_is_configurable(app, known):
    event, _regs = known
    report = build_report(event, settings=web.settings(), external=True, threshold=20)
    assert report.by_locality.value("Bamako", "Total") == "<20"


def test_consents_summary_counts_the_latest_word(app, known):
    from datetime import datetime

    event, regs = known
    t1, t2 = datetime(2023, 6, 1, tzinfo=UTC), datetime(2023, 6, 2, tzinfo=UTC)
    p0, p1, p2, p45 = regs[0].person, regs[1].person, regs[2].person, regs[45].person
    db.session.add_all([
        Consent(person=p0, kind="photos", given=True, recorded_at=t1),
        Consent(person=p1, kind="photos", given=True, recorded_at=t1),
        Consent(person=p1, kind="photos", given=False, withdrawn=True, recorded_at=t2),  # withdrawn later
        Consent(person=p2, kind="photos", given=False, recorded_at=t1),  # asked, never given: not withdrawn
        Consent(person=p45, kind="photos", given=True, recorded_at=t1),  # did not come
    ])
    db.session.commit()
    table = build_report(event, settings=web.settings()).consents
    assert table.columns == ["Donné", "Non donné", "Retiré", "Non recueilli"]
    assert table.value("Photos", "Donné") == 1
    assert table.value("Photos", "Non donné") == 1
    assert table.value("Photos", "Retiré") == 1
    assert table.value("Photos", "Non recueilli") == 34


def test_retired_category_still_appears_with_its_label(app):
    event = make_event()
    press = category("press")
    people = [make_person(f"P{i}", "Konaté", category="press", sex="F") for i in range(3)]
    regs = [make_registration(event, p) for p in people]
    for r in regs:
        kf.check_in(r, event.start_date, kf.at(event.start_date, 9, 0))
    nobody = make_registration(event, make_person("Sans", "Catégorie", sex="M"))
    kf.check_in(nobody, event.start_date, kf.at(event.start_date, 9, 5))
    press.active = False
    db.session.commit()
    report = build_report(event, settings=web.settings())
    assert report.by_sex_category.value("Presse", "Total") == 3
    assert report.by_sex_category.value("Sans catégorie", "Hommes") == 1
    assert report.by_sex_category.value("Presse", "Femmes") == 3
    # An unused retired category does not clutter the table.
    category("partner").active = False
    db.session.commit()
    assert build_report(event, settings=web.settings()).by_sex_category.value("Partenaires", "Total") is None


def test_event_with_nobody_registered_gives_an_empty_report(app):
    event = make_event()
    report = build_report(event, settings=web.settings())
    assert report.attended == 0
    assert report.funnel.value("Personnes présentes", "Ensemble") == 0
    for fmt in ("pdf", "xlsx"):
        data, _ = export_report(event, fmt, settings=web.settings(), actor=Actor.cli())
        assert data
    from eventapp.reports.sheets import print_sheet

    for kind in ("expected", "attended"):
        text = pdf_text(print_sheet(event, event.start_date, kind=kind, blank_rows=5,
                                    upload_dir=web.settings().upload_dir)[0])
        assert "Le facilitateur" in text


def test_event_with_nobody_checked_in(app):
    event = make_event()
    for i in range(3):
        make_registration(event, make_person(f"A{i}", "Maïga"))
    report = build_report(event, settings=web.settings())
    assert report.funnel.value("Personnes absentes", "Ensemble") == 3
    assert report.arrivals.rows == [("Total", [0, 0])]
    text = pdf_text(export_report(event, "pdf", settings=web.settings(), actor=Actor.cli())[0])
    assert "Rapport de participation" in text


def test_report_in_english_for_an_english_event(app):
    event, _ = kf.known_attendance(language="en", slug="workshop-en")
    wb = load_workbook(io.BytesIO(export_report(event, "xlsx", settings=web.settings(), actor=Actor.cli())[0]))
    assert pair(wb["Summary"], "People who attended") == 37
    assert cell_by_labels(sheet(wb, "Attendance by category and sex"), "Defence and security forces", "Total") == 8


def test_an_invitation_sent_counts_as_invited(app, known):
    from eventapp.registration.models import Invitation

    event, regs = known
    before = build_report(event, settings=web.settings()).funnel.value("Personnes invitées", "Ensemble")
    assert kf.status_of(0) == "registered"
    db.session.add(Invitation(registration_id=regs[0].id, channel="email"))
    db.session.commit()
    assert build_report(event, settings=web.settings()).funnel.value("Personnes invitées", "Ensemble") == before + 1


def test_an_agenda_item_check_in_counts_as_presence_that_day(app):
    from datetime import time

    from tests.factories import make_agenda_item

    event = make_event()
    item = make_agenda_item(event, "Débat", start=time(10, 0), end=time(12, 0))
    reg = make_registration(event, make_person("Hawa", "Sidibé", sex="F"))
    kf.check_in(reg, event.start_date, kf.at(event.start_date, 10, 15), item=item)
    db.session.commit()
    report = build_report(event, settings=web.settings())
    assert report.attended == 1
    from eventapp.reports.sheets import sign_in_sheet

    rows = sign_in_sheet(event, event.start_date, kind="attended", part=f"item:{item.id}",
                         upload_dir=web.settings().upload_dir).rows
    assert [(r.name, r.arrival) for r in rows] == [("Sidibé Hawa", "10:15")]
