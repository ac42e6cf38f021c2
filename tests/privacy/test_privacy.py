"""Data protection: purge after the retention date keeps the counts; export and erasure of a person."""
from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from eventapp.audit.models import AuditEntry
from eventapp.audit.services import Actor
from eventapp.core.errors import ValidationError
from eventapp.door.models import CheckIn, ScanLog
from eventapp.events.models import Event
from eventapp.extensions import db
from eventapp.people.models import Consent, Person, PersonMerge
from eventapp.privacy import services as privacy
from eventapp.privacy.retention import run_retention_check, start_retention_thread
from eventapp.registration.models import Invitation, Registration
from tests import factories

AT = datetime(2023, 6, 21, 9, 14, tzinfo=UTC)


def _checkin(event, registration, n):
    db.session.add(CheckIn(event_id=event.id, registration_id=registration.id, day=event.start_date,
                           scanned_at=AT, recorded_at=AT, source="qr", client_id=f"c-{event.id}-{n}"))


def attendance(event) -> dict:
    """Attendance by sex, age band and category, as the reports count it."""
    rows = db.session.execute(
        select(Person.sex, Person.age_band, Person.category_id, func.count(CheckIn.id))
        .join(Registration, Registration.id == CheckIn.registration_id)
        .join(Person, Person.id == Registration.person_id)
        .where(CheckIn.event_id == event.id, CheckIn.voided_at.is_(None))
        .group_by(Person.sex, Person.age_band, Person.category_id))
    return {tuple(r[:3]): r[3] for r in rows}


def registrations_by_trait(event) -> dict:
    rows = db.session.execute(
        select(Person.sex, Person.age_band, Person.category_id, Person.locality, func.count(Registration.id))
        .join(Person, Person.id == Registration.person_id).where(Registration.event_id == event.id)
        .group_by(Person.sex, Person.age_band, Person.category_id, Person.locality))
    return {tuple(r[:4]): r[4] for r in rows}


@pytest.fixture
def workshop(app):
    """Event A (to purge, kept until end 2023) and B (kept), with people at one or both."""
    a = factories.make_event(slug="atelier-mopti", retention_until=date(2023, 12, 31))
    b = factories.make_event(slug="table-ronde", start_date=date(2024, 3, 5), end_date=date(2024, 3, 5))
    only_a = factories.make_person("Aïssata", "Traoré", sex="F", age_band="25-35", category="civil_society",
                                   organisation="Association des femmes", function="Présidente",
                                   locality="Mopti", phone="+22376123456", email="aissata@example.org",
                                   notes="Vient avec son fils", honorific="Mme")
    both = factories.make_person("Moussa", "Maïga", sex="M", age_band="36-50", category="fds", locality="Sévaré",
                                 phone="+22366000000", email="moussa@example.org")
    absent = factories.make_person("Fatoumata", "N'Diaye", sex="F", age_band="18-24", category="civilian",
                                   locality="Mopti")
    ra = factories.make_registration(a, only_a)
    rb = factories.make_registration(a, both)
    factories.make_registration(a, absent)  # registered, never came
    factories.make_registration(b, both)
    ra.notes = "Place au premier rang"
    db.session.add(Invitation(registration=ra, channel="email", status="failed",
                              error="550 aissata@example.org: no such user"))
    _checkin(a, ra, 1)
    _checkin(a, rb, 2)
    db.session.add(ScanLog(event_id=a.id, result="unknown_token", payload="Aissata Traore"))
    db.session.add_all([
        Consent(person=only_a, kind="photos", given=True, event_id=a.id,
                recorded_at=datetime(2023, 6, 1, tzinfo=UTC)),
        Consent(person=only_a, kind="photos", given=False, event_id=a.id,
                recorded_at=datetime(2023, 6, 20, tzinfo=UTC)),
        Consent(person=both, kind="share_funder", given=True, event_id=a.id),
    ])
    duplicate = factories.make_person("Aissata", "Traore", phone="+22376123456", merged_into_id=only_a.id)
    db.session.add(PersonMerge(kept_id=only_a.id, merged_id=duplicate.id, snapshot='{"phone": "+22376123456"}'))
    db.session.commit()
    return dict(a=a, b=b, only_a=only_a, both=both, absent=absent, rb=rb, duplicate=duplicate)


def test_purge_keeps_counts_and_removes_identities(workshop):
    a, only_a, both = workshop["a"], workshop["only_a"], workshop["both"]
    before, regs_before = attendance(a), registrations_by_trait(a)
    checkins_before = db.session.scalar(select(func.count(CheckIn.id)))
    assert sum(before.values()) == 2

    result = privacy.purge_event(a, Actor(label="test"), today=date(2024, 1, 1))
    assert (result.registrations, result.persons_erased, result.persons_detached) == (3, 2, 1)

    db.session.expire_all()
    assert attendance(a) == before
    assert registrations_by_trait(a) == regs_before
    assert db.session.scalar(select(func.count(CheckIn.id))) == checkins_before
    assert a.purged_at is not None

    # Only at A: blanked, pseudonym, traits kept, consents kept with their dates.
    assert only_a.first_name == "" and only_a.last_name == privacy.pseudonym(only_a.id)
    assert (only_a.phone, only_a.email, only_a.organisation, only_a.function, only_a.notes, only_a.honorific) == \
        (None, None, "", "", "", "")
    assert (only_a.sex, only_a.age_band, only_a.category.code, only_a.locality) == ("F", "25-35", "civil_society",
                                                                                   "Mopti")
    assert only_a.erased_at is not None and only_a.name_key == ""
    assert [(c.given, c.recorded_at.day) for c in only_a.consents] == [(True, 1), (False, 20)]
    assert db.session.scalar(select(PersonMerge.snapshot)) == "{}"
    duplicate = db.session.scalar(select(Person).where(Person.merged_into_id == only_a.id))
    assert duplicate.erased_at is not None and duplicate.phone is None and duplicate.first_name == ""
    assert all(r.notes == "" for r in a.registrations)
    assert db.session.scalar(select(Invitation.error)) == ""
    assert db.session.scalar(select(ScanLog.payload)) == ""

    # At A and B: keeps their data for B, but nothing links them to A any more.
    assert (both.first_name, both.last_name, both.phone) == ("Moussa", "Maïga", "+22366000000")
    assert both.erased_at is None
    assert [r.event.slug for r in both.registrations] == ["table-ronde"]
    stand_in = workshop["rb"].person
    assert stand_in.id != both.id and stand_in.erased_at is not None
    assert (stand_in.sex, stand_in.age_band, stand_in.category_id, stand_in.locality) == \
        ("M", "36-50", both.category_id, "Sévaré")
    assert [c.kind for c in both.consents] == []
    assert [c.kind for c in stand_in.consents] == ["share_funder"]

    # Nobody's name is left at the purged event.
    names = {(r.person.first_name, r.person.last_name) for r in a.registrations}
    assert all(first == "" and last.startswith("ANON-") for first, last in names)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.purge"))
    assert entry.event_id == a.id and '"persons_erased": 2' in entry.details


def test_purge_refused_before_retention_date_or_without_one(workshop):
    a, b = workshop["a"], workshop["b"]
    with pytest.raises(ValidationError, match="2023-12-31"):
        privacy.purge_event(a, today=date(2023, 12, 31))
    with pytest.raises(ValidationError):
        privacy.purge_event(b, today=date(2030, 1, 1))  # no retention date
    db.session.expire_all()
    assert workshop["only_a"].first_name == "Aïssata" and a.purged_at is None
    privacy.purge_event(b, force=True, today=date(2024, 1, 1))
    assert b.purged_at is not None


def test_a_person_of_two_purged_events_is_erased(workshop):
    a, b, both = workshop["a"], workshop["b"], workshop["both"]
    b.retention_until = date(2024, 12, 31)
    db.session.commit()
    privacy.purge_event(b, today=date(2025, 1, 1))  # A is not purged yet: Moussa is detached from B
    privacy.purge_event(a, today=date(2025, 1, 1))  # now nothing else keeps him: erased
    db.session.expire_all()
    assert both.erased_at is not None and both.first_name == ""


def test_events_due_and_daily_check(workshop, app):
    a, b = workshop["a"], workshop["b"]
    assert privacy.events_due(date(2023, 12, 31)) == []
    assert privacy.events_due(date(2024, 1, 1)) == [a]
    results = run_retention_check(app, today=date(2024, 1, 1))
    assert [r.event_slug for r in results] == ["atelier-mopti"]
    db.session.expire_all()
    assert a.purged_at is not None and b.purged_at is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.purge"))
    assert entry.actor == "retention"


def test_serve_starts_the_daily_check(workshop, app):
    assert start_retention_thread in app.extensions["eventapp.serve_hooks"]
    a = workshop["a"]
    thread = start_retention_thread(app)  # as `eventapp serve` does; it checks at once, then daily
    try:
        for _ in range(200):  # wait for the thread's first check, however slow the machine
            db.session.expire_all()
            if db.session.get(Event, a.id).purged_at is not None:
                break
            time.sleep(0.05)
        assert db.session.get(Event, a.id).purged_at is not None
    finally:
        thread.stop.set()
        thread.join(5)


def test_cli_purge(workshop, runner):
    result = runner.invoke(args=["purge", "table-ronde", "--yes"])  # no retention date
    assert result.exit_code != 0
    assert "retention" in result.output or "conservation" in result.output
    result = runner.invoke(args=["purge", "atelier-mopti"], input="n\n")
    assert result.exit_code != 0
    assert workshop["a"].purged_at is None
    result = runner.invoke(args=["purge", "atelier-mopti", "--yes"])
    assert result.exit_code == 0, result.output
    assert "2 persons erased, 1 detached" in result.output
    result = runner.invoke(args=["purge", "table-ronde", "--yes", "--force"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["purge", "no-such-event", "--yes"]).exit_code != 0


def test_export_person_json(workshop):
    only_a = workshop["only_a"]
    data = json.loads(privacy.export_person_json(only_a, Actor(label="test")))
    assert data["person"]["first_name"] == "Aïssata" and data["person"]["email"] == "aissata@example.org"
    assert data["person"]["category"] == "civil_society"
    assert [(c["kind"], c["given"], c["recorded_at"][:10]) for c in data["consents"]] == \
        [("photos", True, "2023-06-01"), ("photos", False, "2023-06-20")]
    assert [r["event"] for r in data["registrations"]] == ["atelier-mopti"]
    assert data["registrations"][0]["invitations"][0]["channel"] == "email"
    assert [c["day"] for c in data["checkins"]] == ["2023-06-21"]
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "person.export"))


def test_privacy_page_export_and_erase(workshop, client, login):
    login("admin")
    only_a = workshop["only_a"]
    page = client.get(f"/admin/people/{only_a.id}/privacy").get_data(as_text=True)
    assert "Aïssata Traoré" in page and "Effacer cette personne" in page
    response = client.get(f"/admin/people/{only_a.id}/privacy/export")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    assert json.loads(response.data)["person"]["last_name"] == "Traoré"
    # Without the confirmation nothing is erased.
    response = client.post(f"/admin/people/{only_a.id}/privacy", data={})
    assert response.status_code == 200 and "Cochez la case" in response.get_data(as_text=True)
    db.session.expire_all()
    assert only_a.erased_at is None
    response = client.post(f"/admin/people/{only_a.id}/privacy", data={"confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert only_a.erased_at is not None and only_a.first_name == "" and only_a.email is None
    assert len(only_a.consents) == 2 and len(only_a.registrations) == 1
    assert attendance(workshop["a"])[("F", "25-35", only_a.category_id)] == 1
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "person.erase"))
    assert entry.object_id == str(only_a.id) and entry.actor.startswith("admin")
    assert client.get("/admin/people/999999/privacy").status_code == 404


def test_purge_page(workshop, client, login):
    login("admin")
    a = workshop["a"]
    response = client.post(f"/admin/events/{a.slug}/purge", data={"confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert a.purged_at is not None
    b = workshop["b"]
    response = client.post(f"/admin/events/{b.slug}/purge", data={"confirm": "y"})
    assert response.status_code == 200 and "date de conservation" in response.get_data(as_text=True)
    response = client.post(f"/admin/events/{b.slug}/purge", data={"confirm": "y", "force": "y"})
    assert response.status_code == 302


def test_cli_person_export_and_erase(workshop, runner, tmp_path):
    only_a = workshop["only_a"]
    out = tmp_path / "person.json"
    result = runner.invoke(args=["person", "export", str(only_a.id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["person"]["last_name"] == "Traoré"
    assert out.stat().st_mode & 0o077 == 0
    result = runner.invoke(args=["person", "erase", str(only_a.id), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert only_a.erased_at is not None
    assert runner.invoke(args=["person", "erase", str(only_a.id), "--yes"]).exit_code != 0
    assert runner.invoke(args=["person", "export", "999999", "--out", str(out)]).exit_code != 0


def test_two_processes_purging_at_once_purge_once(workshop, app, _schema, tmp_path):
    """Each `eventapp serve` process runs the daily check: together they must purge once."""
    import threading

    from tests.conftest import make_app

    persons_before = db.session.scalar(select(func.count(Person.id)))
    apps = [make_app(_schema, tmp_path / f"p{i}") for i in range(2)]
    barrier = threading.Barrier(2)
    results = [None, None]

    def check(i):
        barrier.wait()
        results[i] = run_retention_check(apps[i], today=date(2024, 1, 1))

    threads = [threading.Thread(target=check, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for other in apps:
        with other.app_context():
            db.engine.dispose()
    db.session.expire_all()
    assert sum(len(r or []) for r in results) == 1
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "event.purge")) == 1
    assert db.session.scalar(select(func.count(Person.id))) == persons_before + 1  # one stand-in, not two
    assert workshop["a"].purged_at is not None


def test_page_partials_link_admins_only(workshop, app):
    from flask import render_template
    from flask_login import login_user

    for role, shown in (("admin", True), ("organizer", False)):
        user = factories.make_user(role=role)
        with app.test_request_context():
            login_user(user)
            event_links = render_template("trust/_event_actions.html", event=workshop["a"])
            person_links = render_template("privacy/_person_actions.html", person=workshop["only_a"])
        assert ("/admin/events/atelier-mopti/purge" in event_links) is shown
        assert (f"/admin/audit?event={workshop['a'].id}" in event_links) is shown
        assert (f"/admin/people/{workshop['only_a'].id}/privacy" in person_links) is shown


def test_event_and_person_pages_link_to_the_privacy_pages(workshop, client, login):
    login("admin")
    a, only_a = workshop["a"], workshop["only_a"]
    event_page = client.get(f"/events/{a.slug}").get_data(as_text=True)
    assert f"/admin/events/{a.slug}/purge" in event_page and f"/admin/audit?event={a.id}" in event_page
    person_page = client.get(f"/people/{only_a.id}").get_data(as_text=True)
    assert f"/admin/people/{only_a.id}/privacy" in person_page
