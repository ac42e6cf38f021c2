"""The reports pages and downloads: who may see them, what they show, what is logged; the CLI."""
from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from eventapp.audit.models import AuditEntry
from eventapp.events.models import Project
from eventapp.extensions import db
from tests import reports_fixtures as kf
from tests.factories import make_event, make_official
from tests.pdfutil import pdf_text

PAGES = [
    "/events/restitution/reports",
    "/events/restitution/reports/report.pdf",
    "/events/restitution/reports/report.xlsx",
    "/events/restitution/reports/sheets",
    "/events/restitution/reports/sheets?day=2023-06-21",
    "/events/restitution/payments",
    "/events/restitution/payments.xlsx",
    "/events/restitution/payments.pdf",
    "/events/restitution/certificates",
]


@pytest.fixture
def known(app):
    return kf.known_attendance()


@pytest.mark.parametrize("role", ["coordinator", "organizer", "admin"])
def test_readers_see_every_page(known, client, login, role):
    login(role)
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)


def test_door_staff_are_refused(known, client, login):
    event, _ = known
    login("door", events=[event])
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    assert client.post("/events/restitution/payments/paid").status_code == 403


def test_anonymous_is_sent_to_sign_in(known, client):
    response = client.get("/events/restitution/reports")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_report_page_shows_figures_and_svg_charts(known, client, login):
    login("coordinator")
    html = client.get("/events/restitution/reports").get_data(as_text=True)
    assert "<svg" in html and "<script" not in html
    assert "Personnes présentes" in html and ">37<" in html
    assert "Ségou" in html
    external = client.get("/events/restitution/reports?external=1").get_data(as_text=True)
    assert "&lt;5" in external


def test_exports_are_recorded_with_who_and_when(known, client, login):
    user = login("coordinator")
    response = client.get("/events/restitution/reports/report.xlsx")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "no-store"
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.worksheets[0].title == "Synthèse"
    client.get("/events/restitution/reports/sheets?day=2023-06-21&kind=attended")
    client.get("/events/restitution/payments.xlsx")
    actions = {e.action: e for e in db.session.scalars(db.select(AuditEntry).where(AuditEntry.user_id == user.id))}
    for action in ("report.export", "sheet.print", "payments.export"):
        assert action in actions, action
        assert actions[action].at is not None and actions[action].actor == user.email
    assert json.loads(actions["report.export"].details)["format"] == "xlsx"


def test_sheet_form_errors_are_shown_not_500(known, client, login):
    login("organizer")
    response = client.get("/events/restitution/reports/sheets?day=2030-01-01")
    assert response.status_code == 400
    assert "2030-01-01" in response.get_data(as_text=True)
    assert client.get("/events/restitution/reports/sheets?day=nonsense").status_code == 400
    assert client.get("/events/restitution/reports/sheets?day=2023-06-21&blank_rows=x").status_code == 400
    pdf = client.get("/events/restitution/reports/sheets?day=2023-06-22&kind=attended&blank_rows=3")
    assert pdf.mimetype == "application/pdf"
    assert "LISTE DE PRÉSENCE" in pdf_text(pdf.data)
    assert client.get("/events/unknown/reports").status_code == 404
    assert client.get("/events/restitution/reports/report.doc").status_code == 404


def test_empty_event_pages(app, client, login):
    make_event(slug="vide")
    login("coordinator")
    for url in ("/events/vide/reports", "/events/vide/reports/report.pdf", "/events/vide/payments",
                "/events/vide/reports/sheets?day=2023-06-21", "/events/vide/certificates"):
        assert client.get(url).status_code == 200, url
    assert client.post("/events/vide/payments/paid").status_code == 403  # coordinators only read
    response = client.post("/events/vide/certificates", data={"official_id": "", "action": "print"})
    assert response.status_code == 400


def test_payments_through_the_page_and_lock(known, client, login):
    event, regs = known
    login("organizer")
    response = client.post("/events/restitution/payments", data={
        "currency": "XOF", "default_rate": "0", "rate_fds": "5000", f"override_{regs[0].id}": "9000"})
    assert response.status_code == 302
    page = client.get("/events/restitution/payments").get_data(as_text=True)
    assert "9000" in page
    bad = client.post("/events/restitution/payments", data={"currency": "XOF", "rate_fds": "cinq"})
    assert bad.status_code == 400
    assert client.post("/events/restitution/payments/paid").status_code == 302
    locked = client.post("/events/restitution/payments", data={"currency": "EUR"})
    assert locked.status_code == 400
    assert "ne peut plus être modifié" in locked.get_data(as_text=True)


def test_certificates_through_the_page(known, client, login):
    event, regs = known
    official = make_official(event, "SOGOBA", function="Secrétaire général")
    login("coordinator")
    response = client.post("/events/restitution/certificates",
                           data={"official_id": str(official.id), "registration_id": str(regs[3].id),
                                 "action": "print"})
    assert response.mimetype == "application/pdf"
    refused = client.post("/events/restitution/certificates",
                          data={"official_id": str(official.id), "registration_id": str(regs[45].id),
                                "action": "print"})
    assert refused.status_code == 400
    email = {"official_id": str(official.id), "registration_id": str(regs[3].id), "action": "email"}
    assert client.post("/events/restitution/certificates/email", data=email).status_code == 403  # coordinators read
    assert "Envoyer par e-mail" not in client.get("/events/restitution/certificates").get_data(as_text=True)
    client.post("/logout")
    login("organizer")
    assert "/certificates/email" in client.get("/events/restitution/certificates").get_data(as_text=True)
    sent = client.post("/events/restitution/certificates/email", data=email)
    assert sent.status_code == 302  # no MAIL_SERVER in tests: written to the outbox


def test_project_reach_page(app, client, login):
    project = Project(name="Projet PAIX")
    db.session.add(project)
    db.session.commit()
    event, _ = kf.known_attendance(project=project)
    login("coordinator")
    html = client.get(f"/projects/{project.id}/reach").get_data(as_text=True)
    assert "Projet PAIX" in html and "37" in html
    assert client.get(f"/projects/{project.id}/reach.xlsx").status_code == 200
    assert client.get("/projects/99999/reach").status_code == 404


def test_door_cannot_see_project_reach(app, client, login):
    project = Project(name="Projet PAIX")
    db.session.add(project)
    db.session.commit()
    login("door")
    assert client.get(f"/projects/{project.id}/reach").status_code == 403


def test_cli_report(known, runner, tmp_path):
    for ext in ("pdf", "xlsx"):
        out = tmp_path / f"report.{ext}"
        result = runner.invoke(args=["report", "restitution", "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 1000
    assert "Personnes présentes" in pdf_text((tmp_path / "report.pdf").read_bytes())
    bad = runner.invoke(args=["report", "restitution", "--out", str(tmp_path / "report.doc")])
    assert bad.exit_code != 0
    assert runner.invoke(args=["report", "nope", "--out", str(tmp_path / "r.pdf")]).exit_code != 0
    entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "report.export")).all()
    assert len(entries) == 2 and all(e.actor == "cli" for e in entries)


def test_cli_payments_and_certificates(known, runner, tmp_path):
    event, _ = known
    official = make_official(event, "SOGOBA", function="Secrétaire général")
    out = tmp_path / "pay.xlsx"
    assert runner.invoke(args=["payments", "restitution", "--out", str(out)]).exit_code == 0
    assert load_workbook(out).active["A1"].value == "Transport et per diem"
    bad = runner.invoke(args=["payments", "restitution", "--out", str(tmp_path / "pay.txt")])
    assert bad.exit_code != 0
    cert = tmp_path / "certs.pdf"
    result = runner.invoke(args=["certificates", "restitution", "--official", str(official.id), "--out", str(cert)])
    assert result.exit_code == 0, result.output
    assert "ATTESTATION DE PARTICIPATION" in pdf_text(cert.read_bytes())
    wrong = runner.invoke(args=["certificates", "restitution", "--official", "0", "--out", str(cert)])
    assert wrong.exit_code != 0
