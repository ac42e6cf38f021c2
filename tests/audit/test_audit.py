"""The audit log page: read, filter, page through, export; sign-ins are recorded with their address."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from eventapp.audit.models import AuditEntry
from eventapp.audit.services import Actor, record
from eventapp.core.documents.spreadsheet import safe_text as safe_cell
from eventapp.extensions import db
from tests import factories


def _entry(action, *, at, actor="awa@example.org", ip="10.0.0.5", event=None, **details):
    entry = record(Actor(label=actor, ip=ip), action, event_id=event.id if event else None, **details)
    entry.at = at
    return entry


@pytest.fixture
def entries(app):
    event = factories.make_event(slug="restitution-2023", title="Atelier de restitution")
    _entry("person.update", at=datetime(2023, 6, 20, 10, tzinfo=UTC), event=event, name="Maïga")
    _entry("checkin.void", at=datetime(2023, 6, 21, 9, tzinfo=UTC), event=event, actor="gate@example.org")
    _entry("export", at=datetime(2023, 6, 22, 9, tzinfo=UTC), event=event, what="participants")
    _entry("login.failed", at=datetime(2023, 6, 21, 8, tzinfo=UTC), actor="anonymous", ip="192.0.2.9",
           email="=HYPERLINK(\"http://evil\")")
    db.session.commit()
    return event


def _rows(page: str) -> int:
    return page.count("<tr>") - 1  # minus the header


def test_admin_reads_the_log_newest_first(entries, client, login):
    login("admin")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Journal d’audit" in page
    # newest first: the sign-in of the admin, then 22 June, then 21 June 09:00...
    assert page.index("export") < page.index("checkin.void") < page.index("login.failed") < page.index("person.update")
    assert "192.0.2.9" in page and "Maïga" in page
    assert '<option value="gate@example.org">' in page and '<option value="login.failed">' in page


@pytest.mark.parametrize("query, expected", [
    ({"action": "login"}, {"login.failed", "login"}),  # a prefix takes the sub-actions
    ({"action": "checkin.void"}, {"checkin.void"}),
    ({"actor": "GATE"}, {"checkin.void"}),
    ({"date_from": "2023-06-21", "date_to": "2023-06-21"}, {"checkin.void", "login.failed"}),
    ({"date_from": "2023-06-22", "date_to": "2023-06-22"}, {"export"}),
    ({"q": "maïga"}, {"person.update"}),
    ({"q": "192.0.2"}, {"login.failed"}),
])
def test_filters(entries, client, login, query, expected):
    login("admin")
    page = client.get("/admin/audit", query_string=query).get_data(as_text=True)
    actions = {"person.update", "checkin.void", "export", "login.failed", "login"}
    shown = {a for a in actions if f"<code>{a}</code>" in page}
    assert shown == expected


def test_filter_by_event(entries, client, login):
    login("admin")
    other = factories.make_event()
    record(Actor(label="x"), "event.update", event_id=other.id)
    db.session.commit()
    page = client.get("/admin/audit", query_string={"event": str(entries.id)}).get_data(as_text=True)
    assert "<code>export</code>" in page and "<code>event.update</code>" not in page


def test_bad_dates_are_shown_not_a_500(entries, client, login):
    login("admin")
    response = client.get("/admin/audit", query_string={"date_from": "21/06/2023", "page": "x"})
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)


def test_pages_of_fifty(app, client, login):
    login("admin")
    for i in range(60):
        record(Actor(label="cli"), "registration.create", n=i)
    db.session.commit()
    first = client.get("/admin/audit").get_data(as_text=True)
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert _rows(first) == 50 and _rows(second) == 11  # 60 + the admin's sign-in
    assert "Page 2 sur 2" in second


def test_export_csv_with_filters_is_logged(entries, client, login):
    login("admin")
    response = client.get("/admin/audit/export.csv", query_string={"event": str(entries.id)})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:4] == ["Date (UTC)", "Qui", "Adresse", "Action"]
    assert [r[3] for r in rows[1:]] == ["person.update", "checkin.void", "export"]
    assert "Maïga" in rows[1][7]
    exported = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "audit.export"))
    assert exported is not None and str(entries.id) in exported.details


def test_csv_cells_cannot_be_formulas(entries, client, login):
    login("admin")
    text = client.get("/admin/audit/export.csv?action=login.failed").data.decode("utf-8-sig")
    assert "=HYPERLINK" in text
    assert ";=" not in text and ';"=' not in text
    assert safe_cell("=1+1") == "'=1+1" and safe_cell("-3") == "'-3" and safe_cell("Traoré") == "Traoré"


def test_sign_ins_failures_and_lockouts_recorded_with_address(app, client):
    factories.make_user(email="awa@example.org")
    env = {"REMOTE_ADDR": "198.51.100.4"}
    client.post("/login", data={"email": "awa@example.org", "password": factories.PASSWORD}, environ_base=env)
    client.post("/logout", environ_base=env)
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 1):
        client.post("/login", data={"email": "awa@example.org", "password": "wrong"}, environ_base=env)
    entries = list(db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)))
    assert [e.action for e in entries][:3] == ["login", "logout", "login.failed"]
    assert {e.action for e in entries} == {"login", "logout", "login.failed", "login.lockout", "login.blocked"}
    assert all(e.ip == "198.51.100.4" for e in entries)
    assert entries[0].actor == "awa@example.org" and entries[0].user_id is not None
    assert "awa@example.org" in entries[-1].details


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(st.text())
def test_any_text_becomes_a_safe_cell_and_loses_nothing(text):
    cell = safe_cell(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell == text or cell == "'" + text
