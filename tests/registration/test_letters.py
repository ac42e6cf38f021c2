"""Invitation letters as a ministry expects them, in French and English, and the short answer code
printed on them: read back from the PDF with pypdf, the QR code with zxing-cpp."""
from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from eventapp.core import web
from eventapp.core.tokens import ANSWER_CODE_ALPHABET, qr_payload, spaced_answer_code
from eventapp.extensions import db
from eventapp.registration import invitations
from eventapp.registration.models import Invitation
from tests import factories
from tests.events_fixtures import png_bytes
from tests.pdfutil import decode_qr_codes, render_pages

BASE = "http://192.168.1.10:5000/"
WRITTEN = date(2026, 6, 3)
TITLE = ("Atelier de restitution des résultats du projet « Renforcement des liens de confiance entre les FDS "
         "et la population civile »")
OUT = Path("/tmp/letters13")


def pages(pdf: bytes) -> list[str]:
    """Each page's text, every run of white space (line ends, no-break spaces) as one space."""
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def workshop(**kw):
    defaults = dict(title=TITLE, organizer="Institut Malien de Recherche Action pour la Paix (IMRAP)",
                    partner="Coopération suisse – DPDH", venue_name="Salle de conférence de la Maison de la Femme",
                    venue_address="Sabalibougou", city="Bamako", start_date=date(2027, 1, 15),
                    end_date=date(2027, 1, 16), letter_reference_prefix="IMRAP/DE",
                    letter_signatory_name="Dr Boubacar DIALLO", letter_signatory_title="Le Directeur exécutif")
    defaults.update(kw)
    return factories.make_event(**defaults)


def with_logos(event):
    """The organizer's (green) and the partner's (red) logos, as uploaded files."""
    folder = web.settings().upload_dir
    folder.mkdir(parents=True, exist_ok=True)
    for kind, colour in (("organizer_logo", (27, 94, 58)), ("partner_logo", (180, 30, 30))):
        (folder / f"{event.slug}-{kind}.png").write_bytes(png_bytes(300, 150, colour))
        setattr(event, kind, f"{event.slug}-{kind}.png")
    db.session.commit()
    return event


def guests(event):
    traore = factories.make_registration(event, factories.make_person(
        "Moussa", "Traoré", honorific="M.", sex="M", function="Secrétaire général",
        organisation="Ministère de la Sécurité et de la Protection civile"), status="invited")
    maiga = factories.make_registration(event, factories.make_person(
        "Awa", "Maïga", honorific="Mme", sex="F", function="Directrice", organisation="APDF"), status="invited")
    ndiaye = factories.make_registration(event, factories.make_person("Ousmane", "N'Diaye"), status="invited")
    return traore, maiga, ndiaye


def letters(event, registrations, **kw) -> bytes:
    return invitations.print_letters(event, registrations, links=web.links(BASE), upload_dir=web.settings().upload_dir,
                                     written_on=WRITTEN, **kw)


def link(registration) -> str:
    return f"{BASE}r/{spaced_answer_code(registration.answer_code)}"


def test_a_french_administrative_letter(app):
    event = with_logos(workshop())
    traore, maiga, ndiaye = guests(event)
    pdf = letters(event, [traore, maiga, ndiaye])
    assert all(len(page.images) == 2 for page in PdfReader(io.BytesIO(pdf)).pages)  # both logos on each
    first, second, third = pages(pdf)
    assert f"N° {traore.id:04d}/IMRAP/DE" in first and "Bamako, le 3 juin 2026" in first
    assert ("M. Moussa Traoré Secrétaire général Ministère de la Sécurité et de la Protection civile Objet : "
            "Invitation à l'atelier de restitution des résultats du projet « Renforcement des liens de confiance "
            "entre les FDS et la population civile » Monsieur le Secrétaire général, ") in first
    assert ("J'ai l'honneur de vous inviter à prendre part à l'atelier de restitution des résultats du projet "
            "« Renforcement des liens de confiance entre les FDS et la population civile », qui se tiendra du "
            "vendredi 15 au samedi 16 janvier 2027 à la salle de conférence de la Maison de la Femme "
            "(Sabalibougou), à Bamako.") in first
    assert ("Je vous prie d'agréer, Monsieur le Secrétaire général, l'expression de ma haute considération. "
            "Le Directeur exécutif Dr Boubacar DIALLO") in first
    assert "Madame la Directrice," in second and "Je vous prie d'agréer, Madame la Directrice," in second
    assert "Mme Awa Maïga Directrice APDF" in second
    assert "Ousmane N'Diaye Objet" in third and "Madame, Monsieur," in third  # nothing says who he is
    for text in (first, second, third):
        assert "« «" not in text and "» »" not in text and "Salle de conférence" not in text
        assert "–" not in text.split("Coopération suisse – DPDH", 1)[1]  # no "date – date"
    for registration, text in zip((traore, maiga, ndiaye), (first, second, third), strict=True):
        assert link(registration) in text
    # The QR code stays: the person's pass at the door.
    assert decode_qr_codes(pdf) == [[qr_payload(r.checkin_token)] for r in (traore, maiga, ndiaye)]
    sent = db.session.scalars(select(Invitation.channel)).all()
    assert sent == ["letter"] * 3
    OUT.mkdir(parents=True, exist_ok=True)
    render_pages(pdf, dpi=110)[0].save(OUT / "letter-fr.png")


def test_the_same_letter_in_english(app):
    event = workshop(language="en", title="Validation Workshop on Community Dialogue",
                     venue_name="Conference room of the Maison de la Femme")
    traore, maiga, ndiaye = guests(event)
    first, second, third = pages(letters(event, [traore, maiga, ndiaye]))
    assert f"Ref. {traore.id:04d}/IMRAP/DE" in first and "Bamako, 3 June 2026" in first
    assert "Mr Moussa Traoré Secretary" not in first and "Mr Moussa Traoré Secrétaire général" in first
    assert "Subject: Invitation to the Validation Workshop on Community Dialogue Dear Mr Traoré," in first
    assert ("I have the honour of inviting you to take part in the Validation Workshop on Community Dialogue, to "
            "be held from Friday 15 to Saturday 16 January 2027 at the conference room of the Maison de la Femme "
            "(Sabalibougou), Bamako.") in first
    assert "Yours sincerely, Le Directeur exécutif Dr Boubacar DIALLO" in first
    assert "Dear Ms Maïga," in second and "Ms Awa Maïga Directrice APDF" in second
    assert "Dear Sir or Madam," in third and "Yours faithfully," in third
    assert link(ndiaye) in third


def test_one_day_the_organizers_venue_words_and_the_organisation_signing(app):
    event = workshop(end_date=date(2027, 1, 15), venue_phrase="au CICB, à Bamako", letter_signatory_name="")
    traore, _maiga, _ndiaye = guests(event)
    (text,) = pages(letters(event, [traore]))
    assert ("Nous avons l'honneur de vous inviter à prendre part à l'atelier de restitution des résultats du projet "
            "« Renforcement des liens de confiance entre les FDS et la population civile », qui se tiendra le "
            "vendredi 15 janvier 2027 au CICB, à Bamako.") in text
    assert ("Veuillez agréer, Monsieur le Secrétaire général, l'expression de notre haute considération. "
            "Institut Malien de Recherche Action pour la Paix (IMRAP)") in text


def test_an_official_signs_when_chosen_at_printing(app, client, login):
    login("organizer")
    event = workshop()
    official = factories.make_official(event, "SOGOBA", first_name="Oumar", honorific="M.",
                                       function="Secrétaire général",
                                       institution="Ministère de la Sécurité et de la Protection civile",
                                       role="presides", protocol_rank=1)
    traore, _maiga, _ndiaye = guests(event)
    response = client.post(f"/events/{event.slug}/invitations/letters",
                           data={"scope": "selection", "registration_ids": str(traore.id),
                                 "signatory": str(official.id)})
    assert response.mimetype == "application/pdf"
    (text,) = pages(response.data)
    assert ("La cérémonie sera placée sous la présidence de M. Oumar SOGOBA (Secrétaire général, Ministère de la "
            "Sécurité et de la Protection civile).") in text
    assert text.endswith("Secrétaire général, Ministère de la Sécurité et de la Protection civile M. Oumar SOGOBA")
    # An official of another event is refused with a message, and nothing is recorded as sent.
    other = factories.make_official(factories.make_event(), "DICKO")
    refused = client.post(f"/events/{event.slug}/invitations/letters",
                          data={"scope": "all", "signatory": str(other.id)})
    assert refused.status_code == 302
    assert "Choisissez l&#39;officiel signataire" in client.get(refused.location).get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(Invitation)) == 1


def test_the_short_code_opens_the_answer_page_however_it_is_typed(app, client):
    event = workshop(start_date=date(2099, 1, 15), end_date=date(2099, 1, 16))
    traore, maiga, ndiaye = guests(event)
    codes = {r.answer_code for r in (traore, maiga, ndiaye)}
    assert len(codes) == 3
    for code in codes:
        assert re.fullmatch(f"[{ANSWER_CODE_ALPHABET}]{{12}}", code) and not set(code) & set("01OIL")
    code = traore.answer_code
    for typed in (spaced_answer_code(code), code, code.lower(), spaced_answer_code(code).lower()):
        page = client.get(f"/r/{typed}")
        assert page.status_code == 200 and 'value="Traoré"' in page.get_data(as_text=True), typed
    assert client.get(f"/r/{traore.answer_token}").status_code == 200  # links already sent keep working
    answered = client.post(f"/r/{spaced_answer_code(maiga.answer_code)}", data={"answer": "accept",
                                                                                "last_name": "Maïga"})
    assert answered.status_code == 200
    db.session.refresh(maiga)
    assert maiga.status == "accepted" and traore.status == "invited"


def test_someone_trying_codes_is_stopped(app, client):
    event = workshop(start_date=date(2099, 1, 15), end_date=date(2099, 1, 16))
    traore, _maiga, _ndiaye = guests(event)
    prober = {"REMOTE_ADDR": "203.0.113.9"}
    statuses = [client.get(f"/r/{'ABCD' * 3}"[:-1] + str(i % 8 + 2), environ_base=prober).status_code
                for i in range(21)]
    assert statuses[:20] == [404] * 20 and statuses[20] == 429
    # The real person, from another address, is not stopped.
    assert client.get(f"/r/{spaced_answer_code(traore.answer_code)}",
                      environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 200


def test_codes_in_use_are_unique_in_the_database(app):
    import pytest
    from sqlalchemy.exc import IntegrityError

    event = workshop()
    traore, maiga, _ndiaye = guests(event)
    maiga.answer_code = traore.answer_code
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_letter_fields_are_on_the_event_form(app, client, login):
    from tests.events.test_views import _form

    login("organizer")
    event = workshop(letter_reference_prefix="", letter_signatory_name="", letter_signatory_title="")
    page = client.get(f"/events/{event.slug}/edit").get_data(as_text=True)
    assert "<legend>Lettres d'invitation</legend>" in page and 'name="venue_phrase"' in page
    response = client.post(f"/events/{event.slug}/edit", content_type="multipart/form-data", data=_form(
        slug=event.slug, start_date="2027-01-15", end_date="2027-01-16", letter_reference_prefix=" IMRAP/DE ",
        letter_signatory_name="Mme Awa N'Diaye", letter_signatory_title="La Directrice exécutive",
        venue_phrase="au CICB, à Bamako"))
    assert response.status_code == 302
    db.session.refresh(event)
    assert (event.letter_reference_prefix, event.letter_signatory_name, event.letter_signatory_title,
            event.venue_phrase) == ("IMRAP/DE", "Mme Awa N'Diaye", "La Directrice exécutive", "au CICB, à Bamako")
    traore, _maiga, _ndiaye = guests(event)
    (text,) = pages(letters(event, [traore]))
    assert text.endswith("La Directrice exécutive Mme Awa N'Diaye") and f"N° {traore.id:04d}/IMRAP/DE" in text
    assert "au CICB, à Bamako." in text
    assert 'value="au CICB, à Bamako"' in client.get(f"/events/{event.slug}/edit").get_data(as_text=True)


def test_imported_participants_get_codes_too(app):
    """Imports insert registrations in bulk, without the ORM: the column's default still gives codes."""
    from eventapp.people import imports
    from eventapp.registration.models import Registration

    event = workshop()
    csv = "Nom;Prénom\nTraoré;Moussa\nMaïga;Awa\nN'Diaye;Ousmane\n".encode()
    imports.import_file(event, csv, "participants.csv", settings=web.settings())
    codes = db.session.scalars(select(Registration.answer_code).where(Registration.event_id == event.id)).all()
    assert len(codes) == 3 and len(set(codes)) == 3 and all(c and len(c) == 12 for c in codes)
