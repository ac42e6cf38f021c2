"""Benchmark: the sign-in sheet and the attendance report of a 5,000-participant event.

Run with ``make bench``; prints figures, never fails by the clock.
"""
from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select

from eventapp.audit.services import Actor
from eventapp.core import web
from eventapp.core.text import name_key
from eventapp.door.models import CheckIn
from eventapp.extensions import db
from eventapp.people.models import Category, Person
from eventapp.registration.models import Registration
from eventapp.reports.services import build_report, export_report
from eventapp.reports.sheets import print_sheet
from tests.factories import make_event
from tests.pdfutil import page_count

N = 5000
LAST = ["Traoré", "Maïga", "N'Diaye", "Diarra", "Coulibaly", "Keïta", "Sangaré", "Touré", "Cissé", "Dembélé"]
FIRST = ["Awa", "Fatoumata", "Moussa", "Aminata", "Oumar", "Kadiatou", "Ibrahim", "Mariam", "Seydou", "Hawa"]
BANDS = ["18-24", "25-35", "36-50", "51-64", "65+"]


def _timed(label, fn):
    start = time.perf_counter()
    result = fn()
    print(f"  {label:<38} {time.perf_counter() - start:7.2f} s")
    return result


def _populate():
    event = make_event(slug="grand-forum", title="Grand forum national", start_date=date(2023, 6, 21),
                       end_date=date(2023, 6, 22), sheet_show_phone=True)
    cats = [c.id for c in db.session.scalars(select(Category).order_by(Category.sort_order))]
    db.session.execute(insert(Person), [dict(
        first_name=FIRST[i % 10], last_name=f"{LAST[(i // 10) % 10]}{'' if i < 10 else ' ' + str(i)}",
        name_key=name_key(FIRST[i % 10], LAST[(i // 10) % 10]), sex="FM"[i % 2], age_band=BANDS[i % 5],
        category_id=cats[i % len(cats)], organisation=f"Organisation {i % 300}", function="Participant",
        locality=["Bamako", "Mopti", "Ségou", "Kayes", "Sikasso"][i % 5], phone=f"+2237{i:07d}",
        created_at=datetime.now(UTC), updated_at=datetime.now(UTC)) for i in range(N)])
    person_ids = list(db.session.scalars(select(Person.id).order_by(Person.id)))
    now = datetime.now(UTC)
    db.session.execute(insert(Registration), [dict(
        event_id=event.id, person_id=pid, status="registered", source="import", checkin_token=f"T{pid:031d}",
        answer_token=f"A{pid:063d}", created_at=now, updated_at=now) for pid in person_ids])
    reg_ids = list(db.session.scalars(select(Registration.id).where(Registration.event_id == event.id)))
    rows = []
    for k, rid in enumerate(reg_ids):
        for d, day in enumerate(event.days):
            if (k + d) % 5 != 0:  # about 80% each day
                at = datetime(day.year, day.month, day.day, 7, 30, tzinfo=UTC) + timedelta(seconds=(k * 7) % 10800)
                rows.append(dict(event_id=event.id, registration_id=rid, day=day, scanned_at=at, recorded_at=at,
                                 source="qr", client_id=f"b{rid}-{d}", void_reason=""))
    db.session.execute(insert(CheckIn), rows)
    db.session.commit()
    return event


def test_reports_bench(app):
    print(f"\nReports benchmark: {N} participants over two days")
    event = _timed("populate the database", _populate)
    report = _timed("compute the report (service)", lambda: build_report(event, settings=web.settings()))
    print(f"  attended: {report.attended}")
    pdf, _ = _timed("report PDF", lambda: export_report(event, "pdf", settings=web.settings(), actor=Actor.cli()))
    xlsx, _ = _timed("report XLSX", lambda: export_report(event, "xlsx", settings=web.settings(), actor=Actor.cli()))
    sheet, _ = _timed("sign-in sheet, expected (day 1)", lambda: print_sheet(event, "2023-06-21", actor=Actor.cli(),
                                                                             upload_dir=web.settings().upload_dir))
    record, _ = _timed("sign-in sheet, attended (day 1)",
                       lambda: print_sheet(event, "2023-06-21", kind="attended", actor=Actor.cli(),
                                           upload_dir=web.settings().upload_dir))
    from eventapp.reports.certificates import attendees_who_came, print_certificates
    from tests.factories import make_official

    official = make_official(event, "SOGOBA", function="Secrétaire général")
    ids = [a.registration_id for a in attendees_who_came(event)[:500]]
    certs = _timed("certificates, 500 people (one PDF)",
                   lambda: print_certificates(event, official_id=official.id, links=web.links("http://localhost:5000/"),
                                              registration_ids=ids, actor=Actor.cli(),
                                              upload_dir=web.settings().upload_dir)[0])
    from eventapp.reports.payments import export_payments

    _timed("payment sheet XLSX (all)", lambda: export_payments(event, "xlsx", actor=Actor.cli(),
                                                               upload_dir=web.settings().upload_dir))
    _timed("payment sheet PDF (all)", lambda: export_payments(event, "pdf", actor=Actor.cli(),
                                                              upload_dir=web.settings().upload_dir))
    print(f"  certificates PDF {len(certs) // 1024} KiB")
    print(f"  sheet pages: {page_count(sheet)} ({len(sheet) // 1024} KiB), record pages: {page_count(record)}, "
          f"report PDF {len(pdf) // 1024} KiB, XLSX {len(xlsx) // 1024} KiB")
