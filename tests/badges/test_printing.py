"""Printing badges through the service, the web and the CLI: who, recording, reprints, roles."""
from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from eventapp.audit.models import AuditEntry
from eventapp.audit.services import Actor
from eventapp.badges import services as badge_service
from eventapp.core.errors import NotFound, ValidationError
from eventapp.core.tokens import qr_payload
from eventapp.extensions import db
from eventapp.registration.models import Registration
from tests import factories
from tests.pdfutil import decode_qr_codes, page_count, pdf_text


@pytest.fixture
def crowd(app):
    """An event with four participants (one cancelled) of two categories."""
    event = factories.make_event()
    regs = [
        factories.make_registration(event, factories.make_person("Awa", "Traoré", category="civil_society",
                                                                 organisation="IMRAP", function="Chercheuse")),
        factories.make_registration(event, factories.make_person("Fatoumata", "Maïga", category="authority")),
        factories.make_registration(event, factories.make_person("Mamadou", "N'Diaye", category="press")),
        factories.make_registration(event, factories.make_person("Oumar", "Annulé", category="press"),
                                    status="cancelled"),
    ]
    return event, regs


def audit(action):
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def request_for(**kw):
    return badge_service.PrintRequest(selection=badge_service.Selection(**kw))


def test_prints_everyone_but_the_cancelled_and_records_it(crowd):
    event, regs = crowd
    result = badge_service.print_badges(event, request_for(), actor=Actor(label="org@example.org"))
    assert result.count == 3 and result.layout == "a4-8" and result.reprints == 0
    assert sorted(decode_qr_codes(result.pdf, dpi=150)[0]) == sorted(qr_payload(r.checkin_token) for r in regs[:3])
    text = pdf_text(result.pdf)
    assert "Traoré" in text and "Maïga" in text and "N'Diaye" in text and "Annulé" not in text
    assert "Société civile" in text  # the event is in French
    for reg in regs[:3]:
        db.session.refresh(reg)
        assert reg.badge_print_count == 1 and reg.badge_printed_at is not None
    assert regs[3].badge_print_count == 0
    [entry] = audit("badges.print")
    assert json.loads(entry.details)["count"] == 3 and entry.actor == "org@example.org"


def test_filters_and_ids(crowd):
    event, regs = crowd
    press = factories.category("press")
    chosen = badge_service.select_registrations(event, badge_service.Selection(category_id=press.id))
    assert [r.id for r in chosen] == [regs[2].id]  # the cancelled one is left out
    by_id = badge_service.select_registrations(event, badge_service.Selection(registration_ids=[regs[3].id]))
    assert [r.id for r in by_id] == [regs[3].id]  # asked for by id: printed even when cancelled
    other = factories.make_registration(factories.make_event())
    with pytest.raises(NotFound):
        badge_service.select_registrations(event, badge_service.Selection(registration_ids=[other.id]))


def test_reprint_asks_first_and_not_printed_leaves_them_out(crowd):
    event, regs = crowd
    badge_service.print_badges(event, request_for(registration_ids=[regs[0].id]))
    with pytest.raises(badge_service.ReprintNeedsConfirmation) as info:
        badge_service.print_badges(event, request_for())
    assert info.value.already == 1 and info.value.total == 3 and info.value.names == ["Awa Traoré"]
    fresh = badge_service.print_badges(event, request_for(include_printed=False))
    assert fresh.count == 2
    again = badge_service.print_badges(event, badge_service.PrintRequest(
        selection=badge_service.Selection(), confirm_reprint=True))
    assert again.count == 3 and again.reprints == 3
    db.session.refresh(regs[0])
    db.session.refresh(regs[1])
    assert regs[0].badge_print_count == 2 and regs[1].badge_print_count == 2


def test_bad_requests_are_clear(crowd):
    event, _regs = crowd
    with pytest.raises(ValidationError) as info:
        badge_service.parse_print_request(event, {"layout": "a3-99", "status": "cancelled", "category": "x"})
    assert set(info.value.errors) == {"layout", "status", "category", "registration_ids"}
    empty = factories.make_event()
    with pytest.raises(ValidationError):
        badge_service.print_badges(empty, request_for())
    with pytest.raises(ValidationError):
        badge_service.save_settings(event, "nope", False)


def test_unreadable_logo_file_is_left_out(crowd, tmp_path):
    event, regs = crowd
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    event.organizer_logo, event.partner_logo = "broken.png", "missing.png"
    db.session.commit()
    result = badge_service.print_badges(event, request_for(), upload_dir=tmp_path)
    assert result.count == 3 and page_count(result.pdf) == 1


def test_discreet_setting_applies_and_can_be_overridden(crowd):
    event, _regs = crowd
    badge_service.save_settings(event, "a4-10", True, actor=Actor(label="org"))
    result = badge_service.print_badges(event, request_for())
    text = pdf_text(result.pdf)
    assert result.layout == "a4-10"
    assert "Awa" in text and "Traoré" not in text and "IMRAP" not in text and "Société civile" not in text
    full = badge_service.print_badges(event, badge_service.PrintRequest(
        selection=badge_service.Selection(), discreet=False, confirm_reprint=True))
    assert "Traoré" in pdf_text(full.pdf)
    assert audit("badges.settings")


# --- web --------------------------------------------------------------------------------------


def test_page_form_and_pdf_download(client, login, crowd):
    event, regs = crowd
    login("organizer")
    page = client.get(f"/events/{event.slug}/badges")
    assert page.status_code == 200 and "a4-10" in page.get_data(as_text=True)
    response = client.post(f"/events/{event.slug}/badges", data={"layout": "a4-4", "status": "", "category": "",
                                                                    "scope": "filters"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "badges-" in response.headers["Content-Disposition"]
    assert len(decode_qr_codes(response.data, dpi=150)[0]) == 3


def test_ticked_rows_and_reprint_confirmation(client, login, crowd):
    event, regs = crowd
    login("organizer")
    ids = [str(regs[0].id), str(regs[1].id)]
    first = client.post(f"/events/{event.slug}/badges", data={"registration_ids": ids})
    assert first.mimetype == "application/pdf"
    again = client.post(f"/events/{event.slug}/badges", data={"registration_ids": ids})
    body = again.get_data(as_text=True)
    assert again.status_code == 200 and again.mimetype == "text/html"
    assert "Awa Traoré" in body and 'name="confirm"' in body and "2" in body
    confirmed = client.post(f"/events/{event.slug}/badges", data={"registration_ids": ids, "confirm": "1"})
    assert confirmed.mimetype == "application/pdf"
    prints = badge_service.recent_prints(event)
    assert [(p.count, p.reprints) for p in prints] == [(2, 2), (2, 0)]
    page = client.get(f"/events/{event.slug}/badges").get_data(as_text=True)
    assert "Impressions récentes" in page and prints[0].actor in page
    db.session.refresh(regs[0])
    assert regs[0].badge_print_count == 2


def test_one_registration_by_get_and_bad_input_is_no_500(client, login, crowd):
    event, regs = crowd
    login("organizer")
    offer = client.get(f"/events/{event.slug}/badges?registration_id={regs[2].id}")
    assert offer.mimetype == "text/html" and (f'name="registration_ids" value="{regs[2].id}"'
                                              in offer.get_data(as_text=True))
    db.session.refresh(regs[2])
    assert regs[2].badge_print_count == 0  # a GET prints nothing and counts nothing
    one = client.post(f"/events/{event.slug}/badges", data={"registration_ids": [str(regs[2].id)]})
    assert one.mimetype == "application/pdf"
    db.session.refresh(regs[2])
    assert regs[2].badge_print_count == 1
    assert decode_qr_codes(one.data, dpi=150) == [[qr_payload(regs[2].checkin_token)]]
    assert client.get(f"/events/{event.slug}/badges?registration_id=abc").status_code == 400
    assert client.get(f"/events/{event.slug}/badges?registration_id=").status_code == 400
    assert client.get(f"/events/{event.slug}/badges?registration_id=99999999999999999999").status_code == 400
    huge = client.post(f"/events/{event.slug}/badges", data={"scope": "filters", "category": "9" * 30})
    assert huge.status_code == 400
    assert client.get(f"/events/{event.slug}/badges?registration_id=999999").status_code == 404
    bad = client.post(f"/events/{event.slug}/badges", data={"layout": "a3-99", "scope": "filters"})
    assert bad.status_code == 400 and "a4-8" in bad.get_data(as_text=True)
    nothing_ticked = client.post(f"/events/{event.slug}/badges", data={"registration_ids": []})
    assert nothing_ticked.status_code == 400 and "Aucun participant" in nothing_ticked.get_data(as_text=True)
    empty = factories.make_event()
    nobody = client.post(f"/events/{empty.slug}/badges", data={"scope": "filters"})
    assert nobody.status_code == 400 and "Personne" in nobody.get_data(as_text=True)
    assert client.get("/events/no-such-event/badges").status_code == 404


def test_settings_form(client, login, crowd):
    event, _regs = crowd
    login("organizer")
    response = client.post(f"/events/{event.slug}/badges/settings", data={"layout": "id1", "discreet": "y"})
    assert response.status_code == 302
    db.session.refresh(event)
    assert event.badge_layout == "id1" and event.discreet_badges is True
    bad = client.post(f"/events/{event.slug}/badges/settings", data={"layout": "zz"})
    assert bad.status_code == 400


def test_roles(client, login, crowd):
    event, regs = crowd
    login("coordinator")
    assert client.get(f"/events/{event.slug}/badges").status_code == 403
    assert client.post(f"/events/{event.slug}/badges", data={}).status_code == 403
    assert client.get(f"/events/{event.slug}/nameplates").status_code == 403


def test_door_prints_a_walk_in_badge_of_its_event_only(client, login, crowd):
    event, regs = crowd
    walk_in = factories.make_registration(event, factories.make_person("Kadiatou", "Sidibé"), source="walk_in")
    login("door", events=[event])
    form = client.get(f"/events/{event.slug}/badges")  # not the print form: back to the door page
    assert form.status_code == 302 and form.headers["Location"].endswith(f"/events/{event.slug}/door")
    assert client.post(f"/events/{event.slug}/badges", data={}).status_code == 400
    offer = client.get(f"/events/{event.slug}/badges?registration_id={walk_in.id}")
    assert offer.mimetype == "text/html" and "Kadiatou Sidibé" in offer.get_data(as_text=True)
    response = client.post(f"/events/{event.slug}/badges", data={"registration_ids": [str(walk_in.id)]})
    assert response.mimetype == "application/pdf"
    assert client.get(f"/events/{event.slug}/badges?registration_id={regs[0].id}").status_code == 403
    assert client.post(f"/events/{event.slug}/badges",
                       data={"registration_ids": [str(walk_in.id), str(regs[0].id)]}).status_code == 403
    reprint = client.get(f"/events/{event.slug}/badges?registration_id={walk_in.id}")
    assert reprint.mimetype == "text/html" and 'name="confirm"' in reprint.get_data(as_text=True)
    other = factories.make_event()
    assert client.get(f"/events/{other.slug}/badges?registration_id={walk_in.id}").status_code == 404


def test_large_prints_run_in_the_background(app, client, login, crowd):
    event, regs = crowd
    app.config["BADGES_BACKGROUND_FROM"] = 2
    login("organizer")
    response = client.post(f"/events/{event.slug}/badges", data={"scope": "filters"})
    assert response.status_code == 302 and "/badges/jobs/" in response.headers["Location"]
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and "badges.js" in page.get_data(as_text=True)
    status_url = response.headers["Location"] + "/status"
    for _ in range(300):  # the thread takes well under a second; give it up to a minute
        status = client.get(status_url).get_json()
        if status["state"] != "running":
            break
        time.sleep(0.2)
    assert status["state"] == "done" and status["done"] == status["total"] == 3
    pdf = client.get(status["download"])
    assert pdf.mimetype == "application/pdf"
    assert sorted(decode_qr_codes(pdf.data, dpi=150)[0]) == sorted(qr_payload(r.checkin_token) for r in regs[:3])
    db.session.expire_all()
    assert all(db.session.get(Registration, r.id).badge_print_count == 1 for r in regs[:3])
    assert client.get(f"/events/{event.slug}/badges/jobs/nope/status").status_code == 404
    other = factories.make_event()
    assert client.get(status_url.replace(event.slug, other.slug)).status_code == 404


# --- name plates ------------------------------------------------------------------------------


def test_nameplates_in_protocol_order(client, login, runner, app, tmp_path):
    event = factories.make_event()
    factories.make_official(event, "DIARRA", honorific="Mme", first_name="Aminata", function="Directrice",
                            protocol_rank=30)
    factories.make_official(event, "SOGOBA", honorific="M.", first_name="Ibrahima",
                            function="Secrétaire général", institution="Ministère de la Sécurité", protocol_rank=10)
    factories.make_official(event, "MAÏGA", honorific="Dr", first_name="Fatoumata", protocol_rank=20)
    pdf = badge_service.nameplates_pdf(event)
    assert page_count(pdf) == 3
    text = pdf_text(pdf)
    assert text.index("SOGOBA") < text.index("MAÏGA") < text.index("DIARRA")
    assert text.count("M. Ibrahima SOGOBA") == 2  # both faces
    login("organizer")
    response = client.get(f"/events/{event.slug}/nameplates")
    assert response.mimetype == "application/pdf"
    out = tmp_path / "plates.pdf"
    result = runner.invoke(args=["nameplates", event.slug, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert page_count(out.read_bytes()) == 3
    empty = factories.make_event()
    result = runner.invoke(args=["nameplates", empty.slug, "--out", str(tmp_path / "none.pdf")])
    assert result.exit_code != 0 and not (tmp_path / "none.pdf").exists()
    assert client.get(f"/events/{empty.slug}/nameplates").status_code == 302


# --- CLI --------------------------------------------------------------------------------------


def test_cli_badges(runner, crowd, tmp_path):
    event, regs = crowd
    out = tmp_path / "badges.pdf"
    result = runner.invoke(args=["badges", event.slug, "--out", str(out), "--layout", "a4-10"])
    assert result.exit_code == 0, result.output
    assert "3" in result.output
    assert (sorted(decode_qr_codes(out.read_bytes(), dpi=150)[0])
            == sorted(qr_payload(r.checkin_token) for r in regs[:3]))
    bad = runner.invoke(args=["badges", event.slug, "--out", str(tmp_path / "x.pdf"), "--layout", "a3"])
    assert bad.exit_code != 0 and "a4-8" in bad.output and "id1" in bad.output
    assert not (tmp_path / "x.pdf").exists()
    empty = factories.make_event()
    none = runner.invoke(args=["badges", empty.slug, "--out", str(tmp_path / "y.pdf")])
    assert none.exit_code != 0 and not (tmp_path / "y.pdf").exists()
    unknown = runner.invoke(args=["badges", "no-such-event", "--out", str(tmp_path / "z.pdf")])
    assert unknown.exit_code != 0
    nowhere = runner.invoke(args=["badges", event.slug, "--out", str(tmp_path / "no" / "dir.pdf")])
    assert nowhere.exit_code != 0 and "Cannot write" in nowhere.output


def test_old_prints_are_removed_and_interrupted_ones_reported(app, crowd, tmp_path):
    import os

    event, _regs = crowd
    prints = tmp_path / "prints"
    prints.mkdir()
    (prints / "old.pdf").write_bytes(b"%PDF")
    (prints / "new.pdf").write_bytes(b"%PDF")
    (prints / "stuck.json").write_text(json.dumps({"event_id": event.id, "state": "running", "done": 8, "total": 9}))
    long_ago = os.stat(prints / "new.pdf").st_mtime - 2 * badge_service.JOB_KEEP_SECONDS
    os.utime(prints / "old.pdf", (long_ago, long_ago))
    os.utime(prints / "stuck.json", (long_ago, long_ago))
    assert badge_service.job_status(prints, "stuck", event)["state"] == "failed"
    assert badge_service.remove_old_jobs(prints) == 2
    assert sorted(p.name for p in prints.iterdir()) == ["new.pdf"]


def test_badges_follow_the_events_language(app):
    event = factories.make_event(language="en")
    factories.make_registration(event, factories.make_person("Awa", "Traoré", category="civil_society"))
    text = pdf_text(badge_service.print_badges(event, request_for()).pdf)
    assert "Civil society" in text and "June 21, 2023" in text and "Traoré" in text


def test_posts_without_a_csrf_token_are_refused(app, client, login, crowd):
    event, _regs = crowd
    login("organizer")
    app.config["WTF_CSRF_ENABLED"] = True
    for url, data in ((f"/events/{event.slug}/badges", {"scope": "filters"}),
                      (f"/events/{event.slug}/badges/settings", {"layout": "id1"})):
        assert client.post(url, data=data).status_code == 400
    db.session.refresh(event)
    assert event.badge_layout == "a4-8" and not audit("badges.print")
