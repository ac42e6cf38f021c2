"""Bad input at the door of the app (issue 11, items 12, 13, 16): never a 500, a 4xx with a reason.

Each case was a 500 before: ids past a 32-bit (PostgreSQL) or 64-bit (SQLite) integer, times of
year 1 or 9999, deeply nested JSON, a NUL byte, control characters that broke the XLSX export
and CR/LF in a mail subject; and one bad date in an offline batch failed the whole batch.
"""
from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import render_template
from sqlalchemy import func, select

from eventapp.core import web
from eventapp.core.input import json_depth_exceeds
from eventapp.core.text import clean_text
from eventapp.core.tokens import qr_payload
from eventapp.door import checkin as checkin_service
from eventapp.door import stations as station_service
from eventapp.door.models import CheckIn, ScanLog
from eventapp.events.models import Event
from eventapp.extensions import db
from eventapp.people.models import Person
from tests import factories
from tests.door_fixtures import bearer, event, post_json, station  # noqa: F401  (fixtures)
from tests.people_fixtures import smtp_fixture  # noqa: F401  (the ``smtp`` fixture)

BIG_IDS = [2**31, 2**63, 10**30]

#: Every route with an id in its path (GET or POST), the id written {n}.
ID_ROUTES = [
    ("get", "/admin/people/{n}/privacy"), ("get", "/admin/people/{n}/privacy/export"),
    ("get", "/events/{slug}/stations/{n}/pair"), ("post", "/events/{slug}/stations/{n}/revoke"),
    ("post", "/api/checkins/{n}/void"), ("get", "/admin/users/{n}"),
    ("get", "/events/{slug}/participants/{n}"), ("get", "/people/{n}"), ("get", "/people/{n}/merge/1"),
    ("get", "/people/1/merge/{n}"), ("get", "/projects/{n}/reach"), ("get", "/projects/{n}/reach.xlsx"),
    ("get", "/events/{slug}/agenda/{n}/edit"), ("post", "/events/{slug}/agenda/{n}/delete"),
    ("get", "/events/{slug}/officials/{n}/edit"), ("post", "/events/{slug}/officials/{n}/move"),
    ("post", "/events/{slug}/officials/{n}/delete"), ("post", "/admin/users/{n}/sign-out-everywhere"),
    ("get", "/categories/{n}"), ("post", "/categories/{n}/move"), ("post", "/categories/{n}/retire"),
    ("post", "/categories/{n}/restore"), ("get", "/categories/{n}/merge"),
]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_every_int_route_in_the_url_map_is_in_this_test(app):
    # A new route with an id must be added above (it then gets the bounded converter for free).
    ours = {path.replace("{slug}", "<slug>") for _m, path in ID_ROUTES}
    for rule in app.url_map.iter_rules():
        if "<int:" in rule.rule:
            shape = rule.rule
            for arg in rule.arguments:
                shape = shape.replace(f"<int:{arg}>", "{n}")
            assert shape in ours or shape.replace("{n}", "1", 1) in ours, rule.rule


@pytest.mark.parametrize("n", BIG_IDS)
def test_huge_ids_in_urls_are_404_not_500(app, client, login, event, n):
    login("admin")
    for method, path in ID_ROUTES:
        response = getattr(client, method)(path.format(n=n, slug=event.slug))
        assert response.status_code == 404, (path, response.status_code)
    api = post_json(client, f"/api/checkins/{n}/void", {})
    assert api.status_code == 404 and api.is_json


@pytest.mark.parametrize("n", BIG_IDS)
def test_huge_agenda_item_id_in_json_is_a_400(client, event, station, n):
    reg = factories.make_registration(event)
    for headers in ({}, bearer(station)):
        r = post_json(client, f"/api/events/{event.slug}/checkins",
                      {"payload": qr_payload(reg.checkin_token), "agenda_item_id": n}, headers)
        if headers:
            assert r.status_code == 400 and r.json["reason"] == "bad_number", r.json
        else:
            assert r.status_code == 401
    assert count(CheckIn) == 0


def test_huge_ids_in_query_strings_and_forms(app, client, login, event):
    login("admin")
    assert client.get(f"/events/{event.slug}/door/log?station={2**63}").status_code < 500
    assert client.get(f"/admin/audit?page={2**63}").status_code < 500
    item = factories.make_agenda_item(event)
    official = factories.make_official(event)
    r = client.post(f"/events/{event.slug}/officials/{official.id}/edit",
                    data={"last_name": "SOGOBA", "agenda_item_ids": [str(2**31), str(item.id)], "protocol_rank": 2**40})
    assert r.status_code < 500


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1999-12-31T23:59:59Z",
                                   "2100-01-01T00:00:00Z", 253402300799999, -62135596800000, 10**15, 1e300])
def test_device_times_out_of_range_are_400_with_a_reason(client, event, station, value):
    reg = factories.make_registration(event)
    url = f"/api/events/{event.slug}"
    r = post_json(client, url + "/checkins", {"payload": qr_payload(reg.checkin_token), "scanned_at": value},
                  bearer(station))
    assert r.status_code == 400 and r.json["reason"] == "bad_time", r.json
    batch = post_json(client, url + "/checkins/batch", {"scans": [], "sent_at": value}, bearer(station))
    assert batch.status_code == 400 and batch.json["reason"] == "bad_time"
    since = client.get(url + "/roster", query_string={"since": value}, headers=bearer(station))
    assert since.status_code == 400 and since.json["reason"] == "bad_time"
    assert count(CheckIn) == 0


def test_deeply_nested_json_is_a_400(client, event, station):
    for body in ("[" * 100_000 + "]" * 100_000, '{"a":' * 5000 + "1" + "}" * 5000):
        for url in (f"/api/events/{event.slug}/checkins", f"/api/events/{event.slug}/checkins/batch",
                    "/api/stations/pair", f"/e/{event.slug}/register"):
            r = post_json(client, url, body, bearer(station))
            assert r.status_code == 400, (url, r.status_code)
            if url.startswith("/api/"):
                assert r.json["reason"] == "too_deep"
    # Brackets inside strings are text, not nesting; a normal body passes.
    assert not json_depth_exceeds(json.dumps({"scans": [{"payload": "[[[[" * 100 + '\\"{{'}]}).encode(), 16)
    assert json_depth_exceeds(b"[" * 17, 16) and not json_depth_exceeds(b"[" * 16, 16)


def test_nul_bytes_are_refused_everywhere(app, client, event, station):
    url = f"/api/events/{event.slug}"
    r = client.get(url + "/search", query_string={"q": "Tra\x00oré"}, headers=bearer(station))
    assert r.status_code == 400 and r.json["reason"] == "nul_character"
    walk = post_json(client, url + "/walk-ins", {"first_name": "Awa\x00", "last_name": "Traoré"}, bearer(station))
    assert walk.status_code == 400 and walk.json["reason"] == "nul_character"
    scan = post_json(client, url + "/checkins", {"payload": "EA1\x00", "client_id": "x\x00"}, bearer(station))
    assert scan.status_code == 400 and scan.json["reason"] == "nul_character"
    login = client.post("/login", data={"email": "admin\x00@example.org", "password": "x"})
    assert login.status_code == 400
    factories.make_event(slug="ouvert", registration_open=True, start_date=date.today() + timedelta(days=30),
                         end_date=date.today() + timedelta(days=30))
    public = client.post("/e/ouvert/register", data={"first_name": "Awa", "last_name": "Tra\x00oré", "sex": "F",
                                                     "phone": "76123456"})
    assert public.status_code == 400
    assert count(Person) == 0 and count(CheckIn) == 0


def test_clean_text():
    assert clean_text("Traoré\x07 Maïga\x1b\x7f") == "Traoré Maïga"
    assert clean_text("N'Diaye\r\nBcc: x@evil.org\tA") == "N'Diaye Bcc: x@evil.org A"
    assert clean_text("ligne 1\r\nligne 2\r\tfin\u2028", multiline=True) == "ligne 1\nligne 2\n\tfin\n"


def test_control_characters_in_names_are_stripped_and_xlsx_exports_still_work(app, client, login):
    from openpyxl import load_workbook

    event = factories.make_event(start_date=date.today(), end_date=date.today())
    station = station_service.create_station(event, "Gate A")
    day = date.today() + timedelta(days=30)
    open_event = factories.make_event(registration_open=True, start_date=day, end_date=day)
    r = client.post(f"/e/{open_event.slug}/register", data={"first_name": "Awa\x07\x1b", "last_name": "Traoré\x0b",
                                                            "sex": "F", "age_band": "25-35", "phone": "76123456",
                                                            "organisation": "APDF\x0c"})
    assert r.status_code == 200
    walk = post_json(client, f"/api/events/{event.slug}/walk-ins",
                     {"first_name": "Moussa\x01", "last_name": "Maïga\x1f", "sex": "M", "category": "civilian"},
                     bearer(station))
    assert walk.status_code == 200, walk.json
    names = sorted((p.first_name, p.last_name, p.organisation) for p in db.session.scalars(select(Person)))
    assert names == [("Awa", "Traoré", "APDF"), ("Moussa", "Maïga", "")]
    login("organizer")
    for ev in (open_event, event):
        export = client.get(f"/events/{ev.slug}/export?format=xlsx")
        assert export.status_code == 200
        load_workbook(io.BytesIO(export.data))


def test_import_strips_control_characters(app, event):
    from eventapp.people import imports

    content = "prénom;nom;sexe\r\nAwa\x07;Traoré\x1b;F\r\n".encode()
    imports.import_file(event, content, "liste.csv", settings=web.settings())
    person = db.session.scalar(select(Person))
    assert (person.first_name, person.last_name) == ("Awa", "Traoré")


def test_event_title_with_line_breaks_makes_no_mail_header(app, client, login, smtp):
    from eventapp.core.mail import MailSettings
    from eventapp.registration import invitations

    port, collector = smtp
    login("organizer")
    form = dict(title="Atelier\r\nBcc: victim@example.org", project="", organizer="IMRAP", partner="",
                venue_name="Hôtel", venue_address="", city="Mopti", start_date="2033-07-10", end_date="2033-07-10",
                timezone="Africa/Bamako", language="fr", status="open", description="", slug="", badge_layout="a4-8",
                retention_until="")
    assert client.post("/events/new", data=form, content_type="multipart/form-data").status_code == 302
    created = db.session.scalar(select(Event))
    assert created.title == "Atelier Bcc: victim@example.org"
    # A title with a line break already in the database (set before this fix, or by hand).
    created.title = "Atelier\r\nBcc: victim@example.org"
    db.session.commit()
    reg = factories.make_registration(created, factories.make_person("Awa", "Traoré", email="awa@example.org"),
                                      status="invited")
    settings = MailSettings(server="127.0.0.1", port=port, sender="imrap@example.org")
    report = invitations.send_emails(created, [reg], links=web.links("http://192.168.1.10:5000"),
                                     render=render_template, settings=settings)
    assert report.sent == 1
    message = collector.messages[0]
    assert "\n" not in message["Subject"] and message["Bcc"] is None
    assert message["Subject"].endswith("Atelier Bcc: victim@example.org")


# --- item 13: the offline batch's poison pill ---------------------------------------------


def test_one_bad_date_in_a_batch_is_an_error_item_and_the_rest_are_answered(client, event, station):
    regs = [factories.make_registration(event, factories.make_person(f"P{i}", "Traoré")) for i in range(302)]
    scans = [{"payload": qr_payload(r.checkin_token), "client_id": f"c{i}", "scanned_at": "2023-06-21T09:00:00Z",
              "source": "offline_sync"} for i, r in enumerate(regs)]
    scans[137]["scanned_at"] = "9999-12-31T23:59:59Z"
    scans[200]["scanned_at"] = "0001-01-01T00:00:00Z"
    url = f"/api/events/{event.slug}/checkins/batch"
    body = {"scans": scans, "sent_at": datetime.now(UTC).isoformat()}
    first = post_json(client, url, body, bearer(station))
    assert first.status_code == 200, first.json
    results = first.json["results"]
    assert [r["result"] for r in results].count("checked_in") == 300
    assert (results[137]["result"] == "error" and results[137]["reason"] == "bad_time"
            and results[137]["client_id"] == "c137")
    assert results[200]["result"] == "error"
    assert first.json["summary"]["error"] == 2 and count(CheckIn) == 300
    retry = post_json(client, url, body, bearer(station))
    assert retry.status_code == 200
    again = retry.json["results"]
    assert all(r["replayed"] for i, r in enumerate(again) if i not in (137, 200))
    assert again[137]["result"] == "error" and again[200]["result"] == "error"
    assert count(CheckIn) == 300


def test_service_batch_answers_bad_items_with_errors(app, event):
    reg = factories.make_registration(event)
    ok = checkin_service.Scan(qr_payload(reg.checkin_token), "ok1", datetime(2023, 6, 21, 9, tzinfo=UTC),
                              "offline_sync")
    bad_time = checkin_service.Scan(qr_payload(reg.checkin_token), "bad1", datetime(1, 1, 1, tzinfo=UTC),
                                    "offline_sync")
    bad_source = checkin_service.Scan(qr_payload(reg.checkin_token), "bad2", None, "telepathy")
    bad_key = checkin_service.Scan(qr_payload(reg.checkin_token), "x" * 65, None, "offline_sync")
    answers = checkin_service.check_in_batch(event, [bad_time, ok, bad_source, bad_key],
                                             sent_at=datetime(9999, 1, 1, tzinfo=UTC))
    assert [a.result for a in answers] == ["error", "checked_in", "error", "error"]
    assert [a.reason for a in answers] == ["bad_time", "", "bad_source", "bad_client_id"]
    assert count(CheckIn) == 1 and count(ScanLog) == 0


# --- item 16: an agenda item is attended on its own day ------------------------------------


def test_agenda_item_of_another_day_is_not_admitted(client, event, station):
    event.end_date = date(2023, 6, 22)
    db.session.commit()
    second_day = factories.make_agenda_item(event, "Débat", day=date(2023, 6, 22))
    reg = factories.make_registration(event, factories.make_person("Oumou", "Maïga"))
    url = f"/api/events/{event.slug}/checkins"
    wrong = post_json(client, url, {"payload": qr_payload(reg.checkin_token), "scanned_at": "2023-06-21T09:00:00Z",
                                    "agenda_item_id": second_day.id, "client_id": "k1"}, bearer(station))
    assert wrong.json["result"] == "not_admitted" and wrong.json["reason"] == "agenda_item_other_day"
    assert "2023-06-21" in wrong.json["message"]
    retry = post_json(client, url, {"payload": qr_payload(reg.checkin_token), "scanned_at": "2023-06-21T09:00:00Z",
                                    "agenda_item_id": second_day.id, "client_id": "k1"}, bearer(station))
    assert retry.json["result"] == "not_admitted" and retry.json["replayed"] is True
    batch = post_json(client, url + "/batch", {"scans": [{"payload": qr_payload(reg.checkin_token),
                                                          "scanned_at": "2023-06-21T09:30:00Z",
                                                          "agenda_item_id": second_day.id}]}, bearer(station))
    assert batch.json["results"][0]["reason"] == "agenda_item_other_day"
    assert count(CheckIn) == 0
    right = post_json(client, url, {"payload": qr_payload(reg.checkin_token), "scanned_at": "2023-06-22T09:00:00Z",
                                    "agenda_item_id": second_day.id}, bearer(station))
    assert right.json["result"] == "checked_in" and right.json["checkin"]["day"] == "2023-06-22"


# --- item 16: names never reach the server's log -------------------------------------------


def test_a_500_does_not_put_names_in_the_log(app, client, caplog):
    from sqlalchemy import text

    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.post("/test-boom")
    def boom():
        from flask import request

        name = request.form["name"]
        try:  # a database error quoting its parameters, then a message naming the person
            db.session.execute(text("SELECT CAST(:name AS INTEGER) + 1 FROM no_such_table"), {"name": name})
        except Exception as exc:
            db.session.rollback()
            raise ValueError(f"cannot register {name}") from exc
        return ""

    with caplog.at_level("DEBUG"):
        response = client.post("/test-boom", data={"name": "Oumou Traoré Maïga", "phone": "+22376123456"})
    assert response.status_code == 500
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "ValueError" in logged and "test-boom" in logged and "boom" in logged  # still useful to a developer
    assert "Traoré" not in logged and "Oumou" not in logged and "22376123456" not in logged


def test_cheroot_error_log_is_redacted(caplog):
    from eventapp.logsafe import error_log

    try:
        raise KeyError(" ".join(["Kadia" + "tou", "Doumbia"]))  # source lines are shown, values never
    except KeyError:
        error_log("Error in HTTPServer.tick", 40, traceback=True)
    err = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "KeyError" in err and "Error in HTTPServer.tick" in err and "Kadiatou" not in err


# --- item 15: imports read within bounds ---------------------------------------------------


def test_a_million_empty_xlsx_rows_and_megabytes_of_newlines_are_refused(app, event):
    from eventapp.core.errors import ValidationError
    from eventapp.people import imports
    from tests.import_bombs import csv_of_newlines, xlsx_with_empty_rows

    for content, name in ((xlsx_with_empty_rows(), "vide.xlsx"), (csv_of_newlines(), "vide.csv")):
        with pytest.raises(ValidationError) as refused:
            imports.read_table(content, name, settings=web.settings())
        assert "empty rows count too" in str(refused.value.errors), name
    assert count(Person) == 0


def test_too_many_columns_or_too_long_a_cell_is_refused(app):
    from eventapp.core.errors import ValidationError
    from eventapp.people import imports

    wide = ("prénom;nom" + ";x" * 100 + "\nAwa;Traoré" + ";1" * 100 + "\n").encode()
    with pytest.raises(ValidationError, match="columns"):
        imports.read_table(wide, "large.csv", settings=web.settings())
    long_cell = ("prénom;nom\nAwa;" + "é" * 3000 + "\n").encode()
    with pytest.raises(ValidationError, match="longer than"):
        imports.read_table(long_cell, "long.csv", settings=web.settings())
    fine = imports.read_table("prénom;nom\n\n\nAwa;Traoré\n".encode(), "ok.csv", settings=web.settings())
    assert fine.rows == [(4, ["Awa", "Traoré"])]
