"""The organizers' pages: participants, bulk adds, import steps, export, invitations, directory, merges."""
from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import func, select

from eventapp.audit.models import AuditEntry
from eventapp.extensions import db
from eventapp.people.models import Person, PersonMerge
from eventapp.registration.models import Invitation, Registration
from tests import factories
from tests.pdfutil import decode_qr_codes
from tests.people_fixtures import cp1252_csv, xlsx

XSS = "<script>alert(1)</script>"


def test_participants_list_search_filter_and_pages(app, client, login):
    login("organizer")
    event = factories.make_event()
    factories.make_registration(event, factories.make_person("Awa", "Traoré", sex="F", category="fds"))
    factories.make_registration(event, factories.make_person("Moussa", "Maïga", sex="M"), status="invited")
    factories.make_registration(event, factories.make_person("Ousmane", "N'Diaye", sex="M"), status="declined")
    url = f"/events/{event.slug}/participants"
    page = client.get(url).get_data(as_text=True)
    assert "Traoré" in page and "Maïga" in page and "N&#39;Diaye" in page
    assert "Traoré" in client.get(url + "?q=traore").get_data(as_text=True)
    only = client.get(url + "?q=ndiaye").get_data(as_text=True)
    assert "Diaye" in only and "Traoré" not in only
    assert "Maïga" not in client.get(url + "?q=traore").get_data(as_text=True)
    by_status = client.get(url + "?status=invited").get_data(as_text=True)
    assert "Maïga" in by_status and "Traoré" not in by_status
    by_sex = client.get(url + "?sex=F").get_data(as_text=True)
    assert "Traoré" in by_sex and "Maïga" not in by_sex
    fds = factories.category("fds").id
    by_category = client.get(url + f"?category={fds}").get_data(as_text=True)
    assert "Traoré" in by_category and "Maïga" not in by_category
    for i in range(55):
        factories.make_registration(event, factories.make_person("X", f"Zz{i:02d}"))
    first = client.get(url).get_data(as_text=True)
    assert "Zz50" not in first and "page=2" in first
    assert "Zz50" in client.get(url + "?page=2").get_data(as_text=True)
    # The badges helper's endpoint is linked only once it exists.
    assert f'formaction="/events/{event.slug}/badges"' in first
    assert client.get("/events/no-such/participants").status_code == 404


def test_names_holding_html_show_as_text(app, client, login):
    login("organizer")
    event = factories.make_event()
    reg = factories.make_registration(event, factories.make_person(XSS, XSS, organisation=XSS, function=XSS))
    for url in (f"/events/{event.slug}/participants", f"/events/{event.slug}/participants/{reg.id}",
                "/people?q=script", f"/people/{reg.person_id}", f"/r/{reg.answer_token}"):
        page = client.get(url).get_data(as_text=True)
        assert XSS not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url


def test_roles(app, client, login):
    event = factories.make_event()
    login("coordinator")
    page = client.get(f"/events/{event.slug}/participants")
    assert page.status_code == 200
    # No button that would answer 403: printing badges and sending are the organizer's.
    assert "formaction" not in page.get_data(as_text=True)
    assert client.get(f"/events/{event.slug}/export?format=csv").status_code == 200
    assert client.get(f"/events/{event.slug}/participants/new").status_code == 403
    assert client.get(f"/events/{event.slug}/import").status_code == 403
    assert client.get(f"/events/{event.slug}/invitations").status_code == 403
    client.post("/logout")
    login("door", events=[event])
    assert client.get(f"/events/{event.slug}/participants").status_code == 403
    assert client.get(f"/events/{event.slug}/export?format=csv").status_code == 403


def test_add_edit_and_cancel(app, client, login):
    login("organizer")
    event = factories.make_event()
    url = f"/events/{event.slug}/participants/new"
    bad = client.post(url, data={"last_name": "", "phone": "123", "sex": "F", "status": "registered"})
    assert bad.status_code == 200
    page = bad.get_data(as_text=True)
    assert "Le nom est obligatoire." in page and "Numéro de téléphone non valide" in page
    assert db.session.scalar(select(func.count()).select_from(Person)) == 0
    ok = client.post(url, data={"first_name": "Awa", "last_name": "Traoré", "phone": "76 12 34 56", "sex": "F",
                                "status": "invited", "category_id": str(factories.category("fds").id),
                                "age_band": "25-35"})
    assert ok.status_code == 302
    reg = db.session.scalar(select(Registration))
    assert reg.status == "invited" and reg.person.phone == "+22376123456"
    # Adding the same phone again reuses the person and refuses a second registration.
    again = client.post(url, data={"last_name": "Traore", "phone": "+22376123456", "sex": "X", "status": "invited"})
    assert "déjà inscrit" in again.get_data(as_text=True)
    edit = client.post(f"/events/{event.slug}/participants/{reg.id}",
                       data={"first_name": "Awa", "last_name": "Traoré-Diallo", "sex": "F", "status": "accepted",
                             "consent_photos": "y", "registration_notes": "Vient de Mopti"})
    assert edit.status_code == 302
    db.session.refresh(reg)
    assert reg.person.last_name == "Traoré-Diallo" and reg.person.name_key == "awa diallo traore"
    assert reg.status == "accepted" and reg.notes == "Vient de Mopti"
    assert [(c.kind, c.given) for c in reg.person.consents] == [("photos", True)]
    cancel = client.post(f"/events/{event.slug}/participants/cancel", data={"registration_ids": [str(reg.id)]})
    assert cancel.status_code == 302
    db.session.refresh(reg)
    assert reg.status == "cancelled"
    other = factories.make_event()
    other_reg = factories.make_registration(other)
    client.post(f"/events/{event.slug}/participants/cancel", data={"registration_ids": [str(other_reg.id)]})
    db.session.refresh(other_reg)
    assert other_reg.status == "registered"  # another event's registration is out of reach
    assert client.get(f"/events/{event.slug}/participants/{other_reg.id}").status_code == 404


def test_bulk_add_from_directory_and_from_an_earlier_event(app, client, login):
    login("organizer")
    round_table = factories.make_event(title="Table ronde de Mopti")
    event = factories.make_event()
    people = [factories.make_person("P", f"Personne{i}") for i in range(4)]
    for p in people[:3]:
        factories.make_registration(round_table, p)
    factories.make_registration(round_table, people[3], status="cancelled")
    factories.make_registration(event, people[0])
    response = client.post(f"/events/{event.slug}/participants/add",
                           data={"source_event": round_table.slug, "status": "invited"})
    assert response.status_code == 302
    here = select(Registration).where(Registration.event_id == event.id)
    regs = {r.person_id: r.status for r in db.session.scalars(here)}
    assert regs == {people[0].id: "registered", people[1].id: "invited", people[2].id: "invited"}
    extra = factories.make_person("Awa", "Traoré")
    page = client.get(f"/events/{event.slug}/participants/add?q=traore").get_data(as_text=True)
    assert f'value="{extra.id}"' in page
    client.post(f"/events/{event.slug}/participants/add", data={"person_ids": [str(extra.id)], "status": "invited"})
    assert len(db.session.scalars(here).all()) == 4


def test_import_page_upload_map_preview_import(app, client, login):
    login("organizer")
    event = factories.make_event()
    content = cp1252_csv([["Liste des invités"], ["Participant", "Prénom", "Tél"],
                          ["Traoré", "Awa", "76123456"], ["Maïga", "Moussa", "abc"]])
    response = client.post(f"/events/{event.slug}/import",
                           data={"file": (io.BytesIO(content), "liste.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    upload_id = preview_url.rsplit("/", 1)[1]
    # The file waits in the instance folder under a random name, not in the session cookie.
    kept = list((Path(app.instance_path) / "imports").glob("*.bin"))
    assert [p.stem for p in kept] == [upload_id] and "liste" not in upload_id
    page = client.get(preview_url).get_data(as_text=True)
    assert "La colonne obligatoire « Nom » manque" in page  # "Participant" is not a known header
    # Map by hand, then preview: row 4's phone is wrong, nothing can be imported.
    mapping = {"col_0": "last_name", "col_1": "first_name", "col_2": "phone"}
    page = client.post(preview_url, data={**mapping, "action": "preview"}).get_data(as_text=True)
    assert "Ligne 4, colonne « Tél » : Numéro de téléphone non valide" in page
    refused = client.post(preview_url, data={**mapping, "action": "import"})
    assert refused.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
    # A corrected file, imported through the page.
    fixed = xlsx([["NOM", "Prénom", "Téléphone"], ["Traoré", "Awa", 76123456], ["Maïga", "Moussa", 66123456]],
                 title_row="Liste")
    response = client.post(f"/events/{event.slug}/import", data={"file": (io.BytesIO(fixed), "liste.xlsx")},
                           content_type="multipart/form-data")
    preview_url = response.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "Toutes les lignes sont valides." in page
    done = client.post(preview_url, data={"col_0": "last_name", "col_1": "first_name", "col_2": "phone",
                                          "action": "import"})
    assert done.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 2
    assert not (Path(app.instance_path) / "imports" / f"{preview_url.rsplit('/', 1)[1]}.bin").exists()
    assert client.get(f"/events/{event.slug}/import/not-a-real-upload-id-123").status_code == 302


def test_import_page_refuses_a_bad_file_at_once(app, client, login):
    login("organizer")
    event = factories.make_event()
    response = client.post(f"/events/{event.slug}/import", data={"file": (io.BytesIO(b"%PDF-1.4"), "x.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert "n&#39;est pas un fichier CSV ou XLSX" in response.get_data(as_text=True)


def test_export_from_the_page(app, client, login):
    login("organizer")
    event = factories.make_event()
    reg = factories.make_registration(event, factories.make_person("Awa", "Traoré", phone="+22376123456"))
    response = client.get(f"/events/{event.slug}/export?format=csv&tokens=1")
    assert response.status_code == 200 and response.data.startswith(b"\xef\xbb\xbf")
    assert reg.checkin_token in response.get_data(as_text=True)
    assert "attachment" in response.headers["Content-Disposition"]
    xlsx_response = client.get(f"/events/{event.slug}/export?format=xlsx")
    assert xlsx_response.data.startswith(b"PK")
    assert client.get(f"/events/{event.slug}/export?format=pdf").status_code == 400
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "registration.export")) == 2


def test_invitations_from_the_pages(app, client, login):
    login("organizer")
    event = factories.make_event()
    awa = factories.make_registration(event, factories.make_person("Awa", "Traoré", email="awa@example.org"),
                                      status="invited")
    ali = factories.make_registration(event, factories.make_person("Ali", "Touré"), status="invited")
    response = client.post(f"/events/{event.slug}/invitations/send",
                           data={"registration_ids": [str(awa.id), str(ali.id)]})
    assert response.status_code == 302
    assert len(list((Path(app.instance_path) / "outbox").glob("*.eml"))) == 1
    letters = client.post(f"/events/{event.slug}/invitations/letters", data={"scope": "no_email"})
    assert letters.mimetype == "application/pdf"
    assert decode_qr_codes(letters.data) == [["EA1" + ali.checkin_token]]
    remind = client.post(f"/events/{event.slug}/invitations/remind")
    assert remind.status_code == 302
    page = client.get(f"/events/{event.slug}/invitations").get_data(as_text=True)
    assert "Rappel" in page and "Lettre" in page
    kinds = sorted((i.kind, i.channel) for i in db.session.scalars(select(Invitation)))
    assert kinds == [("invitation", "email"), ("invitation", "letter"), ("reminder", "email")]
    nothing = client.post(f"/events/{event.slug}/invitations/send", data={})
    assert nothing.status_code == 302


def test_directory_duplicates_and_merge_pages(app, client, login):
    login("organizer")
    kept = factories.make_person("Awa", "Traoré", phone="+22376123456")
    dup = factories.make_person("awa", "TRAORE", email="awa@example.org")
    page = client.get("/people/duplicates").get_data(as_text=True)
    assert f"/people/{kept.id}/merge/{dup.id}" in page
    compare = client.get(f"/people/{kept.id}/merge/{dup.id}")
    assert compare.status_code == 200 and db.session.scalar(select(func.count()).select_from(PersonMerge)) == 0
    assert client.post(f"/people/{kept.id}/merge/{dup.id}").status_code == 302
    db.session.refresh(dup)
    assert dup.merged_into_id == kept.id
    assert "fusionnée" in client.get(f"/people/{dup.id}").get_data(as_text=True)
    saved = client.post(f"/people/{kept.id}", data={"first_name": "Awa", "last_name": "Traoré", "sex": "F",
                                                    "phone": "76123456", "email": "awa@example.org"})
    assert saved.status_code == 302
    assert client.get("/people?q=traore").get_data(as_text=True).count(f"/people/{kept.id}") == 1


def test_event_actions_partial_renders(app, client, login):
    user = login("organizer")
    event = factories.make_event()
    from flask import render_template

    with app.test_request_context():
        from flask_login import login_user

        login_user(user)
        html = render_template("people/_event_actions.html", event=event)
    assert f"/events/{event.slug}/participants" in html and f"/events/{event.slug}/import" in html
    assert f"/events/{event.slug}/invitations" in html and "export" in html


def test_event_page_links_to_people(app, client, login):
    if "events.show" not in app.view_functions:
        return  # the events area is not merged into this branch
    login("organizer")
    event = factories.make_event()
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    for path in ("participants", "import", "invitations", "export?format=xlsx"):
        assert f"/events/{event.slug}/{path}" in page, path
