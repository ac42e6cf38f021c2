"""The audit log records what the issue lists — sign-ins, changes to people and registrations,
check-ins and voids, imports, exports, prints, deletions — with who, when and from where."""
from __future__ import annotations

from eventapp.audit.models import AuditEntry
from eventapp.core.tokens import qr_payload
from eventapp.door.models import CheckIn
from eventapp.extensions import db
from tests import factories

ADDRESS = {"REMOTE_ADDR": "198.51.100.7"}


def test_the_listed_actions_are_recorded_with_who_and_where(app, client, login, runner, tmp_path):
    event = factories.make_event(slug="atelier-mopti")
    person = factories.make_person("Aïssata", "Traoré", sex="F", category="civil_society")
    registration = factories.make_registration(event, person)
    item = factories.make_agenda_item(event)
    user = factories.make_user(role="organizer", email="organisatrice@example.org")
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD}, environ_base=ADDRESS)

    def post(url, **kw):
        return client.post(url, environ_base=ADDRESS, **kw)

    def get(url, **kw):
        return client.get(url, environ_base=ADDRESS, **kw)

    # Changes to people and registrations.
    assert post(f"/people/{person.id}", data={
        "first_name": "Aïssata", "last_name": "Traoré", "sex": "F", "category_id": str(person.category_id),
        "locality": "Mopti"}).status_code == 302
    assert post(f"/events/{event.slug}/participants/{registration.id}", data={
        "first_name": "Aïssata", "last_name": "Traoré", "sex": "F", "category_id": str(person.category_id),
        "status": "accepted"}).status_code == 302
    # An import (the command line: its actor is "cli").
    csv_file = tmp_path / "liste.csv"
    csv_file.write_text("Prénom;Nom;Sexe\nMoussa;Maïga;H\n", encoding="utf-8")
    result = runner.invoke(args=["participants", "import", event.slug, str(csv_file)])
    assert result.exit_code == 0, result.output
    # Exports and prints.
    assert get(f"/events/{event.slug}/export").status_code == 200
    assert get(f"/events/{event.slug}/programme.pdf").status_code == 200
    assert post(f"/events/{event.slug}/badges", data={"registration_ids": [str(registration.id)]}).status_code == 200
    # A check-in and its void, at the door.
    answer = post(f"/api/events/{event.slug}/checkins", json={
        "payload": qr_payload(registration.checkin_token), "scanned_at": "2023-06-21T09:14:00+00:00",
        "client_id": "trust-audit-1"})
    assert answer.status_code == 200, answer.get_json()
    checkin = db.session.scalar(db.select(CheckIn))
    assert post(f"/api/checkins/{checkin.id}/void", json={"reason": "erreur"}).status_code == 200
    # A deletion.
    assert post(f"/events/{event.slug}/agenda/{item.id}/delete").status_code == 302

    entries = list(db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)))
    actions = {e.action for e in entries}
    expected = {"login", "person.update", "registration.update", "registration.import", "registration.export",
                "programme.print", "badges.print", "checkin.void", "agenda.delete"}
    assert expected <= actions, f"missing: {expected - actions}"
    for entry in entries:
        if entry.action in expected - {"registration.import"}:
            assert (entry.actor, entry.ip) == ("organisatrice@example.org", "198.51.100.7"), entry.action
            assert entry.at is not None
    assert [e.actor for e in entries if e.action == "registration.import"] == ["cli"]
    # The check-in itself is its own record: who scanned, when, with which device.
    db.session.refresh(checkin)
    assert checkin.operator_id == user.id and checkin.recorded_at is not None
    assert checkin.voided_by_id == user.id and checkin.voided_at is not None
