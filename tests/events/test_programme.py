"""The printable programme: plain data in, PDF out; officials in protocol order, accents intact."""
from __future__ import annotations

import io
from datetime import date, time

from eventapp.events import agenda, officials
from eventapp.events.documents import Programme, ProgrammeDay, ProgrammeItem, ProgrammeOfficial, programme_pdf
from eventapp.events.programme import make_programme, programme_data
from tests import factories
from tests.events_fixtures import png_bytes
from tests.pdfutil import page_count, pdf_text


def test_document_from_plain_data_in_french():
    data = Programme(
        title="Atelier de restitution", language="fr", project="Confiance FDS–population",
        organizer="IMRAP", partner="Coopération suisse", venue="Maison de la Femme, Sabalibougou, Bamako",
        start_date=date(2023, 6, 21), end_date=date(2023, 6, 22), organizer_logo=png_bytes(),
        officials=[ProgrammeOfficial("M. Oumar SOGOBA", "Secrétaire général", "Ministère de la Sécurité", "Préside"),
                   ProgrammeOfficial("Dr Fatoumata MAÏGA", "Directrice", "IMRAP", "Intervenante"),
                   ProgrammeOfficial("M. Ibrahim N'DIAYE", "Modérateur", "", "Modérateur")],
        days=[ProgrammeDay(date(2023, 6, 21), [ProgrammeItem(time(9), time(9, 30), "Cérémonie d'ouverture",
                                                             "Cérémonie d'ouverture", "Salle de conférence",
                                                             held_by=["M. Oumar SOGOBA"])]),
              ProgrammeDay(date(2023, 6, 22), [ProgrammeItem(time(12), time(12, 30), "Clôture", "Clôture")])],
    )
    pdf = programme_pdf(data)
    assert pdf.startswith(b"%PDF")
    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1  # the organiser's logo
    text = pdf_text(pdf)
    assert text.index("M. Oumar SOGOBA") < text.index("Dr Fatoumata MAÏGA") < text.index("M. Ibrahim N'DIAYE")
    for words in ("Officiels", "Programme", "mercredi 21 juin 2023", "jeudi 22 juin 2023", "09:00 – 09:30",
                  "Cérémonie d'ouverture", "Coopération suisse", "Page 1 sur"):
        assert words in text, words


def test_document_in_english_with_empty_agenda():
    text = pdf_text(programme_pdf(Programme(title="Round table", language="en", start_date=date(2023, 6, 21))))
    assert "The agenda is not set yet." in text and "Wednesday, June 21, 2023" in text and "Page 1 of 1" in text


def test_programme_of_an_event(app, tmp_path):
    event = factories.make_event(title="Atelier de Tombouctou", language="fr")
    uploads = tmp_path / "uploads"
    event.partner_logo = "partner.png"  # a logo as save_event keeps it
    uploads.mkdir()
    (uploads / "partner.png").write_bytes(png_bytes())
    keita = officials.create_official(event, dict(honorific="Mme", first_name="Kadiatou", last_name="KEÏTA",
                                                  role="rapporteur"))
    sogoba = officials.create_official(event, dict(honorific="M.", first_name="Oumar", last_name="SOGOBA",
                                                   role="presides", protocol_rank=1))
    agenda.create_item(event, dict(day=event.start_date, start_time=time(12, 30), end_time=time(13, 0),
                                   title="Recommandations", kind="debate",
                                   holders=[(keita.id, None), (sogoba.id, None)]))
    agenda.create_item(event, dict(day=event.start_date, start_time=time(9), end_time=time(9, 30),
                                   title="Ouverture", kind="opening", holders=[(sogoba.id, None)]))
    data = programme_data(event, uploads)
    assert data.partner_logo == png_bytes() and data.organizer_logo is None
    assert [o.name for o in data.officials] == ["M. Oumar SOGOBA", "Mme Kadiatou KEÏTA"]
    assert [i.title for i in data.days[0].items] == ["Ouverture", "Recommandations"]
    assert data.days[0].items[1].held_by == ["M. Oumar SOGOBA (Président de séance)",
                                             "Mme Kadiatou KEÏTA (Rapporteuse)"]
    pdf = make_programme(event, uploads)
    text = pdf_text(pdf)
    assert text.index("M. Oumar SOGOBA") < text.index("Mme Kadiatou KEÏTA")
    assert "Débat ou plénière" in text
    assert page_count(pdf) >= 1
