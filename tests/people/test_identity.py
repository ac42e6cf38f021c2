"""Identity is never handed to a channel that has not proved it (issue 11, items 1-4, and the
double submits of item 14).

The public form, its answer link and the door never match anyone in the directory: what they
receive makes a new person, a possible duplicate for organizers, and their answers show only
what was typed. Idempotency keys belong to their event. The concurrency tests run real threads
against a real ``eventapp serve``.
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import render_template
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from eventapp.audit.services import Actor
from eventapp.core import web
from eventapp.core.tokens import qr_payload, spaced_answer_code
from eventapp.door import services as door_service
from eventapp.door import stations as station_service
from eventapp.door.models import CheckIn, ScanLog
from eventapp.extensions import db
from eventapp.people import imports
from eventapp.people import services as people
from eventapp.people.models import Person
from eventapp.registration import invitations
from eventapp.registration import services as registrations
from eventapp.registration.models import Registration
from tests import factories
from tests.netutil import free_port, stop_process
from tests.people_fixtures import smtp_fixture  # noqa: F401  (the ``smtp`` fixture)

T0 = "2023-06-21T09:14:00Z"
OP = Actor(label="door@example.org")


def future_event(**kw):
    """An event a month from now with its public form open."""
    day = date.today() + timedelta(days=30)
    kw.setdefault("registration_open", True)
    kw.setdefault("start_date", day)
    kw.setdefault("end_date", day)
    return factories.make_event(**kw)


def oumou():
    """A directory person an attacker knows the phone number of."""
    return factories.make_person("Oumou", "Diarra", phone="+22376123456", email="oumou@example.org",
                                 organisation="Réseau des femmes de Mopti", function="Présidente")


def form(**kw):
    data = {"first_name": "", "last_name": "Diarra", "sex": "X", "age_band": "", "phone": "76 12 34 56",
            "email": "", "organisation": "", "function": ""}
    data.update(kw)
    return data


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def post_json(client, url, body, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(url, data=json.dumps(body), content_type="application/json", headers=headers)


def _without_secrets(html: str) -> str:
    # Tokens, links, the QR image and the form's keys differ between any two registrations.
    html = re.sub(r'data:image/png;base64,[^"]+', "QR", html)
    html = re.sub(r"/r/[A-Za-z0-9_-]+", "/r/TOKEN", html)
    return re.sub(r'value="[^"]*"', 'value=""', html)


# --- 1. the public form and its answer link -------------------------------------------------


def test_public_form_with_a_known_phone_makes_a_new_person_and_names_nobody(app, client):
    known = oumou()
    event = future_event()
    page = client.post(f"/e/{event.slug}/register", data=form(first_name="Inconnue")).get_data(as_text=True)
    assert "Oumou" not in page and "Réseau des femmes" not in page and "oumou@example.org" not in page
    registration = db.session.scalar(select(Registration).where(Registration.event_id == event.id))
    assert registration.person_id != known.id and registration.person.origin == "public_form"
    assert registration.person.phone == "+22376123456" and registration.person.unchecked
    assert count(Person) == 2 and known.registrations == []
    # The same answer as for a phone nobody has: nothing tells the visitor who is known.
    other = future_event()
    unknown = client.post(f"/e/{other.slug}/register", data=form(first_name="Inconnue", phone="76 99 88 77"))
    assert _without_secrets(unknown.get_data(as_text=True).replace(other.title, "T")) == \
        _without_secrets(page.replace(event.title, "T"))


def test_public_form_never_says_who_is_registered(app, client):
    known = oumou()
    event = future_event()
    factories.make_registration(event, known)
    by_phone = client.post(f"/e/{event.slug}/register", data=form())
    by_name = client.post(f"/e/{event.slug}/register", data=form(first_name="Oumou", phone=""))
    for response in (by_phone, by_name):
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "Inscription confirmée" in html
        assert "déjà inscrit" not in html and "Une personne de ce nom" not in html
    assert count(Registration) == 3 and count(Person) == 3


def test_answer_link_shows_only_what_was_typed_and_never_edits_the_directory(app, client):
    known = oumou()
    event = future_event()
    client.post(f"/e/{event.slug}/register", data=form(first_name="Awa"))
    registration = db.session.scalar(select(Registration).where(Registration.event_id == event.id))
    url = f"/r/{registration.answer_token}"
    page = client.get(url).get_data(as_text=True)
    assert "Réseau des femmes" not in page and "Présidente" not in page and "oumou@example.org" not in page
    assert "Oumou" not in page
    response = client.post(url, data={"answer": "accept", "last_name": "Diarra", "phone": "76 12 34 56",
                                      "email": "attaquant@example.org"})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Person, known.id).email == "oumou@example.org"
    assert registration.person.email == "attaquant@example.org"


def test_what_a_person_types_is_kept(app, client):
    oumou()
    event = future_event()
    client.post(f"/e/{event.slug}/register", data=form(first_name="Oumou", organisation="Nouvelle ONG Maïga",
                                                        function="Trésorière"))
    person = db.session.scalar(select(Registration).where(Registration.event_id == event.id)).person
    assert (person.organisation, person.function) == ("Nouvelle ONG Maïga", "Trésorière")


def test_duplicates_page_lists_the_public_registration_for_organizers(app, client, login):
    known = oumou()
    event = future_event()
    client.post(f"/e/{event.slug}/register", data=form(first_name="Oumou", email="oumou@example.org"))
    login("organizer")
    page = client.get("/people/duplicates").get_data(as_text=True)
    assert "Même téléphone" in page and "+22376123456" in page
    assert "saisi sur le formulaire public, non vérifié" in page
    # The merge proposed keeps the organizer's person and takes the unchecked one into it.
    new = db.session.scalar(select(Person).where(Person.origin == "public_form"))
    assert f"/people/{known.id}/merge/{new.id}" in page
    group = next(g for g in people.duplicate_groups() if g.reason == "phone")
    assert [p.id for p in group.persons] == [known.id, new.id]


def test_public_form_double_submit_makes_one_registration(app, client, smtp):
    port, collector = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    event = future_event(registration_capacity=1)  # the first click takes the last place
    page = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    key = re.search(r'name="submission" type="hidden" value="([^"]+)"', page).group(1)
    data = form(first_name="Aïssata", last_name="N'Diaye", phone="", email="aissata@example.org", submission=key)
    first = client.post(f"/e/{event.slug}/register", data=data)
    second = client.post(f"/e/{event.slug}/register", data=data)
    assert first.status_code == second.status_code == 200
    assert "Inscription confirmée" in second.get_data(as_text=True)
    registration = db.session.scalar(select(Registration).where(Registration.event_id == event.id))
    assert count(Registration) == 1 and count(Person) == 1 and registration.client_id == key
    assert f"/r/{spaced_answer_code(registration.answer_code)}" in second.get_data(as_text=True)
    assert len(collector.messages) == 1  # one confirmation, not two


def test_closed_public_form_shows_nothing_of_the_event(app, client):
    event = future_event(registration_open=False, title="Dialogue civilo-militaire de Mopti",
                         venue_name="Salle Ouro Modi")
    factories.make_agenda_item(event, "Débat avec les FDS")
    for response in (client.get(f"/e/{event.slug}/register"), client.post(f"/e/{event.slug}/register", data=form())):
        html = response.get_data(as_text=True)
        assert "Les inscriptions à cet événement sont fermées." in html
        assert "Dialogue civilo-militaire" not in html and "Ouro Modi" not in html and "Débat" not in html
        assert "Bamako" not in html and "<form method=\"post\" class=\"card\"" not in html
    assert count(Registration) == 0


# --- 2. walk-ins --------------------------------------------------------------------------


def test_walk_in_with_a_known_phone_is_a_new_person_showing_only_what_was_typed(app, client):
    kadiatou = factories.make_person("Kadiatou", "Doumbia", phone="+22376123456", organisation="Gouvernorat de Mopti",
                                     category="authority")
    event = factories.make_event()
    elsewhere = factories.make_event()
    registered_here = factories.make_registration(event, factories.make_person("Mariam", "Maïga", phone="+22366554433"))
    station = station_service.create_station(event, "Porte A")
    url = f"/api/events/{event.slug}/walk-ins"
    r = post_json(client, url, {"first_name": "K.", "last_name": "Doumbia", "phone": "76 12 34 56",
                                "scanned_at": T0, "client_id": "w-k"}, station.token)
    assert r.status_code == 200 and r.json["result"] == "checked_in", r.json
    body = json.dumps(r.json, ensure_ascii=False)
    assert "Kadiatou" not in body and "Gouvernorat" not in body and "Autorités" not in body
    assert r.json["registration"]["name"] == "K. Doumbia" and r.json["message"] == "Bienvenue, K. Doumbia."
    assert kadiatou.registrations == [] and count(Person) == 3
    # A registered person's phone neither checks her in nor answers with her name.
    m = post_json(client, url, {"last_name": "Inconnu", "phone": "66 55 44 33", "scanned_at": T0}, station.token)
    assert m.json["registration"]["name"] == "Inconnu" and "Mariam" not in json.dumps(m.json, ensure_ascii=False)
    assert db.session.scalar(select(func.count(CheckIn.id)).where(
        CheckIn.registration_id == registered_here.id)) == 0
    walk_ins = db.session.scalars(select(Person).where(Person.origin == "walk_in")).all()
    assert sorted(p.last_name for p in walk_ins) == ["Doumbia", "Inconnu"]
    assert all(p.category_id is None for p in walk_ins)
    assert elsewhere.registrations == []


# --- 3. idempotency keys belong to their event ---------------------------------------------


def test_a_client_id_used_at_another_event_never_replays_it(app, client):
    a, b = factories.make_event(), factories.make_event()
    secret = factories.make_registration(a, factories.make_person("Hamadoun", "Dicko", organisation="FAMa",
                                                                  category="fds"))
    badge_b = factories.make_registration(b, factories.make_person("Awa", "Traoré"))
    gate_a, gate_b = station_service.create_station(a, "Porte A"), station_service.create_station(b, "Porte B")
    post_json(client, f"/api/events/{a.slug}/checkins",
              {"token": secret.checkin_token, "client_id": "k1", "scanned_at": T0}, gate_a.token)
    post_json(client, f"/api/events/{a.slug}/checkins",
              {"payload": "garbage", "client_id": "k2", "scanned_at": T0}, gate_a.token)
    r = post_json(client, f"/api/events/{b.slug}/checkins",
                  {"payload": qr_payload(badge_b.checkin_token), "client_id": "k1", "scanned_at": T0}, gate_b.token)
    assert r.json["result"] == "checked_in" and r.json["replayed"] is False
    assert r.json["registration"]["name"] == "Awa Traoré"
    body = json.dumps(r.json, ensure_ascii=False)
    assert "Dicko" not in body and "FAMa" not in body and secret.checkin_token not in body and "Porte A" not in body
    assert db.session.scalar(select(func.count(CheckIn.id)).where(CheckIn.registration_id == badge_b.id)) == 1
    # The same from an offline batch, and for a key that A used for a refused scan.
    other_b = factories.make_registration(b, factories.make_person("Ousmane", "Maïga"))
    batch = post_json(client, f"/api/events/{b.slug}/checkins/batch", {"scans": [
        {"token": other_b.checkin_token, "client_id": "k2", "scanned_at": T0, "source": "offline_sync"},
    ]}, gate_b.token)
    assert batch.status_code == 200, batch.json
    assert batch.json["results"][0]["result"] == "checked_in" and not batch.json["results"][0]["replayed"]
    assert db.session.scalar(select(func.count(CheckIn.id)).where(CheckIn.registration_id == other_b.id)) == 1
    # A retry at B is still a retry at B.
    again = post_json(client, f"/api/events/{b.slug}/checkins",
                      {"payload": qr_payload(badge_b.checkin_token), "client_id": "k1", "scanned_at": T0}, gate_b.token)
    assert again.json["replayed"] is True and again.json["registration"]["name"] == "Awa Traoré"


def test_a_walk_in_client_id_of_another_event_makes_its_own_walk_in(app, client):
    a, b = factories.make_event(), factories.make_event()
    gate_a, gate_b = station_service.create_station(a, "Porte A"), station_service.create_station(b, "Porte B")
    first = post_json(client, f"/api/events/{a.slug}/walk-ins",
                      {"first_name": "Fatoumata", "last_name": "Maïga", "client_id": "w1", "scanned_at": T0},
                      gate_a.token)
    second = post_json(client, f"/api/events/{b.slug}/walk-ins",
                       {"first_name": "Ali", "last_name": "Coulibaly", "client_id": "w1", "scanned_at": T0},
                       gate_b.token)
    assert first.json["result"] == second.json["result"] == "checked_in"
    assert second.json["replayed"] is False and second.json["registration"]["name"] == "Ali Coulibaly"
    assert "Maïga" not in json.dumps(second.json, ensure_ascii=False)
    assert [r.person.last_name for r in b.registrations] == ["Coulibaly"]
    retry = post_json(client, f"/api/events/{b.slug}/walk-ins",
                      {"first_name": "Ali", "last_name": "Coulibaly", "client_id": "w1", "scanned_at": T0},
                      gate_b.token)
    assert retry.json["replayed"] is True and count(Person) == 2


def test_client_ids_are_unique_per_event_in_the_database(app):
    a, b = factories.make_event(), factories.make_event()
    ra, rb = factories.make_registration(a), factories.make_registration(b)
    for model, extra in ((CheckIn, {}), (ScanLog, {"result": "unknown_token"})):
        common = dict(scanned_at=datetime(2023, 6, 21, 9, tzinfo=UTC),
                      client_id="same", **extra)
        if model is CheckIn:
            rows = [CheckIn(event_id=a.id, registration_id=ra.id, day=date(2023, 6, 21), **common),
                    CheckIn(event_id=b.id, registration_id=rb.id, day=date(2023, 6, 21), **common)]
            twin = CheckIn(event_id=a.id, registration_id=ra.id, day=date(2023, 6, 22), **common)
        else:
            rows = [ScanLog(event_id=a.id, **common), ScanLog(event_id=b.id, **common)]
            twin = ScanLog(event_id=a.id, **common)
        db.session.add_all(rows)
        db.session.commit()
        db.session.add(twin)
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


# --- 4. one rule, per channel ------------------------------------------------------------


def test_the_matching_rule_per_channel():
    Channel = registrations.Channel
    assert {c for c in Channel if c.may_match} == {Channel.ORGANIZER, Channel.IMPORT}
    assert not Channel.PUBLIC_FORM.may_match and not Channel.WALK_IN.may_match


def _by_organizer_form(event):
    registration, reused = registrations.add_participant(event, {"first_name": "Oumou", "last_name": "Diarra",
                                                                 "phone": "76 12 34 56", "organisation": "Autre"},
                                                         settings=web.settings())
    return registration


def _by_import(event):
    content = "Prénom;Nom;Téléphone;Structure\nOumou;Diarra;76 12 34 56;Autre\n".encode("cp1252")
    imports.import_file(event, content, "liste.csv", settings=web.settings())
    return db.session.scalar(select(Registration).where(Registration.event_id == event.id))


def _by_public_form(event):
    return invitations.public_register(event, {"first_name": "Oumou", "last_name": "Diarra", "phone": "76 12 34 56",
                                               "organisation": "Autre"}, links=web.links("http://x"),
                                       render=render_template, settings=web.settings())


def _by_walk_in(event):
    door_service.walk_in(event, {"first_name": "Oumou", "last_name": "Diarra", "phone": "76 12 34 56",
                                 "organisation": "Autre"}, settings=web.settings(), actor=OP,
                         scanned_at=datetime.now(UTC))
    return db.session.scalar(select(Registration).where(Registration.event_id == event.id))


def test_each_caller_applies_its_channel_rule(app):
    """The organizer's form and the import reuse the directory person as it is (edits go
    through its page); the public form and the walk-in make a new person with what was typed."""
    known = oumou()
    for channel, register, matches in (("organizer", _by_organizer_form, True), ("import", _by_import, True),
                                       ("public_form", _by_public_form, False), ("walk_in", _by_walk_in, False)):
        before = count(Person)
        event = future_event(start_date=date.today(), end_date=date.today() + timedelta(days=1))
        registration = register(event)
        assert registration.source == channel
        if matches:
            assert registration.person_id == known.id and count(Person) == before, channel
            assert registration.person.organisation == "Réseau des femmes de Mopti"
        else:
            assert registration.person_id != known.id and count(Person) == before + 1, channel
            assert registration.person.origin == channel and registration.person.organisation == "Autre"
    assert len(db.session.get(Person, known.id).registrations) == 2


def test_enrol_refuses_an_organizer_registering_someone_twice(app):
    Channel = registrations.Channel
    known = oumou()
    event = future_event()
    registrations.enrol(event, {"last_name": "Diarra", "phone": "+22376123456"}, channel=Channel.ORGANIZER)
    with pytest.raises(registrations.ValidationError):
        registrations.enrol(event, {"last_name": "Diarra", "phone": "+22376123456"}, channel=Channel.IMPORT)
    assert [r.person_id for r in event.registrations] == [known.id]


# --- 14. double submits against a real server ----------------------------------------------


@contextmanager
def running_server(database_url: str, instance: Path):
    """``eventapp serve`` on loopback, on the test database; yields its base URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVENTAPP_")}
    env.update(EVENTAPP_INSTANCE_PATH=str(instance), EVENTAPP_DATABASE_URL=database_url)
    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).parent / "eventapp"), "serve", "--port", str(port),
                               "--threads", "16"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # until it listens (busy machines included)
            try:
                urllib.request.urlopen(base + "/login", timeout=5).close()
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.1)
        else:
            pytest.fail("the server did not start")
        assert server.poll() is None, server.stdout.read().decode()
        yield base
    finally:
        stop_process(server)


def _together(n: int, work) -> list:
    """Run ``work(i)`` in ``n`` threads released at the same instant; their results in order."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # kept, so the test shows it
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


@pytest.mark.slow
def test_eight_concurrent_walk_ins_with_one_client_id_make_one_person(app, _schema, tmp_path):
    event = factories.make_event()
    station = station_service.create_station(event, "Porte Maïga")
    slug, token = event.slug, station.token
    db.session.commit()
    with running_server(_schema, tmp_path / "served") as base:
        def walk_in(i):
            request = urllib.request.Request(
                f"{base}/api/events/{slug}/walk-ins", method="POST",
                data=json.dumps({"first_name": "Aminata", "last_name": "N'Diaye", "client_id": "one-walk-in",
                                 "scanned_at": T0}).encode(),
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())

        answers = _together(8, walk_in)
    assert all(not isinstance(a, Exception) for a in answers), answers
    assert {status for status, _ in answers} == {200}
    assert {body["result"] for _, body in answers} == {"checked_in"}
    assert len({body["registration"]["id"] for _, body in answers}) == 1
    assert sum(1 for _, body in answers if not body["replayed"]) == 1
    db.session.expire_all()
    assert count(Person) == 1 and count(Registration) == 1 and count(CheckIn) == 1


@pytest.mark.slow
def test_six_concurrent_public_registrations_never_overbook(app, _schema, tmp_path):
    event = future_event(registration_capacity=9)
    for i in range(8):
        factories.make_registration(event, factories.make_person("Awa", f"Traoré {i}"))
    slug = event.slug
    db.session.commit()
    with running_server(_schema, tmp_path / "served") as base:
        def register(i):
            # Each visitor has a browser of their own: cookies, CSRF token and form key.
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
            page = opener.open(f"{base}/e/{slug}/register", timeout=60).read().decode()
            fields = dict(re.findall(r'name="(csrf_token|submission)" type="hidden" value="([^"]+)"', page))
            data = urllib.parse.urlencode({**form(first_name=f"Visiteur {i}", phone=""), **fields}).encode()
            try:
                with opener.open(f"{base}/e/{slug}/register", data=data, timeout=60) as response:
                    return response.status
            except urllib.error.HTTPError as exc:
                return exc.code

        statuses = _together(6, register)
    # One place was left: one visitor gets it, the others are told the event is full.
    assert statuses.count(200) == 1 and all(s in (409, 422) for s in statuses if s != 200), statuses
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Registration.id)).where(Registration.event_id == event.id)) == 9


# --- issue 13, item 3: a phone or an email shared by two people ---------------------------


@pytest.mark.parametrize("a,b,same", [
    ("awa traore", "awa traore", True),
    ("diarra", "diarra oumou", True),  # a last name alone
    ("a maiga", "aissata maiga", True),  # an initial
    ("awa traore", "moussa traore", False),  # a wife and her husband
    ("awa traore", "a b traore", True),
    ("ndiaye ousmane", "maiga ousmane", False),
])
def test_names_agree(a, b, same):
    assert registrations.names_agree(a, b) is same and registrations.names_agree(b, a) is same


def test_an_organizer_adding_the_wife_with_her_husbands_phone_registers_her_not_him(app):
    husband = factories.make_person("Moussa", "Traoré", phone="+22376123456", email="famille.traore@example.org")
    event = future_event()
    registration, reused = registrations.add_participant(event, {"first_name": "Awa", "last_name": "Traoré",
                                                                 "phone": "76 12 34 56", "sex": "F"},
                                                         settings=web.settings())
    assert not reused and registration.person_id != husband.id
    assert registration.person.full_name == "Awa Traoré" and registration.person.phone == husband.phone
    # By the shared email too; and the husband himself is still found by it.
    other = future_event()
    by_email = registrations.enrol(other, {"first_name": "Awa", "last_name": "Traoré",
                                           "email": "famille.traore@example.org"},
                                   channel=registrations.Channel.ORGANIZER)
    assert not by_email.reused and by_email.registration.person_id not in (husband.id, registration.person_id)
    him = registrations.enrol(other, {"first_name": "Moussa", "last_name": "TRAORE", "phone": "+22376123456"},
                              channel=registrations.Channel.IMPORT)
    assert him.reused and him.registration.person_id == husband.id


def test_an_import_matches_each_of_two_people_sharing_a_phone_to_their_own_person(app):
    husband = factories.make_person("Moussa", "Traoré", phone="+22376123456")
    wife = factories.make_person("Awa", "Traoré", phone="+22376123456")
    event = future_event()
    content = "Prénom;Nom;Téléphone\nAwa;TRAORE;76 12 34 56\nMoussa;Traoré;76123456\nHawa;Traoré;76123456\n"
    summary = imports.import_file(event, content.encode("cp1252"), "liste.csv", settings=web.settings())
    assert (summary.rows, summary.reused, summary.created) == (3, 2, 1)
    assert summary.warnings == [
        "Row 3, column “Téléphone”: The phone number is also on row 2: both rows are imported, as two people who "
        "share it.",
        "Row 4, column “Téléphone”: The phone number is also on row 2: both rows are imported, as two people who "
        "share it."]
    by_name = {r.person.first_name: r.person_id for r in event.registrations}
    assert by_name["Awa"] == wife.id and by_name["Moussa"] == husband.id
    assert by_name["Hawa"] not in (wife.id, husband.id)


def test_two_rows_that_would_be_one_directory_person_are_refused(app):
    factories.make_person("Moussa", "Traoré", phone="+22376123456")
    content = "Prénom;Nom;Téléphone\nMoussa;Traoré;76123456\n;Traoré;76123456\n"
    with pytest.raises(registrations.ValidationError) as info:
        imports.import_file(future_event(), content.encode("cp1252"), "liste.csv", settings=web.settings())
    assert "Row 3, column “Téléphone”: Row 2 is already this person of the directory" in "\n".join(
        info.value.messages())
    assert count(Registration) == 0
